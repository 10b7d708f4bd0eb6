"""Reading and loading the claims files in seeds/.

A claims file is TOML: its ``format``, an [article] table naming the article's
text file, [[people]], [[claims]], [[unclaimed]] (sentences with nothing
checkable, each with its reason) and [[conditions]] (tracked conditions the
predictions link to); the README describes every key.
``read_claims_file`` validates one file completely without touching the
database; ``load`` writes what is new, in one transaction, and leaves alone
whatever reviewers own.
"""

import datetime
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.urls import reverse
from django.utils import timezone

from .anchors import find_anchor
from .fields import REFUSED_CHARACTERS, validate_storable_text
from .intake import split_sentences
from .models import (
    CLAIM_EDITABLE_FIELDS,
    PREDICTION_FIELDS,
    Article,
    Claim,
    ClaimCondition,
    Condition,
    Person,
    Polarity,
    partly_overlap,
    resolve_by_error,
    validate_http_url,
)
from .services import corrected_fields, edit_claim, has_published_verdict
from .site_version import public_changed
from .statuses import Certainty, Kind

# A claims file or article text over 1 MB is a mistake or an attack: refused
# before it is read into memory.
MAX_FILE_SIZE = 1_000_000
DATE_PREFIX = re.compile(r"\A\s*date (\d{4}-\d{2}-\d{2}) ")

# A sentence ends at . ! or ? (perhaps inside a closing quote) followed by space;
# paragraphs (and headings, which have no full stop) end at line breaks.

ARTICLE_FIELDS = {"text_file": True, "slug": True, "title": True, "publisher": True, "url": False}
PERSON_FIELDS = {"slug": True, "name": True, "description": False}
CLAIM_FIELDS = {
    "slug": True,
    "kind": True,
    "quote": True,
    "statement": True,
    "speaker": False,
    "certainty": False,
    "condition": False,
    "resolution_criteria": False,
    "resolve_by": False,
    # From format 2: the text just before and after the quote (a W3C
    # TextQuoteSelector's prefix and suffix), which place a quote that occurs
    # more than once; the export writes them.
    "prefix": False,
    "suffix": False,
    # From format 3: the tracked conditions a prediction depends on, each
    # {slug = "…", if = "met"} or {slug = "…", if = "not_met"}.
    "conditions": False,
}
FORMAT_2_FIELDS = ("certainty", "prefix", "suffix")
FORMAT_3_FIELDS = ("conditions",)
UNCLAIMED_FIELDS = {"sentence": True, "reason": True}
# A tracked condition starts open: resolving it is the reviewers' work.
CONDITION_FIELDS = {"slug": True, "statement": True, "resolve_by": True}
CONDITION_LINK_FIELDS = {"slug": True, "if": True}
TOP_LEVEL = {"format", "article", "people", "claims", "unclaimed", "conditions"}
# A file without ``format`` is format 1, written before predictions had a
# certainty; from format 2 every prediction states one; format 3 adds
# [[conditions]].
FORMATS = (1, 2, 3)
# What every prediction needs, by format.
PREDICTION_REQUIRED = {1: ("resolution_criteria", "resolve_by")}
PREDICTION_REQUIRED[2] = ("certainty", *PREDICTION_REQUIRED[1])
PREDICTION_REQUIRED[3] = PREDICTION_REQUIRED[2]


class SeedError(Exception):
    """One or more problems in the claims files; nothing was written."""

    def __init__(self, problems):
        # Problems quote the file (slugs, field names, kinds): an escape
        # character in it must reach the terminal as text, not as a command.
        self.problems = [
            REFUSED_CHARACTERS.sub(lambda found: ascii(found.group())[1:-1], problem)
            for problem in problems
        ]
        super().__init__("\n".join(self.problems))


def read_seed_file(path):
    """Return the text of a claims or article file.

    Raise ValueError, worded to follow the file's name, unless it is a regular
    file of at most MAX_FILE_SIZE bytes (checked before reading) in UTF-8.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except OSError as error:
        raise ValueError(f"cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("is not a file")
    too_big = ValueError(f"is larger than 1 MB ({info.st_size:,} bytes)")
    if info.st_size > MAX_FILE_SIZE:
        raise too_big
    with path.open("rb") as file:
        data = file.read(MAX_FILE_SIZE + 1)
    if len(data) > MAX_FILE_SIZE:  # it grew since stat()
        raise too_big
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"is not UTF-8 text (byte {error.start + 1} is 0x{data[error.start]:02x})"
        ) from None


def read_article_text(path):
    """Split an article file into its publication date and its text."""
    return split_article_file(read_seed_file(path))


def split_article_file(raw):
    """The publication date and the text of an article file's contents (the
    intake form reads uploads with this too); ValueError says what is wrong."""
    try:
        # The whole file, so the position the message gives is the file's.
        validate_storable_text(raw)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
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
    # (start, end, reason) of each sentence listed under [[unclaimed]]
    unclaimed: list = field(default_factory=list)
    conditions: list = field(default_factory=list)


class _Problems:
    def __init__(self, path):
        self.path = path
        self.items = []
        self.fields = set()

    def add(self, where, field_name, message):
        self.fields.add((where, field_name))
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
            # TOML's datetimes are datetime.datetime, a subclass of date.
            if value is not None and type(value) is not datetime.date:
                problems.add(where, name, "must be a date such as 2024-10-20 (no quotes, no time)")
            elif required and value is None:
                problems.add(where, name, "is missing")
            continue
        if name == "conditions":
            continue  # a list of tables: _check_condition_links
        if value is not None and not isinstance(value, str):
            problems.add(where, name, "must be text in quotes")
        elif required and not (value or "").strip():
            problems.add(where, name, "is missing")
        else:
            try:
                validate_storable_text(value)
            except ValidationError as error:
                problems.add(where, name, " ".join(error.messages))
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
        # The name goes into the audit trail ("Loaded from …").
        validate_storable_text(path.name)
    except ValidationError as error:
        raise SeedError([f"{path}: the file's name: {' '.join(error.messages)}"]) from None
    try:
        data = tomllib.loads(read_seed_file(path))
    except ValueError as error:
        # A TOMLDecodeError (a ValueError) ends "(at line N, column M)".
        prefix = "not valid TOML: " if isinstance(error, tomllib.TOMLDecodeError) else ""
        raise SeedError([f"{path}: {prefix}{error}"]) from None

    for name in data.keys() - TOP_LEVEL:
        problems.add(None, None, f"unknown section “{name}” (expected: {', '.join(TOP_LEVEL)})")
    file_format = data.get("format", 1)
    if type(file_format) is not int or file_format not in FORMATS:
        raise SeedError(
            [
                f"{path}: “format = {file_format!r}” is not a claims file format this version "
                f"reads (expected: {', '.join(map(str, FORMATS))}; without it, 1)"
            ]
        )

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
    text_file = article.get("text_file")
    if text_file and ("[article]", "text_file") not in problems.fields:
        text_path = path.parent / text_file
        try:
            published_on, text = read_article_text(_inside_folder(path.parent, text_file))
        except ValueError as error:
            problems.add("[article]", "text_file", f"{text_path}: {error}")
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
            for name in PREDICTION_FIELDS:
                if claim.get(name):
                    problems.add(where, name, "only predictions have this field")
        if kind == Kind.PREDICTION:
            for name in PREDICTION_REQUIRED[file_format]:
                if claim.get(name) in (None, ""):
                    problems.add(where, name, "is missing: every prediction needs one")
        for needed, names in ((2, FORMAT_2_FIELDS), (3, FORMAT_3_FIELDS)):
            for name in names:
                if claim.get(name) is not None and file_format < needed:
                    problems.add(where, name, f"needs “format = {needed}” at the top of the file")
        if claim.get("conditions") is not None:
            _check_condition_links(problems, where, kind, claim["conditions"])
        certainty = claim.get("certainty")
        if (
            file_format >= 2
            and certainty
            and isinstance(certainty, str)
            and (certainty not in Certainty.values)
        ):
            problems.add(
                where,
                "certainty",
                f"“{certainty}” is not a certainty (expected: {', '.join(Certainty.values)})",
            )
        quote = claim.get("quote")
        if text is not None and isinstance(quote, str) and quote:
            try:
                claim["quote_start"], claim["quote_end"] = _locate(text, quote, claim)
            except ValueError as error:
                problems.add(where, "quote", str(error))
            else:
                claimed_spans.append((claim["quote_start"], claim["quote_end"]))

    located = [c for c in claims if isinstance(c, dict) and "quote_start" in c]
    for index, claim in enumerate(located):
        for earlier in located[:index]:
            spans = [(c["quote_start"], c["quote_end"]) for c in (earlier, claim)]
            if partly_overlap(*spans):
                problems.add(
                    f"claim “{claim['slug']}”",
                    "quote",
                    f"partly overlaps the quote of “{earlier['slug']}”; quotes may contain "
                    "one another but not cross",
                )

    unclaimed = _read_list(problems, data, "unclaimed")
    unclaimed_spans = []
    if text is not None:
        unclaimed_spans = _check_every_sentence_accounted_for(
            problems, text, claimed_spans, unclaimed
        )

    conditions = _read_list(problems, data, "conditions")
    if conditions and file_format < 3:
        problems.add(None, None, "[[conditions]] needs “format = 3” at the top of the file")
    condition_slugs = set()
    for index, condition in enumerate(conditions):
        slug = condition.get("slug") if isinstance(condition, dict) else None
        where = f"condition “{slug or index + 1}”"
        if not _check_table(problems, where, condition, CONDITION_FIELDS):
            continue
        _check_slug(problems, where, slug)
        if slug in condition_slugs:
            problems.add(where, "slug", "is used by another condition in this file")
        condition_slugs.add(slug)

    if problems.items:
        raise SeedError(problems.items)
    return ClaimsFile(
        path=path,
        article=article,
        people=people,
        claims=claims,
        unclaimed=unclaimed_spans,
        conditions=conditions,
    )


def _check_condition_links(problems, where, kind, links):
    """A claim's ``conditions``: a list of {slug, if}, on a prediction only."""
    if kind == Kind.FACT:
        problems.add(where, "conditions", "only predictions have this field")
        return
    if not isinstance(links, list):
        problems.add(where, "conditions", 'must be a list such as [{slug = "…", if = "met"}]')
        return
    seen = set()
    for link in links:
        if not _check_table(problems, where, link, CONDITION_LINK_FIELDS):
            continue
        slug, polarity = link.get("slug"), link.get("if")
        if isinstance(polarity, str) and polarity and polarity not in Polarity.values:
            problems.add(
                where,
                "conditions",
                f"“if = {polarity}” is not a polarity (expected: {', '.join(Polarity.values)})",
            )
        if slug in seen:
            problems.add(where, "conditions", f"links the condition “{slug}” twice")
        seen.add(slug)


def _locate(text, quote, claim):
    """The quote's offsets: where it occurs once or, given its prefix or suffix,
    where exactly those stand around it (factcheck.anchors picks the place)."""
    given = {"prefix": claim.get("prefix"), "suffix": claim.get("suffix")}
    if given == {"prefix": None, "suffix": None}:
        return Article(text=text).locate(quote)
    prefix, suffix = (value if isinstance(value, str) else "" for value in given.values())
    found = find_anchor(text, quote, prefix, suffix)
    if found and text[: found[0]].endswith(prefix) and text[found[1] :].startswith(suffix):
        return found
    raise ValueError("is not found verbatim in the article text with its prefix and suffix")


def _inside_folder(folder, name):
    """Return the real path of the file ``name`` in ``folder``, or raise ValueError.

    Checked before the file is opened. Subfolders are allowed (a folder of
    articles beside their claims files is tidy); an absolute path, "..", or a
    symlink leading out of the folder is not.
    """
    folder = folder.resolve()
    try:
        real = (folder / name).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python 3.12
        raise ValueError("cannot be resolved to a file") from None
    if not real.is_relative_to(folder):
        raise ValueError(
            f"leads outside the folder of the claims file ({folder}): "
            "the article text must be a file in that folder"
        )
    return real


def _read_list(problems, data, name):
    value = data.get(name, [])
    if not isinstance(value, list):
        problems.add(None, None, f"“{name}” must be a list of tables, written [[{name}]]")
        return []
    return value


def _check_every_sentence_accounted_for(problems, text, claimed_spans, unclaimed):
    """Add a problem for each sentence neither quoted nor listed; return the
    (start, end, reason) of each sentence listed."""
    spans = split_sentences(text)
    listed = []

    def claimed(span):
        return any(start < span[1] and span[0] < end for start, end in claimed_spans)

    explained = set()
    for index, entry in enumerate(unclaimed):
        where = f"unclaimed sentence {index + 1}"
        if not _check_table(problems, where, entry, UNCLAIMED_FIELDS):
            continue
        sentence = entry.get("sentence")
        if not isinstance(sentence, str) or not sentence:
            continue
        # The same words may stand twice in an article; the reason covers each.
        matches = [span for span in spans if text[span[0] : span[1]] == sentence]
        if not matches:
            problems.add(where, "sentence", "is not a whole sentence of the article text, verbatim")
        elif all(claimed(span) for span in matches):
            problems.add(where, "sentence", "holds a claim's quote, so it is not unclaimed")
        explained.update(matches)
        listed += [
            (start, end, entry["reason"]) for start, end in matches if not claimed((start, end))
        ]
    for span in spans:
        if not claimed(span) and span not in explained:
            problems.add(
                f"sentence at {span[0]}",
                None,
                f"“{text[span[0] : span[1]]}” is not accounted for: quote it in a claim, "
                "or list it under [[unclaimed]] with a reason",
            )
    return listed


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notices: list = field(default_factory=list)


def load(claims_files):
    """Write the validated files to the database. Call inside a transaction.

    First checks the files against each other and against what is stored, and
    raises SeedError listing every problem before writing anything. Then creates
    what is new. What exists is never overwritten: claims belong to the reviewers,
    and articles and people may have been corrected in the admin. A blank field of
    an existing article or person, or a blank editable field of an existing claim,
    is filled in from the file ("updated"); any other difference is reported and
    left alone.
    """
    report = LoadReport()
    current = []
    for claims_file in claims_files:
        if _corrected_on_the_site_since(claims_file):
            report.notices.append(
                f"{claims_file.path.name}: article “{claims_file.article['slug']}” was "
                "corrected on the site since; left as it is."
            )
        else:
            current.append(claims_file)
    claims_files = current
    problems = _check_against_database(claims_files)
    if problems:
        raise SeedError(problems)
    people = {}
    for claims_file in claims_files:
        for data in claims_file.people:
            if data["slug"] not in people:
                people[data["slug"]] = _load_person(claims_file, data, report)
    conditions = {}
    for claims_file in claims_files:
        for data in claims_file.conditions:
            if data["slug"] not in conditions:
                conditions[data["slug"]] = _load_condition(data, report)
    for claims_file in claims_files:
        article = _load_article(claims_file, report)
        for claim in claims_file.claims:
            _load_claim(claims_file, article, people, conditions, claim, report)
        for start, end, reason in claims_file.unclaimed:
            # A text corrected on the site since keeps the marks made there.
            if article.text[start:end] == claims_file.article["text"][start:end]:
                article.unclaimed_sentences.get_or_create(
                    start=start, defaults={"end": end, "reason": reason}
                )
    if report.created or report.updated:
        public_changed()
    return report


def _corrected_on_the_site_since(claims_file):
    """Whether the file holds an earlier text of its article, which an editor
    has corrected since: the site's text and claims are then the newer ones."""
    data = claims_file.article
    return (
        Article.objects.filter(slug=data["slug"], corrections__earlier_text=data["text"])
        .exclude(text=data["text"])
        .exists()
    )


def _check_against_database(claims_files):
    problems = []
    claim_files = {}
    known_people = {p["slug"] for f in claims_files for p in f.people}
    known_conditions = {c["slug"] for f in claims_files for c in f.conditions}
    for claims_file in claims_files:
        for condition in claims_file.conditions:
            if not Condition.objects.filter(slug=condition["slug"]).exists():
                problems += _validation_problems(
                    Condition(**_condition_values(condition)),
                    claims_file.path,
                    f"condition “{condition['slug']}”",
                )
    for claims_file in claims_files:
        path, data = claims_file.path, claims_file.article
        existing = Article.objects.filter(slug=data["slug"]).first()
        if existing and existing.text != data["text"]:
            problems.append(
                f"{path}: article “{existing.slug}”: field “text_file”: the text differs from "
                "the article already loaded, and its claims are anchored to that text"
            )
        if not existing:
            problems += _validation_problems(
                Article(slug=data["slug"], text=data["text"], **_article_values(data)),
                path,
                f"article “{data['slug']}”",
            )
        for person in claims_file.people:
            if not Person.objects.filter(slug=person["slug"]).exists():
                problems += _validation_problems(
                    Person(**_person_values(person), slug=person["slug"]),
                    path,
                    f"person “{person['slug']}”",
                )
        stored_claims = {
            claim.slug: claim
            for claim in Claim.objects.filter(
                slug__in=[c["slug"] for c in claims_file.claims]
            ).select_related("article")
        }
        for claim in claims_file.claims:
            label = f"{path}: claim “{claim['slug']}”"
            other = claim_files.setdefault(claim["slug"], path)
            if other != path:
                problems.append(f"{label}: field “slug”: is also used in {other}")
            speaker = claim.get("speaker")
            if (
                speaker
                and speaker not in known_people
                and not Person.objects.filter(slug=speaker).exists()
            ):
                problems.append(
                    f"{label}: field “speaker”: “{speaker}” is not a person in the files "
                    "or already loaded"
                )
            for link in claim.get("conditions", []):
                slug = link["slug"]
                known = slug in known_conditions or Condition.objects.filter(slug=slug).exists()
                if not known:
                    problems.append(
                        f"{label}: field “conditions”: “{slug}” is not a condition in the files "
                        "or already loaded"
                    )
            stored = stored_claims.get(claim["slug"])
            if stored and stored.article.slug != data["slug"]:
                problems.append(
                    f"{label}: field “slug”: is already used by a claim of another article "
                    f"(“{stored.article.slug}”)"
                )
            if not stored:
                # Against a stored article, this also checks the new quote against
                # the claims already anchored in it.
                problems += _validation_problems(
                    Claim(slug=claim["slug"], article=existing, **_claim_values(claim)),
                    path,
                    f"claim “{claim['slug']}”",
                    exclude=["speaker"] if existing else ["article", "speaker"],
                )
                # (Checked above when the article is stored.)
                published_on = data.get("published_on")
                if not existing and (
                    problem := resolve_by_error(claim.get("resolve_by"), published_on)
                ):
                    problems.append(f"{label}: field “resolve_by”: {problem}")
    return problems


def _validation_problems(instance, path, label, exclude=None):
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        return [
            f"{path}: {label}: field “{name}”: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        ]
    return []


def _article_values(data):
    return {
        "title": data["title"],
        "publisher": data["publisher"],
        "url": data.get("url", ""),
        "published_on": data["published_on"],
    }


def _person_values(data):
    return {"name": data["name"], "description": data.get("description", "")}


def _condition_values(data):
    return {name: data[name] for name in CONDITION_FIELDS}


def _load_condition(data, report):
    condition = Condition.objects.filter(slug=data["slug"]).first()
    if condition is None:
        condition = Condition(**_condition_values(data))
        condition.save()
        report.created += 1
        return condition
    differing = [
        name for name, value in _condition_values(data).items() if getattr(condition, name) != value
    ]
    report.unchanged += 1
    if differing:
        report.notices.append(
            f"Left condition “{condition.slug}” alone: it differs from the file in "
            f"{', '.join(differing)}."
        )
    return condition


def _load_links(claim, conditions, data, report, label):
    """Link a claim to the conditions the file names, when it has none yet
    (a blank filled in); any other difference is reported and left."""
    wanted = {link["slug"]: link["if"] for link in data.get("conditions", [])}
    stored = dict(claim.condition_links.values_list("condition__slug", "polarity"))
    if stored == wanted:
        return False
    if stored:
        report.notices.append(f"Left {label} alone: its conditions differ from the file.")
        return False
    if has_published_verdict(claim):
        report.notices.append(
            f"Left {label} alone: it has a published verdict, so it is not linked to the "
            "conditions in the file after the fact."
        )
        return False
    for slug, polarity in wanted.items():
        condition = conditions.get(slug) or Condition.objects.get(slug=slug)
        ClaimCondition.objects.create(claim=claim, condition=condition, polarity=polarity)
    return True


def _claim_values(data):
    return {
        "kind": data["kind"],
        "quote": data["quote"],
        "quote_start": data["quote_start"],
        "quote_end": data["quote_end"],
        "statement": data["statement"],
        "certainty": data.get("certainty", ""),
        "condition": data.get("condition", ""),
        "resolution_criteria": data.get("resolution_criteria", ""),
        "resolve_by": data.get("resolve_by"),
    }


def _fill_blanks(instance, values, report, label):
    """Fill the stored record's blank fields from the file; report other differences."""
    blank = [name for name, value in values.items() if value and not getattr(instance, name)]
    differing = [
        name
        for name, value in values.items()
        if name not in blank and getattr(instance, name) != value
    ]
    if blank:
        for name in blank:
            setattr(instance, name, values[name])
        instance.save(update_fields=[*blank, "updated_at"])
        instance.claims.refresh_search_text()  # found by a title or a name filled in
        report.updated += 1
        report.notices.append(f"Filled in {label}: {', '.join(blank)}.")
    if not report.notices or not report.notices[-1].startswith(f"Filled in {label}"):
        report.unchanged += 1
    if differing:
        report.notices.append(
            f"Left {label} alone: it differs from the file in {', '.join(differing)}."
        )


def _load_article(claims_file, report):
    data = claims_file.article
    label = f"article “{data['slug']}”"
    article = Article.objects.filter(slug=data["slug"]).first()
    if article is None:
        article = Article.objects.create(
            published_at=timezone.now(),
            slug=data["slug"],
            text=data["text"],
            **_article_values(data),
        )
        report.created += 1
    else:
        _fill_blanks(article, _article_values(data), report, label)
    return article


def _load_person(claims_file, data, report):
    person = Person.objects.filter(slug=data["slug"]).first()
    if person is None:
        person = Person.objects.create(slug=data["slug"], **_person_values(data))
        report.created += 1
    else:
        _fill_blanks(person, _person_values(data), report, f"person “{person.slug}”")
    return person


def _load_claim(claims_file, article, people, conditions, data, report):
    speaker = None
    if data.get("speaker"):
        speaker = people.get(data["speaker"]) or Person.objects.get(slug=data["speaker"])
    values = {"article": article, "speaker": speaker, **_claim_values(data)}
    label = f"claim “{data['slug']}”"
    claim = Claim.objects.filter(slug=data["slug"]).first()
    if claim is None:
        claim = Claim(slug=data["slug"], **values)
        claim._change_reason = f"Loaded from {claims_file.path.name}"
        claim.save()
        _load_links(claim, conditions, data, report, label)
        report.created += 1
        return
    linked = _load_links(claim, conditions, data, report, label)
    if linked:
        report.notices.append(f"Linked {label} to its conditions.")
    # Reviewers own the claim now: only its blank editable fields are filled,
    # through the service (its version moves, the audit trail says so).
    blank = [
        name
        for name in CLAIM_EDITABLE_FIELDS
        if values.get(name)
        and not getattr(claim, name)
        and (claim.is_prediction or name not in PREDICTION_FIELDS)
    ]
    listed = corrected_fields(claim, blank)
    filled = bool(blank) and not listed
    if blank and not filled:
        # Then the fill is a public correction, which a reviewer explains.
        report.notices.append(
            f"Left {label} alone: filling in {', '.join(blank)} would be listed on its public "
            "page as a correction, with a reason; make it in the review workspace."
        )
    if filled:
        edit_claim(
            claim=claim,
            changes={name: values[name] for name in blank},
            by=None,
            expected_version=claim.version,
            reason=f"Filled in from {claims_file.path.name}",
        )
        report.notices.append(f"Filled in {label}: {', '.join(blank)}.")
    if filled or linked:
        report.updated += 1
    else:
        report.unchanged += 1
    differing = [
        name
        for name, value in values.items()
        if name not in blank and name != "statement" and getattr(claim, name) != value
    ]
    if differing:
        report.notices.append(
            f"Left {label} alone: it differs from {claims_file.path.name} in "
            f"{', '.join(differing)}, and reviewers own it now."
        )
    if claim.statement != values["statement"]:
        report.notices.append(
            f"Statement of {label} differs from {claims_file.path.name}, left as it is: "
            f"stored “{claim.statement}”, file “{values['statement']}”. If the file is right, "
            f"correct it at {reverse('factcheck:review_claim', kwargs={'slug': claim.slug})}."
        )
