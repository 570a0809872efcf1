"""Read a thread as a chat: sides, day separators, silences, unanswered runs, per-side counts.

The per-side counts are aggregates over the whole thread (one query, whatever its size); the chat
items are built from one page of messages already fetched in thread order, each carrying its
`reply_count` (MessageQuerySet.for_list), so a reply on a later page still counts as an answer.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q

from archive.models import Account, AnswerRate, Latency, Message
from archive.models.messages import TURN_CHANNELS, TURN_SILENCE

LONG_SILENCE_DAYS = TURN_SILENCE.days
UNANSWERED_RUN_MIN = 2


BY_LINKS = "reply links"
BY_TURNS = "turn-taking"


@dataclass
class SideStats:
    account: object
    sent: int = 0
    replies: int = 0
    answered: int = 0
    # How answers were counted: from the data's reply links, or inferred from turn-taking (a
    # conversation with no reply links), where only messages awaiting an answer count.
    method: str = BY_LINKS
    awaiting: int | None = None

    @property
    def answer_rate(self):
        sent = self.sent if self.awaiting is None else self.awaiting
        return AnswerRate(answered=self.answered, sent=sent)

    @property
    def by_turns(self):
        return self.method == BY_TURNS


@dataclass
class Conversation:
    items: list = field(default_factory=list)
    sides: list = field(default_factory=list)
    ids_on_page: set = field(default_factory=set)
    by_turns: bool = False


def _per_sender(queryset):
    return dict(
        queryset.order_by().values("sender").annotate(n=Count("pk")).values_list("sender", "n")
    )


def side_stats(thread):
    """Per sender in the thread: messages sent, replies sent, messages answered (3 queries in
    all, 4 by turn-taking, whatever the thread's size). Answers come from the reply links, or,
    in a conversation without any, from turn-taking (`MessageQuerySet.answered_by_turns`)."""
    messages = Message.objects.public().filter(thread=thread)
    rows = list(
        messages.order_by()
        .values("sender")
        .annotate(
            sent=Count("pk"),
            linked=Count("pk", filter=Q(in_reply_to__isnull=False)),
            awaiting=Count("pk", filter=Q(channel__in=TURN_CHANNELS)),
        )
    )
    # Thread.answers_by_turns, read off the same counts.
    by_turns = not any(row["linked"] for row in rows) and any(row["awaiting"] for row in rows)
    if by_turns:
        answered = _per_sender(messages.answered_by_turns())
        # An answer by turn-taking: a message awaiting one, after someone else's message.
        replies = _per_sender(
            messages.awaiting_answers()
            .with_turns()
            .filter(previous_sender_id__isnull=False)
            .exclude(previous_sender_id=F("sender_id"))
            .exclude(date_earliest__gt=F("previous_date") + TURN_SILENCE)
        )
    else:
        answered = _per_sender(messages.answered())
        replies = {row["sender"]: row["linked"] for row in rows}
    accounts = Account.objects.select_related("person").in_bulk([row["sender"] for row in rows])
    stats = [
        SideStats(
            accounts[row["sender"]],
            sent=row["sent"],
            replies=replies.get(row["sender"], 0),
            answered=answered.get(row["sender"], 0),
            method=BY_TURNS if by_turns else BY_LINKS,
            awaiting=row["awaiting"] if by_turns else None,
        )
        for row in rows
    ]
    return sorted(stats, key=lambda s: (-s.sent, str(s.account)))


def build_conversation(messages, first_sender_id=None, by_turns=False):
    """Items in order: ("day", label), ("silence", days), ("message", message, side), ("run", n).

    `first_sender_id` puts that sender on the left across pages (default: this page's first).
    `by_turns`: the messages carry `with_turns()` and answers are inferred from turn-taking.
    """
    messages = list(messages)
    if first_sender_id is None and messages:
        first_sender_id = messages[0].sender_id
    conversation = Conversation(ids_on_page={m.external_id for m in messages}, by_turns=by_turns)
    previous = None
    run_sender, run_length = None, 0

    def close_run():
        if run_length >= UNANSWERED_RUN_MIN:
            conversation.items.append(("run", run_length, run_sender))

    for message in messages:
        if by_turns:
            _infer_turn(message)
        answered = message.turn_answered if by_turns else message.reply_count > 0
        # A run of unanswered messages ends when the other side speaks or a message is answered;
        # silences do not end it (months of silence are what an unanswered run looks like).
        if message.sender_id != run_sender or answered:
            close_run()
            run_sender, run_length = message.sender_id, 0
        if not answered:
            run_length += 1

        if previous is None or message.date_display != previous.date_display:
            if previous and previous.date_earliest and message.date_earliest:
                last_day = previous.date_latest or previous.date_earliest
                gap = (message.date_earliest - last_day).days
                if gap >= LONG_SILENCE_DAYS:
                    conversation.items.append(("silence", gap, None))
            conversation.items.append(("day", message.date_display, None))

        side = "a" if message.sender_id == first_sender_id else "b"
        conversation.items.append(("message", message, side))
        previous = message
    close_run()
    return conversation


def _infer_turn(message):
    """Set on a message read by turn-taking: whether the next message answers it, and whether it
    answers the one before (`turn_answers`: that message's id) and how long after it."""
    awaiting = message.channel in TURN_CHANNELS
    message.turn_answered = (
        awaiting
        and message.next_sender_id is not None
        and message.next_sender_id != message.sender_id
    )
    message.turn_answered = message.turn_answered and not _silence(
        message.date_latest, message.next_date
    )
    answers = (
        awaiting
        and message.previous_sender_id is not None
        and message.previous_sender_id != message.sender_id
        and not _silence(message.previous_date, message.date_earliest)
    )
    message.turn_answers = message.previous_external_id if answers else ""
    message.turn_latency = (
        Latency(message.sent_at - message.previous_sent_at, is_reported=False)
        if answers and message.sent_at and message.previous_sent_at
        else None
    )


def _silence(before, after):
    """Whether a long silence (TURN_SILENCE) lies between two days (never for undated ones)."""
    return bool(before and after and after > before + TURN_SILENCE)
