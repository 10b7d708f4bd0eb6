"""Finding claims by their words.

A claim's search text (``Claim.search_text``) is its quote, statement,
speaker's name and article's title passed through ``normalise``, and a query
goes through the same function: each word of the query must be a word of the
text, or begin one, in any order. SQLite reads the column through an FTS5
table, PostgreSQL through a GIN index on its ``to_tsvector('simple', …)``
(both made by migration 0019); ``matching`` is the one place that knows which.
"""

import re
import unicodedata

from django.db import connections
from django.db.models import BooleanField, FloatField, Value
from django.db.models.expressions import RawSQL

# Between two digits these group thousands ("80,000", "80 000", "80'000"), so
# they go: "80000" then finds "80,000". A decimal point goes too, on both sides.
DIGIT_GROUP_SEPARATOR = re.compile(r"(?<=\d)[,. \u00a0\u202f'](?=\d)")
# Letters and digits; anything else separates words. Both databases then see
# plain words between single spaces, and split them alike.
WORD = re.compile(r"[^\W_]+")


def normalise(text):
    """``text`` as words without accents or case: "Ağa, 80 000!" → "aga 80000"."""
    decomposed = unicodedata.normalize("NFKD", text)
    unmarked = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return " ".join(WORD.findall(DIGIT_GROUP_SEPARATOR.sub("", unmarked.casefold())))


def search_text(*parts):
    """What a claim is found by, from the texts given (its quote, statement,
    speaker's name and article's title; a missing one is None)."""
    return normalise(" ".join(part for part in parts if part))


SQLITE_MATCHES = (
    '"factcheck_claim"."id" IN '
    "(SELECT rowid FROM factcheck_claim_fts WHERE factcheck_claim_fts MATCH %s)"
)
# bm25: lower is better.
SQLITE_RANK = (
    "(SELECT bm25(factcheck_claim_fts) FROM factcheck_claim_fts"
    ' WHERE factcheck_claim_fts MATCH %s AND rowid = "factcheck_claim"."id")'
)
# The expression of the GIN index, as written in the migration.
POSTGRESQL_VECTOR = """to_tsvector('simple', "factcheck_claim"."search_text")"""
POSTGRESQL_MATCHES = f"{POSTGRESQL_VECTOR} @@ to_tsquery('simple', %s)"
# ts_rank: higher is better, so negated to sort like bm25.
POSTGRESQL_RANK = f"-ts_rank({POSTGRESQL_VECTOR}, to_tsquery('simple', %s))"


def matching(claims, text):
    """``claims`` (a Claim QuerySet) narrowed to those holding every word of
    ``text`` as a word or a word's beginning, each with ``search_rank``: the
    lower, the better it matches. Words are letters and digits only, so
    nothing typed is ever read as the databases' query syntax."""
    words = normalise(text).split()
    if not words:
        return claims.annotate(search_rank=Value(0.0)).none()
    if connections[claims.db].vendor == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)
        matches, rank = POSTGRESQL_MATCHES, POSTGRESQL_RANK
    else:
        query = " ".join(f'"{word}"*' for word in words)
        matches, rank = SQLITE_MATCHES, SQLITE_RANK
    return claims.filter(RawSQL(matches, [query], output_field=BooleanField())).annotate(
        search_rank=RawSQL(rank, [query], output_field=FloatField())
    )
