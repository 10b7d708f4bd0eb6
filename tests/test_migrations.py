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

    migrate(database, "factcheck", "0018")  # 0019 replaced this index

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


WORDS = "SELECT rowid FROM factcheck_claim_fts WHERE factcheck_claim_fts MATCH ?"


def test_searching_by_words_fills_each_claims_search_text_and_can_be_undone(tmp_path):
    """0019 derives the search text of the claims already stored, and indexes it;
    going back to 0018 brings 0005's index back."""
    database = tmp_path / "old.sqlite3"
    migrate(database, "factcheck", "0018")
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO factcheck_article (id, title, publisher, url, published_on, text, slug,"
            " updated_at, unpublished_reason) VALUES (1, 'Permits', 'P', '', '2022-10-20',"
            " 'They might settle.', 'a', '2022-10-20', '')"
        )
        db.execute(
            "INSERT INTO factcheck_person (id, name, description, slug, updated_at)"
            " VALUES (3, 'Jürgen Ağa', '', 'j', '2022-10-20')"
        )
        db.execute(
            "INSERT INTO factcheck_claim (id, article_id, speaker_id, kind, quote, quote_start,"
            " quote_end, statement, status, certainty, summary, condition, resolution_criteria,"
            " slug, version, created_at, updated_at, public_updated_at, article_is_public,"
            " withdrawal_reason) VALUES (7, 1, 3, 'prediction', 'They might settle.', 0, 18,"
            " '80,000 Russians will settle.', 'unreviewed', '', '', '', '', 'c', 1,"
            " '2022-10-20', '2022-10-20', '2022-10-20', 1, '')"
        )

    migrate(database)

    with sqlite3.connect(database) as db:
        assert db.execute("SELECT search_text FROM factcheck_claim").fetchall() == [
            ("they might settle 80000 russians will settle jurgen aga permits",)
        ]
        assert db.execute(WORDS, ['"jurg"* "80000"*']).fetchall() == [(7,)]
        db.execute("UPDATE factcheck_claim SET search_text = 'russians stay'")
        assert db.execute(WORDS, ['"settle"*']).fetchall() == []
        assert db.execute(WORDS, ['"stay"*']).fetchall() == [(7,)]

    migrate(database, "factcheck", "0018")

    with sqlite3.connect(database) as db:
        assert db.execute(SEARCH, ['"will settle"']).fetchall() == [(7,)]
        db.execute("DELETE FROM factcheck_claim")
        assert db.execute(SEARCH, ['"settle"']).fetchall() == []
