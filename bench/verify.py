"""Before a page is timed, check that it shows what it claims: a search page's results hold the
words looked for (on Datasette, every row of its JSON; on Backchannel, a count of results and
highlighted words), and every other page answers 200 with content. A benchmark of a page that
silently ignores its query compares nothing."""

import json
import re
import urllib.request

from .servers import PAGE_TIMEOUT_SECONDS

WORD = re.compile(r"\w+")


def _get(url):
    with urllib.request.urlopen(url, timeout=PAGE_TIMEOUT_SECONDS) as response:
        return response.status, response.read().decode("utf-8", errors="replace")


def _json_url(path):
    """A Datasette table page's JSON twin: /db/messages?… → /db/messages.json?…&_shape=objects."""
    base, _, query = path.partition("?")
    return f"{base}.json?{query}&_shape=objects" if query else f"{base}.json?_shape=objects"


def problems_of(system, base_url, page, path):
    """What is wrong with the page as served (empty when it shows what it claims)."""
    if not page.words:
        status, body = _get(base_url + path)
        return [] if status == 200 and body else [f"{page.key}: answered {status}, empty"]
    words = {word.casefold() for word in page.words}
    if system == "datasette":
        status, body = _get(base_url + _json_url(path))
        rows = json.loads(body).get("rows", [])
        if not rows:
            return [f"{page.key}: Datasette found no rows for {page.words}"]
        wrong = [
            row.get("id")
            for row in rows
            if not words
            <= {w.casefold() for w in WORD.findall(f"{row.get('text')} {row.get('summary')}")}
        ]
        if wrong:
            return [f"{page.key}: Datasette rows without the words (search ignored?): {wrong[:5]}"]
        return []
    status, body = _get(base_url + path)
    if status != 200 or "Nothing matches" in body or "<mark>" not in body:
        return [f"{page.key}: Backchannel's search shows no highlighted result for {page.words}"]
    return []


def check(system, base_url, pages, path_of):
    """Raise SystemExit naming every page that does not show what it claims."""
    found = []
    for page in pages:
        path = path_of(page)
        if page.missing or path is None:
            continue
        found += problems_of(system, base_url, page, path)
    if found:
        raise SystemExit(
            f"{system}: pages that do not show what they claim:\n  " + "\n  ".join(found)
        )
