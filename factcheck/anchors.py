"""Finding a claim's quote again after the article's text is corrected.

Each claim keeps its quote with the CONTEXT characters before and after it
(the prefix and suffix of a W3C Web Annotation TextQuoteSelector). Matching is
exact in case and whitespace: one occurrence of the quote is the anchor; of
several, the one whose surroundings best match the stored prefix and suffix,
only if it beats the next best by at least one character. Anything else is no
anchor: the claim is orphaned, never moved to a lookalike passage.
"""

CONTEXT = 32


def surroundings(text, start, end):
    """The prefix and suffix of text[start:end]."""
    return text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT]


def _common_tail(a, b):
    count = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        count += 1
    return count


def _common_head(a, b):
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def find_anchor(text, quote, prefix, suffix):
    """(start, end) of ``quote`` in ``text``, or None when it is not there or
    is there several times with no occurrence's surroundings clearly best."""
    starts, at = [], text.find(quote)
    while quote and at != -1:
        starts.append(at)
        at = text.find(quote, at + 1)
    if len(starts) == 1:
        return starts[0], starts[0] + len(quote)
    scored = sorted(
        (
            _common_tail(prefix, before) + _common_head(suffix, after),
            start,
        )
        for start in starts
        for before, after in [surroundings(text, start, start + len(quote))]
    )
    if len(scored) < 2 or scored[-1][0] - scored[-2][0] < 1:
        return None
    start = scored[-1][1]
    return start, start + len(quote)
