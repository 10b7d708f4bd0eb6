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
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    Func,
    TextField,
    Value,
)

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


def simple(function, *expressions, **extra):
    """A PostgreSQL text-search function of ``expressions`` under the 'simple'
    configuration: no stemming or stop words, the words as normalise() left them."""
    return Func(
        *expressions, function=function, template="%(function)s('simple', %(expressions)s)", **extra
    )


def matching(claims, text):
    """``claims`` (a Claim QuerySet) narrowed to those holding every word of
    ``text`` as a word or a word's beginning, each with ``search_rank``: the
    lower, the better it matches. Words are letters and digits only, so
    nothing typed is ever read as the databases' query syntax."""
    words = normalise(text).split()
    if not words:
        return claims.annotate(search_rank=Value(0.0)).none()
    if connections[claims.db].vendor == "postgresql":
        # The vector is the GIN index's expression (migration 0019), so the index serves it.
        vector = simple("to_tsvector", F("search_text"), output_field=TextField())
        query = simple("to_tsquery", Value(" & ".join(f"{word}:*" for word in words)))
        matches = Func(
            vector,
            query,
            template="%(expressions)s",
            arg_joiner=" @@ ",
            output_field=BooleanField(),
        )
        rank = Func(vector, query, function="ts_rank", output_field=FloatField())
        # ts_rank: higher is better; negated, it sorts as bm25 does.
        return claims.filter(matches).annotate(search_rank=-rank)
    # A join with the FTS5 table, which gives each row's bm25 (lower is better)
    # as the search yields it; annotate() cannot join a table, and a subquery
    # would run the whole search again for every claim. The unary + keeps
    # SQLite from doing just that through the join: it runs the search once
    # and looks each claim found up by its id.
    return claims.extra(
        select={"search_rank": "bm25(factcheck_claim_fts)"},
        tables=["factcheck_claim_fts"],
        where=[
            '+factcheck_claim_fts.rowid = "factcheck_claim"."id"',
            "factcheck_claim_fts MATCH %s",
        ],
        params=[" ".join(f'"{word}"*' for word in words)],
    )
