"""A small archive with every shape the API describes: attested times in a stated, an inferred
and no zone; a reply with a reported delay; an undated message; a discrepancy with its readings;
an event with participants; withdrawn records; public and private notes."""

from datetime import UTC, date, datetime, timedelta

from tests.support.annotation_helpers import make_annotation


def api_archive(build, users=None):
    from archive.models import Discrepancy, DiscrepancyReading, Message

    wikileaks = build.person("WikiLeaks", external_id="wikileaks", kind="organisation")
    junior = build.person("Donald Trump Jr.", external_id="junior")
    leaks = build.account(wikileaks, "@wikileaks", external_id="tw-wikileaks")
    don = build.account(junior, "@DonaldJTrumpJr", external_id="tw-junior")
    atlantic = build.source(external_id="atlantic", publisher="The Atlantic", kind="news_article")
    root = build.source(
        external_id="root",
        publisher="The Root",
        kind="fact_check",
        published_on=date(2017, 11, 13),
        archived_url="https://archive.example.org/root",
    )
    thread = build.thread(external_id="dms", title="Direct messages")
    thread.participants.set([leaks, don])
    first = build.message(
        thread=thread,
        sender=leaks,
        recipients=[don],
        sources=[atlantic, root],
        external_id="m01",
        text="A PAC run anti-Trump site is about to launch.",
        text_status="verbatim",
        sent_at=datetime(2016, 9, 21, 3, 50, tzinfo=UTC),
        sent_at_timezone="America/New_York",
        day=date(2016, 9, 20),
        time_note="Just before midnight.",
    )
    reply = build.message(
        thread=thread,
        sender=don,
        recipients=[leaks],
        sources=[atlantic],
        external_id="m02",
        text="Off the record I don't know who that is.",
        text_status="excerpt",
        in_reply_to=first,
        reported_delay=timedelta(hours=1, minutes=30),
        sent_at=datetime(2016, 9, 21, 5, 20, tzinfo=UTC),
        sent_at_timezone="America/New_York",
        sent_at_timezone_inferred=True,
        day=date(2016, 9, 21),
        links=["https://example.org/link"],
    )
    ranged = build.message(
        thread=thread,
        sender=leaks,
        recipients=[don],
        external_id="m03",
        text="WikiLeaks suggested leaking the tax returns.",
        text_status="summary",
        summary="On the tax returns.",
        sent_at=datetime(2016, 10, 21, 14, 0, tzinfo=UTC),
        date_earliest=date(2016, 10, 20),
        date_latest=date(2016, 10, 22),
    )
    undated = build.message(
        thread=thread, sender=don, recipients=[leaks], external_id="m04", day=None
    )
    withdrawn = build.message(
        thread=thread, sender=leaks, recipients=[don], external_id="m05", is_published=False
    )
    Message.objects.filter(pk=ranged.pk).update(date_latest=date(2016, 10, 22))
    discrepancy = Discrepancy.objects.create(
        external_id="d01", message=first, field="time", note="The sources disagree."
    )
    DiscrepancyReading.objects.create(
        discrepancy=discrepancy, source=atlantic, reading="just before midnight", is_preferred=True
    )
    DiscrepancyReading.objects.create(discrepancy=discrepancy, source=root, reading="at midnight")
    event = build.event(
        external_id="e01",
        title="First contact",
        kind="correspondence",
        description="WikiLeaks writes first.",
        day=date(2016, 9, 20),
        sources=[atlantic],
    )
    event.participants.set([wikileaks, junior])
    event.messages.set([first, reply, withdrawn])
    hidden_event = build.event(external_id="e02", title="Withdrawn", is_published=False)
    hidden_event.messages.set([first])
    open_ended = build.event(external_id="e03", title="Later", date_latest=None)
    if users:
        make_annotation(users["author"], message=first, visibility="public")
        make_annotation(users["author"], message=first, visibility="private")
        make_annotation(users["author"], event=event, visibility="public")
    return {
        "people": [wikileaks, junior],
        "sources": [atlantic, root],
        "thread": thread,
        "messages": [first, reply, ranged, undated],
        "withdrawn": withdrawn,
        "events": [event, open_ended],
        "withdrawn_event": hidden_event,
    }
