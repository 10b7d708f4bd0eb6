"""Search by words: each claim's search text (factcheck.search), and its index.

Replaces 0005's substring search. SQLite: an FTS5 table (unicode61) over the
column, kept in step by triggers. PostgreSQL: a GIN index on
``to_tsvector('simple', search_text)``, the expression factcheck.search queries.

On SQLite, adding the column rebuilds the claim table, which drops its
triggers; so does any later migration that rebuilds it: such a migration ends
with ``RunPython(restore_search_triggers, RunPython.noop)`` from this module.
"""

import importlib

from django.db import migrations, models

from factcheck.search import search_text

substring_search = importlib.import_module("factcheck.migrations.0005_claim_search")

SQLITE_TRIGGERS = [
    """CREATE TRIGGER factcheck_claim_fts_insert AFTER INSERT ON factcheck_claim BEGIN
        INSERT INTO factcheck_claim_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER factcheck_claim_fts_delete AFTER DELETE ON factcheck_claim BEGIN
        INSERT INTO factcheck_claim_fts(factcheck_claim_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER factcheck_claim_fts_update AFTER UPDATE OF search_text
    ON factcheck_claim BEGIN
        INSERT INTO factcheck_claim_fts(factcheck_claim_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO factcheck_claim_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
]
SQLITE_REBUILD = "INSERT INTO factcheck_claim_fts(factcheck_claim_fts) VALUES ('rebuild')"
SQLITE_FORWARD = [
    # 0005's triggers went with the table's rebuild; its table and indexes go here.
    "DROP TRIGGER IF EXISTS factcheck_claim_search_insert",
    "DROP TRIGGER IF EXISTS factcheck_claim_search_delete",
    "DROP TRIGGER IF EXISTS factcheck_claim_search_update",
    "DROP TABLE IF EXISTS factcheck_claim_search",
    # Prefix indexes for the one- and two-letter beginnings of words, which the
    # list searches for as a reader types.
    """CREATE VIRTUAL TABLE factcheck_claim_fts USING fts5(
        search_text, content='factcheck_claim', content_rowid='id',
        tokenize='unicode61', prefix='1 2'
    )""",
    *SQLITE_TRIGGERS,
    SQLITE_REBUILD,
]
SQLITE_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {trigger.split()[2]}" for trigger in SQLITE_TRIGGERS),
    "DROP TABLE factcheck_claim_fts",
]
POSTGRESQL_FORWARD = [
    "DROP INDEX IF EXISTS claim_quote_trgm_idx",
    "DROP INDEX IF EXISTS claim_statement_trgm_idx",
    "CREATE INDEX claim_search_text_idx ON factcheck_claim "
    "USING gin (to_tsvector('simple', search_text))",
]
POSTGRESQL_BACKWARD = ["DROP INDEX claim_search_text_idx"]


def restore_search_triggers(apps, schema_editor):
    """After SQLite rebuilt the claim table: its triggers again, and the index
    rebuilt from the column."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for trigger in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger.split()[2]}")
        schema_editor.execute(trigger)
    schema_editor.execute(SQLITE_REBUILD)


def fill_search_text(apps, schema_editor):
    Claim = apps.get_model("factcheck", "Claim")
    rows = Claim.objects.values_list(
        "pk", "quote", "statement", "speaker__name", "article__title"
    ).order_by()
    claims = [Claim(pk=pk, search_text=search_text(*parts)) for pk, *parts in rows]
    Claim.objects.bulk_update(claims, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0018_reminder_corrections")]

    operations = [
        # Backwards only, once the column is gone: 0005's search as it was.
        migrations.RunPython(
            migrations.RunPython.noop,
            substring_search.run(
                {
                    "sqlite": substring_search.SQLITE_FORWARD,
                    "postgresql": substring_search.POSTGRESQL_FORWARD,
                }
            ),
        ),
        migrations.AddField(
            model_name="claim",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(
            substring_search.run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            substring_search.run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]
