"""A good claims file and its article, for the seed tests to load or break."""

from io import StringIO

from django.core.management import call_command

ARTICLE = (
    " date 2023-05-02 The ministry issued 12,000 permits in April. "
    "It expects twice as many next year.\n\nWhat a month it was."
)

GOOD = """
format = 2

[article]
text_file = "article.txt"
slug = "permits-in-april"
title = "Permits in April"
publisher = "Example Times"

[[people]]
slug = "min-spokes"
name = "Mina Spokes"
description = "Ministry spokeswoman"

[[claims]]
slug = "12000-permits-in-april"
kind = "fact"
quote = "The ministry issued 12,000 permits in April."
statement = "The ministry issued 12,000 permits in April 2023."

[[claims]]
slug = "permits-will-double"
speaker = "min-spokes"
kind = "prediction"
quote = "It expects twice as many next year."
statement = "Permits will double in 2024."
certainty = "expects"
resolution_criteria = "At least 24,000 permits issued in April 2024."
resolve_by = 2024-12-31

[[unclaimed]]
sentence = "What a month it was."
reason = "An exclamation."
"""

# The good file at format 3, its prediction hanging on a tracked condition.
CONDITION_SLUG = "ministry-keeps-permit-scheme"
CONDITIONAL = (
    GOOD.replace("format = 2", "format = 3").replace(
        "resolve_by = 2024-12-31\n",
        f'resolve_by = 2024-12-31\nconditions = [{{slug = "{CONDITION_SLUG}", if = "met"}}]\n',
    )
    + f"""
[[conditions]]
slug = "{CONDITION_SLUG}"
statement = "The ministry still runs the permit scheme in 2024."
resolve_by = 2024-06-30
"""
)


def seed(*paths, **options):
    out = StringIO()
    call_command("seed_claims", *map(str, paths), stdout=out, **options)
    return out.getvalue()


def write_files(directory, claims=GOOD, article=ARTICLE, name="claims.toml"):
    (directory / "article.txt").write_text(article, encoding="utf-8")
    path = directory / name
    path.write_text(claims, encoding="utf-8")
    return path
