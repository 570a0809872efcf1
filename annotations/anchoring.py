"""Find a quoted span in a text: by exact quote, disambiguated by its prefix and suffix context.

This is how an annotation survives edits to the text it quotes (TextQuoteSelector semantics):
the offsets are a cache; the quote and its context are the truth.
"""

# How much of the text on each side of a quote is kept to find it again after the text changes.
CONTEXT_LENGTH = 32


def context(text, start, end):
    """(prefix, suffix): the words just before and after text[start:end], as a selector keeps."""
    return text[max(0, start - CONTEXT_LENGTH) : start], text[end : end + CONTEXT_LENGTH]


class QuoteNotFound(ValueError):
    pass


class QuoteAmbiguous(ValueError):
    def __init__(self, count):
        super().__init__(count)
        self.count = count


def occurrences(text, quote):
    starts, index = [], text.find(quote)
    while quote and index != -1:
        starts.append(index)
        index = text.find(quote, index + 1)
    return starts


def _context_score(text, start, end, prefix, suffix):
    before, after = text[:start], text[end:]
    score = 0
    for a, b in zip(reversed(before), reversed(prefix), strict=False):
        if a != b:
            break
        score += 1
    for a, b in zip(after, suffix, strict=False):
        if a != b:
            break
        score += 1
    return score


def locate(text, quote, prefix="", suffix="", near=None):
    """(start, end) of the best match of quote in text, or None when the quote is gone.

    Several matches are ranked by how much of the stored prefix/suffix surrounds them, then by
    closeness to the previous start offset.
    """
    starts = occurrences(text, quote)
    if not starts:
        return None
    best = max(
        starts,
        key=lambda s: (
            _context_score(text, s, s + len(quote), prefix, suffix),
            -abs(s - near) if near is not None else 0,
        ),
    )
    return best, best + len(quote)


def find_unique(text, quote):
    """(start, end) of the one place quote appears; raises QuoteNotFound or QuoteAmbiguous."""
    starts = occurrences(text, quote)
    if not starts:
        raise QuoteNotFound(quote)
    if len(starts) > 1:
        raise QuoteAmbiguous(len(starts))
    return starts[0], starts[0] + len(quote)
