"""Read a thread as a chat: sides, day separators, silences, unanswered runs, per-side counts.

Pure functions over messages already fetched in thread order, so a page costs no extra queries.
"""

from dataclasses import dataclass, field

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
        """Share of this side's messages that got a reply, as a whole percentage."""
        return round(100 * self.answered / self.sent) if self.sent else 0


@dataclass
class Conversation:
    items: list = field(default_factory=list)
    sides: list = field(default_factory=list)


def build_conversation(messages):
    """Items in order: ("day", label), ("silence", days), ("message", message, side), ("run", n)."""
    messages = list(messages)
    answered_ids = {m.in_reply_to_id for m in messages if m.in_reply_to_id}
    stats = {}
    first_sender = messages[0].sender_id if messages else None
    conversation = Conversation()
    previous = None
    run_sender, run_length = None, 0

    def close_run():
        if run_length >= UNANSWERED_RUN_MIN:
            conversation.items.append(("run", run_length, run_sender))

    for message in messages:
        side_stats = stats.setdefault(message.sender_id, SideStats(message.sender))
        side_stats.sent += 1
        side_stats.replies += bool(message.in_reply_to_id)
        side_stats.answered += message.id in answered_ids

        # A run of unanswered messages ends when the other side speaks or a message is answered;
        # silences do not end it (months of silence are what an unanswered run looks like).
        if message.sender_id != run_sender or message.id in answered_ids:
            close_run()
            run_sender, run_length = message.sender_id, 0
        if message.id not in answered_ids:
            run_length += 1

        if previous is None or message.date_display != previous.date_display:
            if previous and previous.date_earliest and message.date_earliest:
                last_day = previous.date_latest or previous.date_earliest
                gap = (message.date_earliest - last_day).days
                if gap >= LONG_SILENCE_DAYS:
                    conversation.items.append(("silence", gap, None))
            conversation.items.append(("day", message.date_display, None))

        side = "a" if message.sender_id == first_sender else "b"
        conversation.items.append(("message", message, side))
        previous = message
    close_run()
    conversation.sides = sorted(stats.values(), key=lambda s: -s.sent)
    return conversation
