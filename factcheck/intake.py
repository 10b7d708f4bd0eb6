"""Taking in an article: its sentences, and what accounts for each.

Every sentence of a published article holds a claim's quote or is marked
unclaimed with a reason. The claims file (factcheck.seeding) and the
workspace's intake pages check that with the same code, below.
"""

import re
from dataclasses import dataclass, field

# A sentence ends at . ! or ? (perhaps closed by a quotation mark) before
# whitespace, and at every line break.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][”’\"'])\s+|\n+")


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


def overlaps(span, other):
    return span[0] < other[1] and other[0] < span[1]


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    claims: list = field(default_factory=list)
    unclaimed: object = None  # its UnclaimedSentence, if marked

    @property
    def anchor(self):
        return sentence_anchor(self.start)

    @property
    def accounted_for(self):
        return bool(self.claims) or self.unclaimed is not None


def sentence_anchor(start):
    """The id of a sentence's element on the intake page (and its messages' place)."""
    return f"sentence-{start}"


def sentences(article, claims, unclaimed):
    """The article's sentences, each with the claims whose quotes touch it and
    its unclaimed mark (by start offset)."""
    marks = {mark.start: mark for mark in unclaimed}
    result = []
    for start, end in split_sentences(article.text):
        touching = [c for c in claims if overlaps((start, end), (c.quote_start, c.quote_end))]
        result.append(Sentence(start, end, article.text[start:end], touching, marks.get(start)))
    return result
