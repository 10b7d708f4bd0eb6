"""Reading and loading the claims files in seeds/.

A claims file is TOML: an [article] table naming the article's text file,
[[people]], [[claims]] and [[unclaimed]] (sentences with nothing checkable, each
with its reason). ``read_claims_file`` validates one file completely without
touching the database; ``load`` writes what is new, in one transaction, and
leaves alone whatever reviewers own.
"""

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from .models import Article, Claim, Person, validate_http_url
from .statuses import Kind

DATE_PREFIX = re.compile(r"\A\s*date (\d{4}-\d{2}-\d{2}) ")

# A sentence ends at . ! or ? (perhaps inside a closing quote) followed by space;
# paragraphs (and headings, which have no full stop) end at line breaks.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][”’\"'])\s+|\n+")

ARTICLE_FIELDS = {"text_file": True, "slug": True, "title": True, "publisher": True, "url": False}
PERSON_FIELDS = {"slug": True, "name": True, "description": False}
CLAIM_FIELDS = {
    "slug": True,
    "kind": True,
    "quote": True,
    "statement": True,
    "speaker": False,
    "condition": False,
    "resolution_criteria": False,
    "resolve_by": False,
}
PREDICTION_ONLY_FIELDS = ("condition", "resolution_criteria", "resolve_by")
UNCLAIMED_FIELDS = {"sentence": True, "reason": True}
TOP_LEVEL = {"article", "people", "claims", "unclaimed"}


class SeedError(Exception):
    """One or more problems in the claims files; nothing was written."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


def split_sentences(text):
    """Return the (start, end) spans of the sentences in ``text``."""
    spans, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def read_article_text(path):
    """Split an article file into its publication date and its text."""
    raw = path.read_text(encoding="utf-8")
    match = DATE_PREFIX.match(raw)
    if not match:
        raise ValueError('must begin with " date YYYY-MM-DD " before the text')
    return datetime.date.fromisoformat(match.group(1)), raw[match.end() :]


@dataclass
class ClaimsFile:
    """A validated claims file, ready to load."""

    path: Path
    article: dict
    people: list = field(default_factory=list)
    claims: list = field(default_factory=list)


class _Problems:
    def __init__(self, path):
        self.path = path
        self.items = []

    def add(self, where, field_name, message):
        parts = [str(self.path)]
        if where:
            parts.append(where)
        if field_name:
            parts.append(f"field “{field_name}”")
        self.items.append(": ".join(parts) + f": {message}")


def _check_table(problems, where, table, spec):
    if not isinstance(table, dict):
        problems.add(where, None, "must be a table of fields")
        return False
    for name in table.keys() - spec.keys():
        problems.add(where, name, f"unknown field (expected one of: {', '.join(spec)})")
    for name, required in spec.items():
        value = table.get(name)
        if name == "resolve_by":
            if value is not None and not isinstance(value, datetime.date):
                problems.add(where, name, "must be a date such as 2024-10-20 (no quotes)")
            continue
        if value is not None and not isinstance(value, str):
            problems.add(where, name, "must be text in quotes")
        elif required and not (value or "").strip():
            problems.add(where, name, "is missing")
    return True


def _check_slug(problems, where, value):
    if isinstance(value, str) and value:
        try:
            validate_slug(value)
        except ValidationError:
            problems.add(where, "slug", "may hold only letters, digits, hyphens and underscores")


def read_claims_file(path):
    """Parse and validate one claims file; raise SeedError listing every problem."""
    path = Path(path)
    problems = _Problems(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError([f"{path}: no such file"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SeedError([f"{path}: not valid TOML: {error}"]) from None

    for name in data.keys() - TOP_LEVEL:
        problems.add(None, None, f"unknown section “{name}” (expected: {', '.join(TOP_LEVEL)})")

    article = data.get("article")
    if article is None:
        raise SeedError([f"{path}: the [article] table is missing"])
    if not _check_table(problems, "[article]", article, ARTICLE_FIELDS):
        raise SeedError(problems.items)
    _check_slug(problems, "[article]", article.get("slug"))
    if article.get("url"):
        try:
            validate_http_url(article["url"])
        except ValidationError:
            problems.add(
                "[article]", "url", "must be a web address starting with http:// or https://"
            )
    text = None
    if isinstance(article.get("text_file"), str) and article["text_file"]:
        text_path = path.parent / article["text_file"]
        try:
            published_on, text = read_article_text(text_path)
        except FileNotFoundError:
            problems.add("[article]", "text_file", f"{text_path} does not exist")
        except (ValueError, UnicodeDecodeError) as error:
            problems.add("[article]", "text_file", f"{text_path} {error}")
        else:
            article = {**article, "text": text, "published_on": published_on}

    people = _read_list(problems, data, "people")
    person_slugs = set()
    for index, person in enumerate(people):
        where = f"person “{person.get('slug') or index + 1}”" if isinstance(person, dict) else ""
        if not _check_table(problems, where or f"person {index + 1}", person, PERSON_FIELDS):
            continue
        _check_slug(problems, where, person.get("slug"))
        if person.get("slug") in person_slugs:
            problems.add(where, "slug", "is used by another person in this file")
        person_slugs.add(person.get("slug"))

    claims = _read_list(problems, data, "claims")
    claim_slugs = set()
    claimed_spans = []
    for index, claim in enumerate(claims):
        where = f"claim “{claim.get('slug') or index + 1}”" if isinstance(claim, dict) else ""
        if not _check_table(problems, where or f"claim {index + 1}", claim, CLAIM_FIELDS):
            continue
        _check_slug(problems, where, claim.get("slug"))
        if claim.get("slug") in claim_slugs:
            problems.add(where, "slug", "is used by another claim in this file")
        claim_slugs.add(claim.get("slug"))
        kind = claim.get("kind")
        if kind and kind not in Kind.values:
            problems.add(
                where, "kind", f"“{kind}” is not a kind (expected: {', '.join(Kind.values)})"
            )
        if kind == Kind.FACT:
            for name in PREDICTION_ONLY_FIELDS:
                if claim.get(name):
                    problems.add(where, name, "only predictions have this field")
        speaker = claim.get("speaker")
        if (
            speaker
            and speaker not in person_slugs
            and not Person.objects.filter(slug=speaker).exists()
        ):
            problems.add(
                where, "speaker", f"“{speaker}” is not a person in this file or already loaded"
            )
        quote = claim.get("quote")
        if text is not None and isinstance(quote, str) and quote:
            try:
                claim["quote_start"], claim["quote_end"] = Article(text=text).locate(quote)
            except ValueError as error:
                problems.add(where, "quote", str(error))
            else:
                claimed_spans.append((claim["quote_start"], claim["quote_end"]))

    unclaimed = _read_list(problems, data, "unclaimed")
    if text is not None:
        _check_every_sentence_accounted_for(problems, text, claimed_spans, unclaimed)

    if problems.items:
        raise SeedError(problems.items)
    return ClaimsFile(path=path, article=article, people=people, claims=claims)


def _read_list(problems, data, name):
    value = data.get(name, [])
    if not isinstance(value, list):
        problems.add(None, None, f"“{name}” must be a list of tables, written [[{name}]]")
        return []
    return value


def _check_every_sentence_accounted_for(problems, text, claimed_spans, unclaimed):
    sentences = {text[start:end]: (start, end) for start, end in split_sentences(text)}
    explained = set()
    for index, entry in enumerate(unclaimed):
        where = f"unclaimed sentence {index + 1}"
        if not _check_table(problems, where, entry, UNCLAIMED_FIELDS):
            continue
        sentence = entry.get("sentence")
        if not isinstance(sentence, str) or not sentence:
            continue
        span = sentences.get(sentence)
        if span is None:
            problems.add(where, "sentence", "is not a whole sentence of the article text, verbatim")
        elif any(start < span[1] and span[0] < end for start, end in claimed_spans):
            problems.add(where, "sentence", "holds a claim's quote, so it is not unclaimed")
        else:
            explained.add(span)
    for sentence, (start, end) in sentences.items():
        covered = any(s < end and start < e for s, e in claimed_spans)
        if not covered and (start, end) not in explained:
            problems.add(
                f"sentence at {start}",
                None,
                f"“{sentence}” is not accounted for: quote it in a claim, "
                "or list it under [[unclaimed]] with a reason",
            )


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notices: list = field(default_factory=list)


def load(claims_files):
    """Write the validated files to the database. Call inside a transaction.

    Creates what is new. Articles' metadata and people are the files' own and
    are updated to match. Existing claims belong to the reviewers: they are never
    changed, and a difference from the file is reported instead.
    """
    report = LoadReport()
    seen_claim_slugs = {}
    problems = []
    for claims_file in claims_files:
        for claim in claims_file.claims:
            other = seen_claim_slugs.setdefault(claim["slug"], claims_file.path)
            if other != claims_file.path:
                problems.append(
                    f"{claims_file.path}: claim “{claim['slug']}”: field “slug”: "
                    f"is also used in {other}"
                )
    if problems:
        raise SeedError(problems)

    for claims_file in claims_files:
        article = _load_article(claims_file, report)
        people = {
            person["slug"]: _load_person(claims_file.path, person, report)
            for person in claims_file.people
        }
        for claim in claims_file.claims:
            _load_claim(claims_file, article, people, claim, report)
    return report


def _sync(instance, values, report, label):
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.full_clean()
        instance.save(update_fields=changed)
        report.updated += 1
        report.notices.append(f"Updated {label}: {', '.join(changed)}.")
    else:
        report.unchanged += 1


def _load_article(claims_file, report):
    data = claims_file.article
    values = {
        "title": data["title"],
        "publisher": data["publisher"],
        "url": data.get("url", ""),
        "published_on": data["published_on"],
    }
    article = Article.objects.filter(slug=data["slug"]).first()
    if article is None:
        article = Article(slug=data["slug"], text=data["text"], **values)
        _full_clean(article, claims_file.path, f"article “{data['slug']}”")
        article.save()
        report.created += 1
        return article
    if article.text != data["text"]:
        raise SeedError(
            [
                f"{claims_file.path}: article “{article.slug}”: field “text_file”: the text "
                "differs from the article already loaded, and its claims are anchored to "
                "that text; it was not changed"
            ]
        )
    _sync(article, values, report, f"article “{article.slug}”")
    return article


def _load_person(path, data, report):
    values = {"name": data["name"], "description": data.get("description", "")}
    person = Person.objects.filter(slug=data["slug"]).first()
    if person is None:
        person = Person(slug=data["slug"], **values)
        _full_clean(person, path, f"person “{person.slug}”")
        person.save()
        report.created += 1
    else:
        _sync(person, values, report, f"person “{person.slug}”")
    return person


def _load_claim(claims_file, article, people, data, report):
    speaker = None
    if data.get("speaker"):
        speaker = people.get(data["speaker"]) or Person.objects.get(slug=data["speaker"])
    values = {
        "article": article,
        "speaker": speaker,
        "kind": data["kind"],
        "quote": data["quote"],
        "quote_start": data["quote_start"],
        "quote_end": data["quote_end"],
        "statement": data["statement"],
        "condition": data.get("condition", ""),
        "resolution_criteria": data.get("resolution_criteria", ""),
        "resolve_by": data.get("resolve_by"),
    }
    label = f"claim “{data['slug']}”"
    claim = Claim.objects.filter(slug=data["slug"]).first()
    if claim is None:
        claim = Claim(slug=data["slug"], **values)
        _full_clean(claim, claims_file.path, label)
        claim._change_reason = f"Loaded from {claims_file.path.name}"
        claim.save()
        report.created += 1
        return
    if claim.article_id != article.pk:
        raise SeedError(
            [
                f"{claims_file.path}: {label}: field “slug”: is already used by a claim of "
                f"another article (“{claim.article.slug}”)"
            ]
        )
    differing = [name for name, value in values.items() if getattr(claim, name) != value]
    report.unchanged += 1
    if differing:
        report.notices.append(
            f"Left {label} alone: it differs from {claims_file.path.name} in "
            f"{', '.join(differing)}, and reviewers own it now."
        )


def _full_clean(instance, path, label):
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise SeedError(
            [
                f"{path}: {label}: field “{name}”: {' '.join(messages)}"
                for name, messages in error.message_dict.items()
            ]
        ) from None
