"""Chats without reply links (Twitter DMs, WhatsApp, Telegram without reply_to, CSV without
in_reply_to): who answered whom is inferred from turn-taking, labelled so, and never mixed
with answers the data links; answer rates per channel say how they were worked out."""

from datetime import UTC, date, datetime, timedelta

import pytest

from archive.models import Message
from archive.views.conversation import side_stats
from archive.views.people import channel_answer_rates

pytestmark = pytest.mark.django_db

START = datetime(2016, 10, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def chat(build):
    """Ann, Ben, Ann, Ann, Ben: Ben answers two minutes after each of Ann's turns."""
    thread = build.thread(title="Ann and Ben")
    ann, ben = build.account(handle="Ann"), build.account(handle="Ben")
    order = [(ann, 0), (ben, 2), (ann, 30), (ann, 31), (ben, 33)]
    messages = [
        build.message(
            thread=thread, sender=sender, recipients=[ben if sender == ann else ann],
            channel="chat", text_status="verbatim", day=date(2016, 10, 3),
            sent_at=START + timedelta(minutes=minutes), sent_at_timezone="UTC",
        )
        for sender, minutes in order
    ]  # fmt: skip
    return thread, ann, ben, messages


def test_the_sides_count_answers_by_turn_taking(chat):
    thread, ann, ben, _ = chat
    sides = {side.account: side for side in side_stats(thread)}
    assert sides[ann].by_turns and sides[ben].by_turns
    assert (sides[ann].answered, sides[ann].answer_rate.sent) == (2, 3)
    assert (sides[ben].answered, sides[ben].answer_rate.sent) == (1, 2)
    assert sides[ben].replies == 2  # both of Ben's messages came after one of Ann's


def test_the_conversation_says_the_answers_are_inferred(client, chat):
    thread, _, _, messages = chat
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "<strong>2 of 3</strong> got a reply (67%)" in page
    assert "<strong>1 of 2</strong> got a reply (50%)" in page
    assert "Answers <strong>inferred from turn-taking</strong>" in page
    first = messages[0]
    assert (
        f'↩ answers <a href="#{first.external_id}">{first.external_id}</a> '
        "(inferred from turn-taking), "
        '<span class="latency">2 minutes (computed)</span> later'
    ) in page
    # Three answers: Ben's two and Ann's first after Ben; her second in a row answers no one.
    assert page.count("(inferred from turn-taking), ") == 3


def test_a_conversation_with_reply_links_keeps_them(client, chat):
    thread, _, _, messages = chat
    Message.objects.filter(pk=messages[1].pk).update(in_reply_to=messages[0])
    sides = side_stats(thread)
    assert not any(side.by_turns for side in sides)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "inferred from turn-taking" not in page
    assert "Answers counted from the reply links the data gives." in page


def test_a_public_tweet_awaits_no_answer(build):
    thread = build.thread()
    author, other = build.account(handle="@author"), build.account(handle="@other")
    build.message(thread=thread, sender=author, channel="public_tweet")
    build.message(thread=thread, sender=other, channel="public_tweet")
    # Only tweets: nothing awaits an answer, so no inference either.
    assert not thread.answers_by_turns()
    assert not any(side.by_turns for side in side_stats(thread))


def test_the_person_page_gives_rates_per_channel_with_their_method(client, build, chat):
    _, ann, _, _ = chat
    build.message(sender=ann, channel="public_tweet", text="A tweet to everyone.")
    rows = {row.channel: row for row in channel_answer_rates(ann.person)}
    assert (rows["chat"].sent, rows["chat"].by_turns, rows["chat"].by_links) == (3, 2, 0)
    assert rows["chat"].method == "inferred from turn-taking"
    assert not rows["public_tweet"].awaits_answers
    page = client.get(ann.person.get_absolute_url()).content.decode()
    assert "<strong>2 of 4</strong> got a reply (50%)" in page  # all she sent, tweet included
    assert "<td>inferred from turn-taking</td>" in page
    assert "a public tweet awaits no answer, so no rate is given" in page


@pytest.mark.parametrize("length", [5, 120])
def test_a_chat_page_makes_the_same_queries_at_any_length(
    client, build, django_assert_num_queries, length
):
    thread = build.thread()
    ann, ben = build.account(), build.account()
    for n in range(length):
        build.message(thread=thread, sender=ann if n % 3 else ben, channel="chat")
    # As many as a conversation with reply links (tests/support/query_counts.py).
    with django_assert_num_queries(11):
        assert client.get(thread.get_absolute_url()).status_code == 200


def test_an_imported_whatsapp_chat_is_read_by_turn_taking(client, tmp_path):
    from archive.importing.importer import import_path
    from tests.support import import_samples as samples

    path = tmp_path / "Erin and Frank" / "_chat.txt"
    path.parent.mkdir()
    path.write_text(samples.WHATSAPP)
    result = import_path(path, publish=True)
    thread = Message.objects.filter(import_batch=result.batch).first().thread
    page = client.get(thread.get_absolute_url()).content.decode()
    # Erin: "Morning!" answered by Frank 52 s later; her "Later one." is the last word, and
    # comes ten days after Frank's: after such a silence it answers nothing.
    assert "<strong>1 of 2</strong> got a reply (50%)" in page
    assert "<strong>0 of 1</strong> got a reply (0%)" in page
    assert "Answers <strong>inferred from turn-taking</strong>" in page
    assert '<span class="latency">52 seconds (computed)</span> later' in page
    assert page.count("(inferred from turn-taking), ") == 1
