"""Migrations on a database that already holds claims."""

import os
import sqlite3
import subprocess
import sys

from django.conf import settings

SEARCH = "SELECT rowid FROM factcheck_claim_search WHERE factcheck_claim_search MATCH ?"


def migrate(database, *target):
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0", *target],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"sqlite:///{database}",
        },
        check=True,
        timeout=120,
    )


def test_adding_the_certainty_keeps_the_search_index_in_step(tmp_path):
    """SQLite rebuilds the claim table for 0009, which drops its triggers."""
    database = tmp_path / "old.sqlite3"
    migrate(database, "factcheck", "0005")
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO factcheck_article (id, title, publisher, url, published_on, text, slug,"
            " updated_at) VALUES (1, 'T', 'P', '', '2022-10-20', 'They might settle.', 'a',"
            " '2022-10-20')"
        )
        db.execute(
            "INSERT INTO factcheck_claim (id, article_id, kind, quote, quote_start, quote_end,"
            " statement, status, summary, condition, resolution_criteria, slug, version,"
            " created_at, updated_at, public_updated_at) VALUES (7, 1, 'prediction',"
            " 'They might settle.', 0, 18, 'Russians will settle.', 'unreviewed', '', '', '',"
            " 'c', 1, '2022-10-20', '2022-10-20', '2022-10-20')"
        )

    migrate(database)

    with sqlite3.connect(database) as db:
        assert db.execute("SELECT certainty FROM factcheck_claim").fetchall() == [("",)]
        assert db.execute("SELECT owner_id FROM factcheck_claim").fetchall() == [(None,)]
        # The article was public (0006 publishes what was loaded), and so its claim.
        assert db.execute("SELECT article_is_public FROM factcheck_claim").fetchall() == [(1,)]
        assert db.execute(SEARCH, ['"will settle"']).fetchall() == [(7,)]
        db.execute("UPDATE factcheck_claim SET statement = 'Russians might settle.'")
        assert db.execute(SEARCH, ['"will settle"']).fetchall() == []
        assert db.execute(SEARCH, ['"might settle"']).fetchall() == [(7,)]
        db.execute("DELETE FROM factcheck_claim")
        assert db.execute(SEARCH, ['"settle"']).fetchall() == []
