"""An article written out as a claims file and its text, the format the README
describes and ``seed_claims`` loads.

The keys are the loader's own declarations (``seeding.ARTICLE_FIELDS`` and the
rest), so a key the loader learns to read is a key written here. What is
stored is written as it is: an article the loader would refuse (a sentence not
accounted for, say) still exports, and loading the file names the problem.
"""

import datetime
import io
import re
import zipfile

from . import services
from .models import ClaimCondition
from .seeding import (
    ARTICLE_FIELDS,
    CLAIM_FIELDS,
    CONDITION_FIELDS,
    FORMATS,
    PERSON_FIELDS,
    UNCLAIMED_FIELDS,
)

# The newest format the loader reads: the one that carries every key above.
FORMAT = max(FORMATS)

# What a TOML basic string cannot hold as it is (TOML 1.0, "String").
TOML_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f]')
TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(text):
    """``text`` as a one-line TOML basic string: line breaks as ``\\n``, other
    control characters as ``\\uXXXX``, everything else as it is (UTF-8)."""

    def escape(found):
        character = found.group()
        return TOML_ESCAPES.get(character) or f"\\u{ord(character):04X}"

    return f'"{TOML_UNSAFE.sub(escape, text)}"'


def toml_value(value):
    # type(), not isinstance(): a datetime is a date, and a bool an int.
    if type(value) is str:
        return toml_string(value)
    if type(value) is int:
        return str(value)
    if type(value) is datetime.date:
        return value.isoformat()  # a TOML local date: no quotes
    if type(value) is list:
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if type(value) is dict:  # an inline table; its keys are bare words
        return "{" + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"a claims file holds no {type(value).__name__}: {value!r}")


def toml_table(header, entries):
    lines = [header] if header else []
    lines += [f"{key} = {toml_value(value)}" for key, value in entries.items()]
    return "\n".join(lines) + "\n"


def file_entries(spec, record, **values):
    """The keys of ``spec`` (a loader declaration: key → required) with their
    values: from ``values``, else the attribute of ``record`` of that name. An
    optional key left blank is left out, as a hand-written file would."""
    entries = {key: values[key] if key in values else getattr(record, key) for key in spec}
    return {key: value for key, value in entries.items() if spec[key] or value not in ("", None)}


def text_file_name(article):
    return f"{article.slug}.txt"


def article_file(article):
    """The article's text file: " date YYYY-MM-DD " and the text exactly as stored."""
    return f" date {article.published_on.isoformat()} {article.text}"


def claims_file(article):
    """The article's claims file, as TOML text."""
    # In text order. A quote lost in a correction is not in this text: an
    # editor quotes it afresh before it can travel with the article.
    claims = list(article.claims.filter(orphaned_by__isnull=True).select_related("speaker"))
    speakers = list(dict.fromkeys(claim.speaker for claim in claims if claim.speaker))
    links = {}
    for link in ClaimCondition.objects.filter(claim__in=claims).select_related("condition"):
        links.setdefault(link.claim_id, []).append(link)
    conditions = list(
        dict.fromkeys(link.condition for claim in claims for link in links.get(claim.pk, []))
    )
    # A mark on a sentence that has since been quoted is spent (the loader
    # refuses it): the claim accounts for the sentence now.
    marked = [
        sentence
        for sentence in services.article_sentences(article)
        if sentence.unclaimed and not sentence.claims
    ]

    tables = [
        toml_table("", {"format": FORMAT}),
        toml_table(
            "[article]", file_entries(ARTICLE_FIELDS, article, text_file=text_file_name(article))
        ),
        *(toml_table("[[people]]", file_entries(PERSON_FIELDS, person)) for person in speakers),
        *(
            toml_table("[[conditions]]", file_entries(CONDITION_FIELDS, condition))
            for condition in conditions
        ),
        *(
            toml_table(
                "[[claims]]",
                file_entries(
                    CLAIM_FIELDS,
                    claim,
                    speaker=claim.speaker.slug if claim.speaker else None,
                    prefix=claim.surroundings[0],
                    suffix=claim.surroundings[1],
                    conditions=[
                        {"slug": link.condition.slug, "if": link.polarity}
                        for link in links.get(claim.pk, [])
                    ]
                    or None,
                ),
            )
            for claim in claims
        ),
        *(
            toml_table(
                "[[unclaimed]]",
                file_entries(UNCLAIMED_FIELDS, sentence.unclaimed, sentence=sentence.text),
            )
            for sentence in marked
        ),
    ]
    heading = (
        "# Exported from the fact-check desk. The README's “Claims files” describes\n"
        f"# every key; `python manage.py seed_claims {article.slug}.toml` loads it.\n\n"
    )
    return heading + "\n".join(tables)


def claims_zip(article):
    """A ZIP of ``<slug>.toml`` and ``<slug>.txt``, side by side as the loader
    expects them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{article.slug}.toml", claims_file(article).encode())
        archive.writestr(text_file_name(article), article_file(article).encode())
    return buffer.getvalue()
