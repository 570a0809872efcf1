"""Build fixtures/archive.json from the project's fact sheet (../shared/data/factsheet.json).

A one-off, re-runnable converter kept for provenance: the committed fixture is the source of truth
that `manage.py load_archive` loads. The curation decisions the fact sheet leaves open (external
ids, threads and positions, honest text status, date ranges, discrepancies) are written here.

    python scripts/build_fixtures.py [path/to/factsheet.json]
"""

import json
import re
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.models.slugs import event_slug  # noqa: E402 - the one place event slugs are made

FACTSHEET = ROOT.parent / "shared" / "data" / "factsheet.json"
OUT = ROOT / "fixtures" / "archive.json"

# --- People and accounts -------------------------------------------------------------------

PERSON_IDS = {
    "Donald Trump Jr.": "donald-trump-jr",
    "WikiLeaks (Twitter account)": "wikileaks",
    "Julian Assange": "julian-assange",
    "Donald J. Trump": "donald-j-trump",
    "Hillary Clinton": "hillary-clinton",
    "John Podesta": "john-podesta",
    "Julia Ioffe": "julia-ioffe",
    "Steve Bannon": "steve-bannon",
    "Kellyanne Conway": "kellyanne-conway",
    "Brad Parscale": "brad-parscale",
    "Jared Kushner": "jared-kushner",
    "Hope Hicks": "hope-hicks",
    "Roger Stone": "roger-stone",
    "Rob Goldstone": "rob-goldstone",
    "Natalia Veselnitskaya": "natalia-veselnitskaya",
    "Rob Glaser": "rob-glaser",
    "Alan Futerfas": "alan-futerfas",
    "Mike Pence": "mike-pence",
    "Byron Tau": "byron-tau",
    "Defend Assange Campaign": "defend-assange-campaign",
}
DISPLAY_NAMES = {"WikiLeaks (Twitter account)": "WikiLeaks"}
ORGANISATIONS = {"wikileaks", "defend-assange-campaign"}

# Participants named by events who are not in the fact sheet's people table.
EXTRA_PEOPLE = [
    (
        "dnc",
        "Democratic National Committee",
        "organisation",
        "The Democratic Party's governing body; its e-mails were stolen and published in July 2016.",
    ),
    (
        "true-pundit",
        "True Pundit",
        "organisation",
        "Website that ran the unproven 'drone Assange' claim on 2 Oct 2016.",
    ),
    (
        "washington-post",
        "The Washington Post",
        "organisation",
        "Newspaper that released the Access Hollywood tape on 7 Oct 2016.",
    ),
    (
        "dhs",
        "US Department of Homeland Security",
        "organisation",
        "Co-signed the 7 Oct 2016 statement tying the hacked-email releases to Russia.",
    ),
    (
        "odni",
        "Office of the Director of National Intelligence",
        "organisation",
        "Co-signed the 7 Oct 2016 statement tying the hacked-email releases to Russia.",
    ),
    (
        "the-atlantic",
        "The Atlantic",
        "organisation",
        "Magazine that published Julia Ioffe's story on the DMs on 13 Nov 2017.",
    ),
    (
        "paul-manafort",
        "Paul Manafort",
        "person",
        "Trump campaign chairman in mid-2016; attended the 9 Jun 2016 Trump Tower meeting.",
    ),
    (
        "jeff-sessions",
        "Jeff Sessions",
        "person",
        "US Attorney General from Feb 2017; called Assange's arrest a priority on 20 Apr 2017.",
    ),
]

PARTICIPANT_IDS = {
    "WikiLeaks": "wikileaks",
    "@wikileaks": "wikileaks",
    "@DonaldJTrumpJr": "donald-trump-jr",
    "@realDonaldTrump": "donald-j-trump",
    "DNC": "dnc",
    "True Pundit": "true-pundit",
    "Washington Post": "washington-post",
    "DHS": "dhs",
    "ODNI": "odni",
    "The Atlantic": "the-atlantic",
    "Paul Manafort": "paul-manafort",
    "Jeff Sessions": "jeff-sessions",
}

# (external id, person, platform, handle, note)
ACCOUNTS = [
    (
        "twitter-wikileaks",
        "wikileaks",
        "twitter",
        "@wikileaks",
        "Who typed the DMs is not established; Slate suggests Assange at times ran the account.",
    ),
    ("twitter-donaldjtrumpjr", "donald-trump-jr", "twitter", "@DonaldJTrumpJr", ""),
    ("twitter-realdonaldtrump", "donald-j-trump", "twitter", "@realDonaldTrump", ""),
    (
        "twitter-hillaryclinton",
        "hillary-clinton",
        "twitter",
        "@HillaryClinton",
        "Handle as tagged in Roger Stone's tweet.",
    ),
    ("twitter-byrontau", "byron-tau", "twitter", "@ByronTau", ""),
    (
        "twitter-defendassange",
        "defend-assange-campaign",
        "twitter",
        "@DefendAssange",
        "Shown in Newsweek's embed of the 11 Jul 2017 'two hours later' remark.",
    ),
    (
        "twitter-julian-assange",
        "julian-assange",
        "twitter",
        "",
        "Assange's own handle is not given by the sources seen.",
    ),
    (
        "twitter-roger-stone",
        "roger-stone",
        "twitter",
        "",
        "Stone's handle is not given by the sources seen.",
    ),
    ("email-donald-trump-jr", "donald-trump-jr", "email", "", "Address not published."),
    ("email-steve-bannon", "steve-bannon", "email", "", "Address not published."),
    ("email-kellyanne-conway", "kellyanne-conway", "email", "", "Address not published."),
    ("email-brad-parscale", "brad-parscale", "email", "", "Address not published."),
    ("email-jared-kushner", "jared-kushner", "email", "", "Address not published."),
    ("email-hope-hicks", "hope-hicks", "email", "", "Address not published."),
]

ACCOUNT_BY_LABEL = {
    "@wikileaks": "twitter-wikileaks",
    "@DonaldJTrumpJr": "twitter-donaldjtrumpjr",
    "@realDonaldTrump": "twitter-realdonaldtrump",
    "Roger Stone": "twitter-roger-stone",
    "Julian Assange": "twitter-julian-assange",
    "Julian Assange (Newsweek's embed shows @DefendAssange)": "twitter-julian-assange",
    "Donald Trump Jr.": "email-donald-trump-jr",
    "Jared Kushner": "email-jared-kushner",
    "Steve Bannon": "email-steve-bannon",
    "Kellyanne Conway": "email-kellyanne-conway",
    "Brad Parscale": "email-brad-parscale",
    "Hope Hicks": "email-hope-hicks",
}

# --- Threads --------------------------------------------------------------------------------

THREADS = [
    (
        "dm-wikileaks-trumpjr",
        "Direct messages between @wikileaks and @DonaldJTrumpJr",
        "The Twitter direct-message chain from 20 Sep 2016 to 11 Jul 2017, as Trump Jr. released it "
        "on 13/14 Nov 2017 and as The Atlantic reported it.",
        ["twitter-wikileaks", "twitter-donaldjtrumpjr"],
        ["m01", "m02", "m05", "m06", "m07", "m08", "m09", "m10", "m11", "m12", "m13"],
    ),
    (
        "email-campaign-alert",
        "Trump Jr.'s e-mail to campaign leadership about WikiLeaks",
        "Trump Jr. told four senior campaign officials about the first WikiLeaks contact; Kushner "
        "forwarded it to Hope Hicks. Known only through a source quoted by The Atlantic.",
        [
            "email-donald-trump-jr",
            "email-steve-bannon",
            "email-kellyanne-conway",
            "email-brad-parscale",
            "email-jared-kushner",
            "email-hope-hicks",
        ],
        ["m03", "m04"],
    ),
    (
        "public-tweets",
        "Public tweets around the correspondence",
        "Public posts that the DMs refer to, answer, or that reveal them.",
        [
            "twitter-roger-stone",
            "twitter-wikileaks",
            "twitter-realdonaldtrump",
            "twitter-donaldjtrumpjr",
            "twitter-julian-assange",
        ],
        ["t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09", "t10", "t11"],
    ),
]

CHANNELS = {"twitter_dm": "direct_message", "email": "email", "public_tweet": "public_tweet"}

# Dates the fact sheet gives only in its notes: (earliest, latest).
DATE_RANGES = {
    "m03": ("2016-09-20", "2016-09-21"),
    "m04": ("2016-09-20", None),
    "m11": ("2016-11-08", "2016-11-09"),
    "t01": ("2016-10-01", "2016-10-02"),
    "t08": ("2017-11-13", "2017-11-14"),
    "t09": ("2017-11-13", "2017-11-14"),
    "t10": ("2017-11-13", "2017-11-14"),
}
CLOCK_TIMES = {"m10": ("2016-11-08T18:35:00-05:00", "America/New_York", True)}
REPORTED_DELAYS = {"m02": "12:00:00", "m06": "01:30:00"}

# Text status is honest: verbatim only where the seed article quotes the whole message, an
# excerpt where it quotes some of its words, else our summary stands in for the text.
VERBATIM = {
    "t02": "Hillary Clinton on Assange \u201cCan\u2019t we just drone this guy\u201d \u2014 report "
    "https://t.co/S7tPrl2QCZ pic.twitter.com/qy2EQBa48y",
    "t05": "Donald Trump, October 10, 2016: \u201cThis just came out. WikiLeaks! I love "
    "WikiLeaks!\u201d pic.twitter.com/KWP7X2aLiN",
    "t08": "Here is the entire chain of messages with @wikileaks (with my whopping 3 responses) "
    "which one of the congressional committees has chosen to selectively leak. How ironic! 1/3 "
    "pic.twitter.com/SiwTqWtykA",
}
EXCERPTS = {
    "m06": "It\u2019s amazing what she can get away with.",
    "m09": "perception of [our] impartiality \u2026 pro-Russia \u2026 pro-Trump",
    "m12": "start following the law \u2026 with the Clintons",
}
EXTRA_SOURCES = {"m06": ["s01"], "m09": ["s01"], "m12": ["s01"], "m07": ["s01"]}

EVENT_KINDS = {
    "e01": "publication",
    "e02": "correspondence",
    "e03": "publication",
    "e04": "statement",
    "e05": "statement",
    "e06": "publication",
    "e07": "campaign",
    "e08": "correspondence",
    "e09": "statement",
    "e10": "correspondence",
    "e11": "campaign",
    "e12": "statement",
    "e13": "correspondence",
    "e14": "statement",
    "e15": "publication",
    "e16": "correspondence",
    "e17": "investigation",
    "e18": "publication",
    "e19": "publication",
    "e20": "statement",
}
EVENT_DATE_RANGES = {"e04": ("2016-10-01", "2016-10-02"), "e17": ("2017-09-01", "2017-09-30")}

# (id, record, field, note, [(source, reading, preferred)])
DISCREPANCIES = [
    (
        "d01",
        "m09",
        "date",
        "The Atlantic's text gives 21 October; NU.nl's 12 October is treated as an error "
        "(12 October is the date of the earlier wlsearch.tk message).",
        [("s10", "21 Oct 2016", True), ("s39", "12 Oct 2016", False)],
    ),
    (
        "d02",
        "m13",
        "date",
        "Assange's same-day public remark and every other source put the request on 11 July 2017; "
        "Deccan Herald's April is treated as an error.",
        [("s66", "11 Jul 2017", True), ("s28", "11 Jul 2017", True), ("s30", "April 2017", False)],
    ),
    (
        "d03",
        "t01",
        "date",
        "National Post says Saturday, La Presse says Sunday; the page of La Presse carries a 2018 "
        "date in its address. Left open.",
        [("s56", "Saturday 1 Oct 2016", False), ("s59", "Sunday 2 Oct 2016", False)],
    ),
    (
        "d04",
        "t08",
        "date",
        "Tweet embeds show 14 November; US reports say Monday night, 13 November. Embed dates are "
        "usually rendered in UTC, which reconciles the two: evening of 13 Nov in US Eastern time.",
        [
            ("s40", "14 Nov 2017 (embed date)", False),
            ("s34", "Monday night, 13 Nov 2017 (US)", True),
        ],
    ),
    (
        "d05",
        "m05",
        "order",
        "AP and WORLD call the 3 October message the first one; The Atlantic and Trump Jr.'s own "
        "release start on 20 September. Treated as a misreading of the screenshots.",
        [
            ("s31", "The first message of the released set", False),
            ("s44", "The first message of the released set", False),
            ("s03", "Follows the 20-21 Sep 2016 exchange", True),
        ],
    ),
    (
        "d06",
        "m07",
        "reply",
        "EFE presents the 12 October message as WikiLeaks' answer, but it does not address the "
        "question; NPR says WikiLeaks did not respond. Recorded as unanswered.",
        [("s36", "Not answered", True), ("s33", "Answered by the 12 Oct 2016 message", False)],
    ),
    (
        "d07",
        "t07",
        "sender",
        "The Guardian, IBTimes and IANS attribute the remark to Assange; Newsweek's embed shows the "
        "@DefendAssange account.",
        [
            ("s66", "Julian Assange", True),
            ("s67", "Julian Assange", True),
            ("s15", "@DefendAssange (as embedded)", False),
        ],
    ),
    (
        "d08",
        "e06",
        "date",
        "The first Podesta release is dated 7 October by most sources; Sputnik Brasil's 8 October is "
        "probably a time-zone effect.",
        [("s60", "7 Oct 2016", True), ("s62", "7 Oct 2016", True), ("s63", "8 Oct 2016", False)],
    ),
    (
        "d09",
        "m06",
        "wording",
        "The anonymous-news.com article (s01) says Trump Jr. stated 'a release occurred earlier in the day'; the sources "
        "quoting The Atlantic say he meant he had already pushed the story himself.",
        [
            ("s11", "He had already pushed the story that day", True),
            ("s01", "A release had occurred earlier in the day", False),
        ],
    ),
    (
        "d10",
        "m01",
        "time",
        "The three descriptions agree on a late-night message; none gives a clock time or a zone.",
        [
            ("s03", "Just before midnight", True),
            ("s46", "At midnight", False),
            ("s36", "Late at night", False),
        ],
    ),
    (
        "d11",
        "e18",
        "date",
        "US outlets date the story Monday 13 November; Australian outlets Tuesday 14 November, in "
        "local time.",
        [
            ("s34", "Monday 13 Nov 2017 (US time)", True),
            ("s22", "Tuesday 14 Nov 2017 (Australian time)", False),
        ],
    ),
]


SEED_NAME = "the anonymous-news.com article (s01)"


def plain(text):
    """The fact sheet calls the source article 'the seed'; readers are told which article it is."""

    def name(match):
        possessive = match.group(2) or ""
        words = SEED_NAME.replace(" (s01)", "") + possessive + " (s01)"
        return words[0].upper() + words[1:] if match.group(1) == "The" else words

    text = (text or "").replace(
        "treated as the seed's origin", "treated as where it was first published"
    )
    text = re.sub(r"\b(The|the) seed('s)?(?! article)\b", name, text)
    # The fact sheet's shorthand inside brackets and for the file it was given as.
    text = text.replace("seed.txt", "the article this archive started from")
    text = text.replace("(seed embed;", "(the s01 article's embed;")
    return text.replace("(seed,", "(s01,")


def plain_publisher(publisher):
    """'anonymous-news.com (seed origin)' → 'anonymous-news.com': the role is said in the note."""
    return publisher.replace(" (seed origin)", "")


def source_kind(source):
    publisher = source["publisher"].lower()
    if "repost" in publisher:
        return "repost"
    if "forum" in publisher:
        return "forum_post"
    if "snopes" in publisher:
        return "fact_check"
    if "blog" in publisher or "blogspot" in source["url"]:
        return "blog_post"
    return "news_article"


def exact_day(text):
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:$| \()", text or "")
    return match.group(1) if match else None


def build(factsheet):
    records = []
    url_to_source = {s["url"]: s["id"] for s in factsheet["sources"]}

    def source_ids(urls, record_id):
        ids = []
        for url in urls:
            if url not in url_to_source:
                raise SystemExit(f"{record_id}: source URL not in the bibliography: {url}")
            ids.append(url_to_source[url])
        return sorted(set(ids))

    for person in factsheet["people"]:
        pid = PERSON_IDS[person["name"]]
        records.append(
            {
                "model": "archive.person",
                "fields": {
                    "external_id": pid,
                    "name": DISPLAY_NAMES.get(person["name"], person["name"]),
                    "kind": "organisation" if pid in ORGANISATIONS else "person",
                    "description": plain(person["role"]),
                },
            }
        )
    for pid, name, kind, description in EXTRA_PEOPLE:
        records.append(
            {
                "model": "archive.person",
                "fields": {
                    "external_id": pid,
                    "name": name,
                    "kind": kind,
                    "description": description,
                },
            }
        )

    for aid, person, platform, handle, note in ACCOUNTS:
        records.append(
            {
                "model": "archive.account",
                "fields": {
                    "external_id": aid,
                    "person": [person],
                    "platform": platform,
                    "handle": handle,
                    "note": note,
                },
            }
        )

    for source in factsheet["sources"]:
        records.append(
            {
                "model": "archive.source",
                "fields": {
                    "external_id": source["id"],
                    "publisher": plain_publisher(source["publisher"]),
                    "title": source["title"],
                    "url": source["url"],
                    "date_text": source.get("date") or "",
                    "published_on": exact_day(source.get("date")),
                    "kind": source_kind(source),
                    "archived_url": "",
                    "note": plain(source.get("note")),
                },
            }
        )

    for tid, title, description, participants, _ in THREADS:
        records.append(
            {
                "model": "archive.thread",
                "fields": {
                    "external_id": tid,
                    "title": title,
                    "description": description,
                    "participants": [[a] for a in participants],
                },
            }
        )

    placement = {mid: (tid, i + 1) for tid, *_, order in THREADS for i, mid in enumerate(order)}
    messages = {m["id"]: m for m in factsheet["messages"]}
    ordered_ids = [mid for *_, order in THREADS for mid in order]
    assert set(ordered_ids) == set(messages), "every fact-sheet message is placed in a thread"
    for mid in ordered_ids:
        m = messages[mid]
        thread, position = placement[mid]
        earliest, latest = DATE_RANGES.get(mid, (m["sent_at_date"], m["sent_at_date"]))
        sent_at, zone, inferred = CLOCK_TIMES.get(mid, (None, "", False))
        recipients = []
        if m["recipient"] != "public":
            recipients = [[ACCOUNT_BY_LABEL[r.strip()]] for r in m["recipient"].split(";")]
        if mid in VERBATIM:
            text, status, summary = VERBATIM[mid], "verbatim", plain(m["summary"])
        elif mid in EXCERPTS:
            text, status, summary = EXCERPTS[mid], "excerpt", plain(m["summary"])
        else:
            text, status, summary = plain(m["summary"]), "summary", ""
        sources = sorted(set(source_ids(m["sources"], mid)) | set(EXTRA_SOURCES.get(mid, [])))
        records.append(
            {
                "model": "archive.message",
                "fields": {
                    "external_id": mid,
                    "thread": [thread],
                    "position": position,
                    "sender": [ACCOUNT_BY_LABEL[m["sender"]]],
                    "recipients": recipients,
                    "channel": CHANNELS[m["channel"]],
                    "text": text,
                    "text_status": status,
                    "summary": summary,
                    "curator_note": plain(m.get("confidence")),
                    "in_reply_to": [m["in_reply_to_id"]] if m.get("in_reply_to_id") else None,
                    "date_earliest": earliest,
                    "date_latest": latest,
                    "sent_at": sent_at,
                    "sent_at_timezone": zone,
                    "sent_at_timezone_inferred": inferred,
                    "time_note": plain(m.get("time_note")),
                    "reported_delay": REPORTED_DELAYS.get(mid),
                    "links": m.get("media_ids") or [],
                    "sources": [[s] for s in sources],
                    "is_published": True,
                },
            }
        )

    for e in factsheet["events"]:
        earliest, latest = EVENT_DATE_RANGES.get(e["id"], (e["date"], e["date"]))
        participants = []
        for name in e["participants"]:
            pid = PARTICIPANT_IDS.get(name) or PERSON_IDS.get(name)
            if pid is None:
                raise SystemExit(f"{e['id']}: unknown participant {name!r}")
            if [pid] not in participants:
                participants.append([pid])
        records.append(
            {
                "model": "archive.event",
                "fields": {
                    "external_id": e["id"],
                    "slug": event_slug(e["id"], e["title"]),
                    "title": e["title"],
                    "kind": EVENT_KINDS[e["id"]],
                    "description": plain(e["summary"]),
                    "date_earliest": earliest,
                    "date_latest": latest,
                    "time_note": plain(e.get("date_note")),
                    "participants": participants,
                    "messages": [[mid] for mid in e["related_message_ids"]],
                    "sources": [[s] for s in source_ids(e["sources"], e["id"])],
                    "is_published": True,
                },
            }
        )

    for did, record, field, note, readings in DISCREPANCIES:
        target = "message" if record[0] in "mt" else "event"
        records.append(
            {
                "model": "archive.discrepancy",
                "fields": {
                    "external_id": did,
                    "message": [record] if target == "message" else None,
                    "event": [record] if target == "event" else None,
                    "field": field,
                    "note": note,
                },
            }
        )
        for source, reading, preferred in readings:
            records.append(
                {
                    "model": "archive.discrepancyreading",
                    "fields": {
                        "discrepancy": [did],
                        "source": [source],
                        "reading": reading,
                        "is_preferred": preferred,
                    },
                }
            )
    return records


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else FACTSHEET
    records = build(json.loads(path.read_text()))
    OUT.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {OUT.relative_to(ROOT)} (built {date.today()})")


if __name__ == "__main__":
    main()
