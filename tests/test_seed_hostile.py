"""Broken and hostile claims files (issue 13): each is refused with a line
naming the file, and the claim and field where there is one, and nothing is
written, even for the good files loaded in the same run."""

import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError

from factcheck.models import Article, Claim, ClaimCondition, Condition, Person

from .claims_files import ARTICLE, CONDITIONAL, GOOD, seed, write_files

pytestmark = pytest.mark.django_db

OVER_1_MB = 1_000_001

EXPORTS = """
[article]
text_file = "article.txt"
slug = "exports-2023"
title = "Exports in 2023"
publisher = "Trade Weekly"

[[people]]
slug = "trade-minister"
name = "Tara Minister"

[[claims]]
slug = "exports-rose-5-percent"
speaker = "trade-minister"
kind = "fact"
quote = "Exports rose 5% in 2023."
statement = "Exports rose by 5% in 2023."
"""
EXPORTS_ARTICLE = " date 2024-01-09 Exports rose 5% in 2023.\n"


def write_exports(folder, suffix):
    """A good file of its own article, person and claim, named apart by ``suffix``."""
    folder.mkdir()
    claims = EXPORTS
    for slug in ("exports-2023", "trade-minister", "exports-rose-5-percent"):
        claims = claims.replace(f'"{slug}"', f'"{slug}-{suffix}"')
    return write_files(folder, claims, EXPORTS_ARTICLE)


def replacing(old, new):
    """The good file with one substitution."""
    return lambda folder: write_files(folder, GOOD.replace(old, new))


def replacing_in_conditional(old, new):
    """The good file with a tracked condition, with one substitution."""
    return lambda folder: write_files(folder, CONDITIONAL.replace(old, new))


CONDITION_LINK = 'conditions = [{slug = "ministry-keeps-permit-scheme", if = "met"}]'


def with_article(article):
    return lambda folder: write_files(folder, GOOD, article)


def with_article_bytes(data):
    def write(folder):
        path = write_files(folder)
        (folder / "article.txt").write_bytes(data)
        return path

    return write


def with_claims_bytes(data):
    def write(folder):
        path = write_files(folder)
        path.write_bytes(data)
        return path

    return write


def with_text_file(value, outside=None):
    """The good file whose text_file is ``value``; ``outside(folder)`` puts a
    good article where it would lead, so only the folder rule refuses it."""

    def write(folder):
        if outside:
            outside(folder)
        return replacing('text_file = "article.txt"', f'text_file = "{value}"')(folder)

    return write


def article_beside(folder):
    (folder.parent / "article.txt").write_text(ARTICLE, encoding="utf-8")


def link_to_article_beside(folder):
    article_beside(folder)
    (folder / "link.txt").symlink_to(folder.parent / "article.txt")


RESOLVE_BY = "resolve_by = 2024-12-31"
BROKEN = [
    pytest.param(
        replacing('title = "Permits in April"', "title = Permits"),
        ["not valid TOML: Invalid value (at line 7, column 9)"],
        id="bad TOML",
    ),
    pytest.param(
        replacing('kind = "prediction"', 'kind = "rumour"'),
        ["claim “permits-will-double”: field “kind”: “rumour” is not a kind"],
        id="unknown kind",
    ),
    pytest.param(
        replacing("It expects twice as many", "It expects double"),
        ["claim “permits-will-double”: field “quote”: is not found verbatim in the article text"],
        id="quote not verbatim",
    ),
    pytest.param(
        with_article(ARTICLE + " It expects twice as many next year."),
        ["claim “permits-will-double”: field “quote”: occurs 2 times in the article text"],
        id="quote not unique",
    ),
    pytest.param(
        replacing('slug = "permits-will-double"', 'slug = "12000-permits-in-april"'),
        ["claim “12000-permits-in-april”: field “slug”: is used by another claim in this file"],
        id="duplicate slug",
    ),
    pytest.param(
        replacing('statement = "Permits will double in 2024."\n', ""),
        ["claim “permits-will-double”: field “statement”: is missing"],
        id="missing field",
    ),
    pytest.param(
        replacing('title = "Permits in April"', "title = 2023"),
        ["[article]: field “title”: must be text in quotes"],
        id="wrong type",
    ),
    pytest.param(
        replacing(RESOLVE_BY, "resolve_by = 1999-01-01T10:00:00"),
        [
            "claim “permits-will-double”: field “resolve_by”: must be a date such as 2024-10-20 "
            "(no quotes, no time)"
        ],
        id="TOML datetime",
    ),
    pytest.param(
        replacing(RESOLVE_BY, "resolve_by = 2024-12-31T23:59:59+05:00"),
        ["claim “permits-will-double”: field “resolve_by”: must be a date"],
        id="TOML datetime with an offset",
    ),
    pytest.param(
        replacing(RESOLVE_BY, 'resolve_by = "end of 2024"'),
        ["claim “permits-will-double”: field “resolve_by”: must be a date"],
        id="date as text",
    ),
    pytest.param(
        replacing(RESOLVE_BY, "resolve_by = 2020-01-01"),
        [
            "claim “permits-will-double”: field “resolve_by”: The article is of 2023-05-02; "
            "a prediction cannot be due before it was made."
        ],
        id="due before the article",
    ),
    pytest.param(
        replacing(RESOLVE_BY, "resolve_by = 2024-02-30"),
        ["not valid TOML: Invalid date or datetime (at line 29, column 14)"],
        id="impossible date",
    ),
    pytest.param(
        lambda folder: write_files(folder, GOOD.split("[[unclaimed]]")[0]),
        ["“What a month it was.” is not accounted for"],
        id="unaccounted sentence",
    ),
    pytest.param(
        replacing('sentence = "What a month it was."', 'sentence = "What a month."'),
        ["unclaimed sentence 1: field “sentence”: is not a whole sentence"],
        id="unclaimed text that is not a sentence",
    ),
    pytest.param(
        replacing(
            'quote = "It expects twice as many next year."',
            'quote = "April. It expects twice as many next year."',
        ),
        [
            "claim “permits-will-double”: field “quote”: partly overlaps the quote of "
            "“12000-permits-in-april”"
        ],
        id="crossing quotes",
    ),
    pytest.param(
        replacing('kind = "fact"', 'kind = "fact"\nresolve_by = 2024-01-01'),
        ["claim “12000-permits-in-april”: field “resolve_by”: only predictions have this field"],
        id="prediction-only field on a fact",
    ),
    pytest.param(
        replacing(f"{RESOLVE_BY}\n", ""),
        ["claim “permits-will-double”: field “resolve_by”: is missing: every prediction needs one"],
        id="prediction without a resolve-by date",
    ),
    pytest.param(
        replacing('resolution_criteria = "At least 24,000 permits issued in April 2024."\n', ""),
        ["claim “permits-will-double”: field “resolution_criteria”: is missing"],
        id="prediction without resolution criteria",
    ),
    pytest.param(
        replacing("format = 2", "format = 4"),
        ["“format = 4” is not a claims file format this version reads (expected: 1, 2, 3"],
        id="unknown format",
    ),
    pytest.param(
        replacing("format = 2", 'format = "2"'),
        ["“format = '2'” is not a claims file format"],
        id="format as text",
    ),
    pytest.param(
        replacing('certainty = "expects"\n', ""),
        ["claim “permits-will-double”: field “certainty”: is missing: every prediction needs one"],
        id="prediction without a certainty",
    ),
    pytest.param(
        replacing('certainty = "expects"', 'certainty = "surely"'),
        [
            "claim “permits-will-double”: field “certainty”: “surely” is not a certainty "
            "(expected: will, expects, likely, may, might, could)"
        ],
        id="unknown certainty",
    ),
    pytest.param(
        replacing('certainty = "expects"', "certainty = 3"),
        ["claim “permits-will-double”: field “certainty”: must be text in quotes"],
        id="certainty not text",
    ),
    pytest.param(
        replacing('kind = "fact"', 'kind = "fact"\ncertainty = "will"'),
        ["claim “12000-permits-in-april”: field “certainty”: only predictions have this field"],
        id="certainty on a fact",
    ),
    pytest.param(
        replacing("format = 2\n", ""),
        ["claim “permits-will-double”: field “certainty”: needs “format = 2” at the top"],
        id="certainty in a format 1 file",
    ),
    pytest.param(
        replacing('certainty = "expects"', 'certainty = "expects"\nprefix = "In May. "'),
        [
            "claim “permits-will-double”: field “quote”: is not found verbatim in the article "
            "text with its prefix and suffix"
        ],
        id="a prefix that is not the text before the quote",
    ),
    pytest.param(
        replacing('certainty = "expects"', 'certainty = "expects"\nsuffix = 3'),
        ["claim “permits-will-double”: field “suffix”: must be text in quotes"],
        id="suffix not text",
    ),
    pytest.param(
        replacing_in_conditional(CONDITION_LINK, CONDITION_LINK.replace("ministry-", "nobody-")),
        [
            "claim “permits-will-double”: field “conditions”: “nobody-keeps-permit-scheme” is "
            "not a condition in the files or already loaded"
        ],
        id="unknown condition slug",
    ),
    pytest.param(
        replacing_in_conditional('if = "met"', 'if = "maybe"'),
        [
            "claim “permits-will-double”: field “conditions”: “if = maybe” is not a polarity "
            "(expected: met, not_met)"
        ],
        id="bad polarity",
    ),
    pytest.param(
        replacing_in_conditional(CONDITION_LINK, 'conditions = [{slug = "x"}]'),
        ["claim “permits-will-double”: field “if”: is missing"],
        id="link without a polarity",
    ),
    pytest.param(
        replacing_in_conditional(
            'kind = "fact"', f'kind = "fact"\n{CONDITION_LINK.replace("met", "not_met")}'
        ),
        ["claim “12000-permits-in-april”: field “conditions”: only predictions have this field"],
        id="condition on a fact",
    ),
    pytest.param(
        lambda folder: write_files(
            folder, CONDITIONAL + CONDITIONAL[CONDITIONAL.index("[[conditions]]") :]
        ),
        ["condition “ministry-keeps-permit-scheme”: field “slug”: is used by another condition"],
        id="duplicate condition slug",
    ),
    pytest.param(
        replacing_in_conditional("resolve_by = 2024-06-30", 'resolve_by = "soon"'),
        [
            "condition “ministry-keeps-permit-scheme”: field “resolve_by”: must be a date such as "
            "2024-10-20"
        ],
        id="bad condition date",
    ),
    pytest.param(
        replacing_in_conditional("resolve_by = 2024-06-30\n", ""),
        ["condition “ministry-keeps-permit-scheme”: field “resolve_by”: is missing"],
        id="condition without a resolve-by date",
    ),
    pytest.param(
        replacing_in_conditional("format = 3", "format = 2"),
        ["claim “permits-will-double”: field “conditions”: needs “format = 3” at the top"],
        id="conditions in a format 2 file",
    ),
    pytest.param(
        replacing('speaker = "min-spokes"', 'speaker = "nobody"'),
        ["claim “permits-will-double”: field “speaker”: “nobody” is not a person"],
        id="unknown speaker",
    ),
    pytest.param(
        with_text_file("missing.txt"),
        ["[article]: field “text_file”: ", "missing.txt: no such file"],
        id="text file missing",
    ),
    pytest.param(
        with_text_file("/etc/passwd"),
        ["[article]: field “text_file”: /etc/passwd: leads outside the folder of the claims file"],
        id="text file outside the folder: absolute path",
    ),
    pytest.param(
        with_text_file("../article.txt", outside=article_beside),
        ["[article]: field “text_file”: ", "broken/../article.txt: leads outside the folder"],
        id="text file outside the folder: ..",
    ),
    pytest.param(
        with_text_file("link.txt", outside=link_to_article_beside),
        ["[article]: field “text_file”: ", "broken/link.txt: leads outside the folder"],
        id="text file outside the folder: symlink",
    ),
    pytest.param(
        with_claims_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8\xff"),
        ["is not UTF-8 text"],
        id="binary junk",
    ),
    pytest.param(
        with_article_bytes(b" date 2023-05-02 \xff\xfe\x00J\x00u\x00n\x00k"),
        ["[article]: field “text_file”: ", "article.txt: is not UTF-8 text"],
        id="binary junk as the article text",
    ),
    pytest.param(
        lambda folder: write_files(folder, GOOD + "#" * OVER_1_MB),
        ["is larger than 1 MB"],
        id="a file over 1 MB",
    ),
    pytest.param(
        with_article(ARTICLE + " " * OVER_1_MB),
        ["[article]: field “text_file”: ", "article.txt: is larger than 1 MB"],
        id="an article text over 1 MB",
    ),
    pytest.param(
        replacing("Permits will double in 2024.", "Permits will\\u000b double in 2024."),
        [
            "claim “permits-will-double”: field “statement”: Remove the invisible character "
            "U+000B (vertical tab) at position 13"
        ],
        id="control character in a claim",
    ),
    pytest.param(
        replacing('name = "Mina Spokes"', 'name = "Mina\\u0000Spokes"'),
        ["person “min-spokes”: field “name”: Remove the invisible character U+0000 (null)"],
        id="NUL in a person",
    ),
    pytest.param(
        replacing('title = "Permits in April"', 'title = "Permits\\uffff"'),
        ["[article]: field “title”: Remove the invisible character U+FFFF (not a character)"],
        id="non-character in the article",
    ),
    pytest.param(
        replacing('reason = "An exclamation."', 'reason = "An\\u001b exclamation."'),
        ["unclaimed sentence 1: field “reason”: Remove the invisible character U+001B (escape)"],
        id="control character in an unclaimed reason",
    ),
    pytest.param(
        with_article(ARTICLE.replace("\n\n", "\n\x0c\n")),
        [
            "[article]: field “text_file”: ",
            "article.txt: Remove the invisible character U+000C (form feed) at position 99",
        ],
        id="control character in the article text",
    ),
    pytest.param(
        replacing('statement = "The ministry', 'statment = "The ministry'),
        ["claim “12000-permits-in-april”: field “statment”: unknown field"],
        id="misspelt field",
    ),
    pytest.param(
        replacing("[article]", "[articles]"),
        ["the [article] table is missing"],
        id="no article table",
    ),
    pytest.param(
        lambda folder: write_files(folder, 'claims = "none"\n' + GOOD.split("[[claims]]")[0]),
        ["“claims” must be a list of tables, written [[claims]]"],
        id="claims not a list",
    ),
    pytest.param(
        replacing('title = "Permits in April"', f'title = "{"x" * 301}"'),
        ["article “permits-in-april”: field “title”: Ensure this value has at most 300 characters"],
        id="title too long for the database",
    ),
    pytest.param(
        replacing('publisher = "Example Times"', 'publisher = "Example Times"\nurl = "ftp://x"'),
        ["[article]: field “url”: must be a web address"],
        id="bad source url for the article",
    ),
]


def row_counts():
    return [
        Article.objects.count(),
        Person.objects.count(),
        Claim.objects.count(),
        Claim.history.count(),
        Condition.objects.count(),
        ClaimCondition.objects.count(),
    ]


@pytest.mark.parametrize(("break_file", "expected"), BROKEN)
def test_a_broken_file_is_named_with_its_claim_and_field_and_nothing_is_written(
    tmp_path, break_file, expected
):
    seed(write_exports(tmp_path / "loaded", "loaded"))
    before = row_counts()
    (tmp_path / "broken").mkdir()
    path = break_file(tmp_path / "broken")

    with pytest.raises(CommandError) as error:
        seed(write_exports(tmp_path / "good", "good"), path)

    message = str(error.value)
    assert "nothing was written" in message
    assert any(
        line.strip().startswith(f"{path}: ") and all(fragment in line for fragment in expected)
        for line in message.splitlines()
    ), message
    assert row_counts() == before


def in_subfolder(folder):
    (folder / "texts").mkdir()
    (folder / "texts" / "article.txt").write_text(ARTICLE, encoding="utf-8")
    return "texts/article.txt"


def linked_within(folder):
    (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "link.txt").symlink_to("article.txt")
    return "link.txt"


@pytest.mark.parametrize("place_text", [in_subfolder, linked_within])
def test_an_article_text_in_a_subfolder_or_linked_within_the_folder_loads(tmp_path, place_text):
    claims = GOOD.replace('"article.txt"', f'"{place_text(tmp_path)}"')
    (tmp_path / "claims.toml").write_text(claims, encoding="utf-8")

    seed(tmp_path / "claims.toml")

    assert Article.objects.get().text == ARTICLE.removeprefix(" date 2023-05-02 ")


def test_manage_py_exits_non_zero_and_names_the_broken_file(tmp_path):
    path = write_files(tmp_path, GOOD.replace(RESOLVE_BY, "resolve_by = 1999-01-01T10:00:00"))
    database = tmp_path / "never-opened.sqlite3"

    result = subprocess.run(
        [sys.executable, "manage.py", "seed_claims", "--dry-run", str(path)],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"sqlite:///{database}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert f"{path}: claim “permits-will-double”: field “resolve_by”: must be a date" in (
        result.stderr
    )
    # Nothing written. (The file itself may be there: Django's system checks
    # connect to ask whether the database supports JSONField, which the task
    # table uses.)
    assert sqlite3.connect(database).execute("SELECT name FROM sqlite_master").fetchall() == []


def test_an_escape_character_in_the_file_reaches_the_terminal_as_text(tmp_path):
    path = write_files(
        tmp_path, GOOD.replace('slug = "permits-will-double"', 'slug = "x\\u001b[2J"')
    )
    with pytest.raises(CommandError) as error:
        seed(path)
    message = str(error.value)
    assert "\x1b" not in message
    assert "claim “x\\x1b[2J”: field “slug”" in message
    assert not Claim.objects.exists()


def test_a_claims_file_whose_name_holds_a_control_character_is_refused(tmp_path):
    # Its name would go into the audit trail, which the backup must carry.
    path = write_files(tmp_path, GOOD, name="claims\x0b.toml")
    with pytest.raises(CommandError) as error:
        seed(path)
    assert "the file's name: Remove the invisible character U+000B" in str(error.value)
    assert not Claim.objects.exists()
