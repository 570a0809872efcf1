"""Split a message's text into segments, each with how many notes quote it and which to link."""

import heapq
from bisect import bisect_right
from typing import NamedTuple


class Segment(NamedTuple):
    text: str
    count: int  # how many of the notes quote these words
    first: object  # the first of them in the order given: the note a highlight leads to


def _placed(annotation, length):
    return (
        annotation.quote_exact
        and not annotation.is_orphaned
        and annotation.quote_start is not None
        and annotation.quote_end is not None
        and annotation.quote_end <= length
    )


def segments(text, annotations):
    """[Segment, …] covering text exactly once, in order, cut where quotes start and end.

    A sweep over the quotes' ends: the work and the result grow with the number of cuts (at
    most the text's length), never with cuts × notes, however many notes quote the same words.
    """
    spans = sorted(
        (a.quote_start, a.quote_end, order, a)
        for order, a in enumerate(annotations)
        if _placed(a, len(text))
    )
    if not text or not spans:
        return [Segment(text, 0, None)]
    ends = sorted(span[1] for span in spans)
    cuts = sorted({0, len(text)} | {s for s, *_ in spans} | {e for _, e, *_ in spans})
    result, started, active = [], 0, []  # active: a heap of (order, end, note) by given order
    for start, end in zip(cuts, cuts[1:], strict=False):
        while started < len(spans) and spans[started][0] <= start:
            _, quote_end, order, note = spans[started]
            heapq.heappush(active, (order, quote_end, note))
            started += 1
        while active and active[0][1] <= start:  # the first in order has ended: drop it
            heapq.heappop(active)
        count = started - bisect_right(ends, start)
        result.append(Segment(text[start:end], count, active[0][2] if count else None))
    return result
