"""Split a message's text into segments, each with the annotations whose quote covers it."""


def segments(text, annotations):
    """[(segment_text, [annotation, …]), …] covering text exactly once, in order."""
    spans = [
        a
        for a in annotations
        if a.quote_exact
        and not a.is_orphaned
        and a.quote_start is not None
        and a.quote_end is not None
        and a.quote_end <= len(text)
    ]
    cuts = {0, len(text)}
    for a in spans:
        cuts.update((a.quote_start, a.quote_end))
    bounds = sorted(cuts)
    result = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        covering = [a for a in spans if a.quote_start <= start and end <= a.quote_end]
        result.append((text[start:end], covering))
    return result or [(text, [])]
