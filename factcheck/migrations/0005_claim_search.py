"""Indexes for searching quotes and statements by any part of their text.

SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34), kept in step
with the claims by triggers. PostgreSQL: trigram GIN indexes (pg_trgm) on the
expressions Django's case-insensitive ``contains`` compares, so the same query
uses them. Either way a search stays a case-insensitive substring search.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE factcheck_claim_search USING fts5(
        quote, statement, content='factcheck_claim', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER factcheck_claim_search_insert AFTER INSERT ON factcheck_claim BEGIN
        INSERT INTO factcheck_claim_search(rowid, quote, statement)
        VALUES (new.id, new.quote, new.statement);
    END""",
    """CREATE TRIGGER factcheck_claim_search_delete AFTER DELETE ON factcheck_claim BEGIN
        INSERT INTO factcheck_claim_search(factcheck_claim_search, rowid, quote, statement)
        VALUES ('delete', old.id, old.quote, old.statement);
    END""",
    """CREATE TRIGGER factcheck_claim_search_update AFTER UPDATE OF quote, statement
    ON factcheck_claim BEGIN
        INSERT INTO factcheck_claim_search(factcheck_claim_search, rowid, quote, statement)
        VALUES ('delete', old.id, old.quote, old.statement);
        INSERT INTO factcheck_claim_search(rowid, quote, statement)
        VALUES (new.id, new.quote, new.statement);
    END""",
    "INSERT INTO factcheck_claim_search(factcheck_claim_search) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER factcheck_claim_search_update",
    "DROP TRIGGER factcheck_claim_search_delete",
    "DROP TRIGGER factcheck_claim_search_insert",
    "DROP TABLE factcheck_claim_search",
]
POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX claim_quote_trgm_idx ON factcheck_claim "
    "USING gin (UPPER(quote::text) gin_trgm_ops)",
    "CREATE INDEX claim_statement_trgm_idx ON factcheck_claim "
    "USING gin (UPPER(statement::text) gin_trgm_ops)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX claim_statement_trgm_idx",
    "DROP INDEX claim_quote_trgm_idx",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0004_list_indexes")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        )
    ]
