"""Read a thread as a chat: sides, day separators, silences, unanswered runs, per-side counts.

The per-side counts are aggregates over the whole thread (one query, whatever its size); the chat
items are built from one page of messages already fetched in thread order, each carrying its
`reply_count` (MessageQuerySet.for_list), so a reply on a later page still counts as an answer.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from archive.models import Account, AnswerRate, Message

LONG_SILENCE_DAYS = 7
UNANSWERED_RUN_MIN = 2


@dataclass
class SideStats:
    account: object
    sent: int = 0
    replies: int = 0
    answered: int = 0

    @property
    def answer_rate(self):
        return AnswerRate(answered=self.answered, sent=self.sent)


@dataclass
class Conversation:
    items: list = field(default_factory=list)
    sides: list = field(default_factory=list)
    ids_on_page: set = field(default_factory=set)


def side_stats(thread):
    """Per sender in the thread: messages sent, replies sent, messages answered (2 queries)."""
    messages = Message.objects.public().filter(thread=thread)
    rows = (
        messages.order_by()
        .values("sender")
        .annotate(
            sent=Count("pk"),
            replies=Count("pk", filter=Q(in_reply_to__isnull=False)),
        )
    )
    answered = dict(
        messages.answered()
        .order_by()
        .values("sender")
        .annotate(n=Count("pk"))
        .values_list("sender", "n")
    )
    accounts = Account.objects.select_related("person").in_bulk([row["sender"] for row in rows])
    stats = [
        SideStats(
            accounts[row["sender"]],
            sent=row["sent"],
            replies=row["replies"],
            answered=answered.get(row["sender"], 0),
        )
        for row in rows
    ]
    return sorted(stats, key=lambda s: (-s.sent, str(s.account)))


def build_conversation(messages, first_sender_id=None):
    """Items in order: ("day", label), ("silence", days), ("message", message, side), ("run", n).

    `first_sender_id` puts that sender on the left across pages (default: this page's first).
    """
    messages = list(messages)
    if first_sender_id is None and messages:
        first_sender_id = messages[0].sender_id
    conversation = Conversation(ids_on_page={m.external_id for m in messages})
    previous = None
    run_sender, run_length = None, 0

    def close_run():
        if run_length >= UNANSWERED_RUN_MIN:
            conversation.items.append(("run", run_length, run_sender))

    for message in messages:
        answered = message.reply_count > 0
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
