"""Build fixtures/editors-annotations.json: the archive editors' public notes on the seed article.

The seed article (source s01) makes statements the fact sheet found wrong or overstated; these
notes record the corrections on the records they concern, each with source links. Re-runnable:
ids and times are fixed so loading twice changes nothing.
"""

import json
from pathlib import Path

from annotations import anchoring

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "fixtures" / "archive.json"
OUT = ROOT / "fixtures" / "editors-annotations.json"
EDITORS = "archive-editors"
WHEN = "2026-11-27T00:00:00Z"

# (uuid, target, quote or None, motivation, tags, body, [(source id, title)])
NOTES = [
    (
        "0b1c5c1e-7d1f-4e39-9a55-2a6f0c1e0001",
        "e06",
        None,
        "correcting",
        ["s01-error", "podesta"],
        "The anonymous-news.com article (s01) calls John Podesta Clinton's *campaign manager*. He was the campaign's "
        "**chairman**; the sources on the October releases describe him that way.",
        ["s12", "s36"],
    ),
    (
        "0b1c5c1e-7d1f-4e39-9a55-2a6f0c1e0002",
        "m07",
        None,
        "correcting",
        ["s01-error", "dates", "podesta"],
        "The anonymous-news.com article (s01) says the Wednesday leak Trump Jr. asked about 'turned out to be' Podesta's "
        "e-mails. WikiLeaks never answered his question, and the first Podesta release came on "
        "**Friday 7 October 2016**, not on a Wednesday.",
        ["s36", "s60"],
    ),
    (
        "0b1c5c1e-7d1f-4e39-9a55-2a6f0c1e0003",
        "m06",
        "It\u2019s amazing what she can get away with.",
        "correcting",
        ["s01-error", "wording"],
        "The anonymous-news.com article (s01) paraphrases this reply as Trump Jr. 'stating a release occurred earlier in "
        "the day'. The sources quoting The Atlantic say he meant he had **already pushed the story** "
        "himself that day.",
        ["s11", "s14"],
    ),
    (
        "0b1c5c1e-7d1f-4e39-9a55-2a6f0c1e0004",
        "t08",
        "with my whopping 3 responses",
        "corroborating",
        ["replies"],
        "Confirmed: the chain holds three replies from Trump Jr. (m02, m06, m07), all sent by "
        "3 October 2016; the six later WikiLeaks messages went unanswered.",
        ["s35", "s30"],
    ),
    (
        "0b1c5c1e-7d1f-4e39-9a55-2a6f0c1e0005",
        "m11",
        None,
        "commenting",
        ["s01-interpretation"],
        "The anonymous-news.com article's (s01) 'WikiLeaks concedes surprise when Trump wins' is a reading of this "
        "one-word message, not something the sources report WikiLeaks saying.",
        ["s15"],
    ),
    (
        "0b1c5c1e-7d1f-4e39-9a55-2a6f0c1e0006",
        "m01",
        None,
        "questioning",
        ["authorship", "s01-error"],
        "The anonymous-news.com article (s01) says Trump Jr. and *Julian Assange* exchanged these messages. The sources "
        "say the **@wikileaks account** sent them; who typed them is not established.",
        ["s11", "s26"],
    ),
]


def main():
    archive = json.loads(ARCHIVE.read_text())
    texts = {
        r["fields"]["external_id"]: r["fields"]["text"]
        for r in archive
        if r["model"] == "archive.message"
    }
    sources = {
        r["fields"]["external_id"]: r["fields"] for r in archive if r["model"] == "archive.source"
    }
    records = [
        {
            "model": "auth.user",
            "fields": {
                "username": EDITORS,
                "first_name": "Archive editors",
                "last_name": "",
                # A leading "!" marks an unusable password: nobody can sign in as the editors.
                "password": "!archive-editors-sign-in-disabled",
                "is_active": True,
                "is_staff": False,
                "is_superuser": False,
                "email": "",
                "date_joined": WHEN,
            },
        }
    ]
    for uuid, target, quote, motivation, tags, body, links in NOTES:
        fields = {
            "uuid": uuid,
            "author": [EDITORS],
            "message": [target] if target[0] in "mt" else None,
            "event": [target] if target[0] == "e" else None,
            "quote_exact": "",
            "quote_prefix": "",
            "quote_suffix": "",
            "quote_start": None,
            "quote_end": None,
            "is_orphaned": False,
            "motivation": motivation,
            "body": body,
            "tags": tags,
            "visibility": "public",
            "group": None,
            "created": WHEN,
            "modified": WHEN,
            "deleted_at": None,
            "is_hidden": False,
        }
        if quote:
            text = texts[target]
            start = text.index(quote)
            end = start + len(quote)
            prefix, suffix = anchoring.context(text, start, end)
            fields.update(
                quote_exact=quote,
                quote_start=start,
                quote_end=end,
                quote_prefix=prefix,
                quote_suffix=suffix,
            )
        records.append({"model": "annotations.annotation", "fields": fields})
        for source_id in links:
            source = sources[source_id]
            records.append(
                {
                    "model": "annotations.sourcelink",
                    "fields": {
                        "annotation": [uuid],
                        "url": source["url"],
                        "title": source["title"],
                        "publisher": source["publisher"],
                        "accessed_on": None,
                        "archived_url": "",
                    },
                }
            )
    OUT.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
