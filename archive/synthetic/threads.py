"""Threads and their messages: the plan of every conversation, then the messages in time order.

Every thread is planned first (a ThreadState: its length from a power law, its people, channel,
time zone, pace and start, in a month weighted by how busy it was). Then all run side by side
from one heap: the next message is always the earliest due, so ids follow the clock. A message
gets its sender (people take turns), dating (a clock time, a day, a span of days or none), the
message it answers, its text status and words, recipients, sources, and perhaps notes and a
discrepancy; when a thread ends, the events that are due are made from it.
"""

import heapq
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from archive.models import Message
from archive.synthetic.shape import (
    ARCHIVE_END,
    ARCHIVE_MONTHS,
    ARCHIVE_START,
    LABEL,
    SYNTHETIC_URL,
    cumulative_weights,
)

TEXT_LABELS = {
    "verbatim": "[synthetic] ",
    "excerpt": "[synthetic excerpt] … ",
    "summary": "[synthetic summary] ",
}

BATCH_MESSAGES = 10_000
# Delays between two messages of a thread, in seconds: twenty seconds to a month.
MIN_DELAY, MAX_DELAY = 20, 30 * 86400
# A reply answers one of the last messages of its thread; an event links some of them.
RECENT_MESSAGES = 20
PROGRESS_EVERY = 100_000

ZONES = ["America/New_York", "Europe/London", "Europe/Zurich", "Europe/Berlin", "Asia/Tokyo"]


class ThreadState:
    """A conversation: who takes part, its pace, and (once under way) where it has got to."""

    def __init__(
        self,
        length,
        people,
        accounts,
        channel,
        zone_name,
        zone_inferred,
        typical_delay,
        moment,
        source,
    ):
        self.length = length
        self.people = people
        self.accounts = accounts
        self.channel = channel
        self.zone_name = zone_name
        self.zone_inferred = zone_inferred
        self.typical_delay = typical_delay
        self.moment = moment  # the time of its next message (epoch seconds)
        self.source = source
        self.pk = None
        self.external_id = None
        self.position = 0
        self.sender_index = 0
        self.previous_sender = None
        self.delay = 0
        self.recent = []  # (pk, date_earliest, date_latest) of its last messages


def _capitalised(word):
    return word[:1].upper() + word[1:]


class ThreadsMixin:
    """Part of SyntheticArchive: plans the threads and writes them and their messages.

    Reads `rng`, `seed`, `total_messages`, `longest_thread`, `length_weights`, `vocabulary`, the
    people, accounts and sources (people.py, events.py) and the `threads…` and `messages…`
    tables; uses `_event()` and `_discrepancy()` (events.py), `_message_notes()` (notes.py),
    `_count_published()` (report.py) and `_flush()`. Sets `month_weights`, `month_starts`,
    `zones`, `busiest_thread`, and moves the `messages_written`, progress and event counters on.
    """

    def _plan_months(self):
        """Busier and quieter months: activity grows over the years, with a few hot months."""
        rng = self.rng
        weights = [(1 + month / 48) * rng.uniform(0.8, 1.2) for month in range(ARCHIVE_MONTHS)]
        for month in rng.sample(range(ARCHIVE_MONTHS), 6):
            weights[month] *= 4
        self.month_weights = list(cumulative_weights(weights))
        self.month_starts = []
        for month in range(ARCHIVE_MONTHS + 1):
            year, index = divmod(month, 12)
            start = datetime(ARCHIVE_START.year + year, index + 1, 1, tzinfo=UTC)
            self.month_starts.append(int(start.timestamp()))
        self.zones = {name: ZoneInfo(name) for name in ZONES}

    def _thread_start(self, expected_span):
        rng = self.rng
        month = rng.choices(range(ARCHIVE_MONTHS), cum_weights=self.month_weights)[0]
        start = rng.randrange(self.month_starts[month], self.month_starts[month + 1])
        latest_start = int(ARCHIVE_END.timestamp() - expected_span)
        if start > latest_start:
            start = max(self.month_starts[0], latest_start - rng.randrange(30 * 86400))
        return start

    # Threads and messages --------------------------------------------------------------------

    def _plan_threads(self):
        """Every thread's length, people, channel, pace and start, in the order they start."""
        rng = self.rng
        threads = []
        remaining = self.total_messages
        while remaining:
            length = min(
                remaining,
                rng.choices(range(1, self.longest_thread + 1), cum_weights=self.length_weights)[0],
            )
            remaining -= length
            people = self._participants(length)
            if len(people) > 2:
                channel = (
                    Message.Channel.EMAIL if rng.random() < 0.8 else Message.Channel.DIRECT_MESSAGE
                )
            else:
                roll = rng.random()
                channel = (
                    Message.Channel.DIRECT_MESSAGE
                    if roll < 0.5
                    else Message.Channel.EMAIL
                    if roll < 0.8
                    else Message.Channel.PUBLIC_TWEET
                )
            by_platform = (
                self.email_account if channel == Message.Channel.EMAIL else self.twitter_account
            )
            zone_name = "" if rng.random() < 0.55 else rng.choice(ZONES)
            # The thread's pace: a typical delay of two minutes to two days, shorter for a long
            # chat, so that even the longest thread spans about a year. The mean delay is about
            # 2.6 typical ones (a log-normal spread, and now and then a long pause).
            typical_delay = math.exp(rng.uniform(math.log(120), math.log(172_800)))
            if length > 1:
                typical_delay = min(typical_delay, 400 * 86400 / (length - 1) / 2.6)
            threads.append(
                ThreadState(
                    length=length,
                    people=people,
                    accounts=[by_platform[person] for person in people],
                    channel=channel,
                    zone_name=zone_name,
                    zone_inferred=bool(zone_name) and rng.random() < 0.3,
                    typical_delay=typical_delay,
                    moment=self._thread_start(typical_delay * 2.6 * (length - 1)),
                    source=rng.choices(self.source_ids, cum_weights=self.source_weights)[0],
                )
            )
            if self.busiest_thread is None or length > self.busiest_thread.length:
                self.busiest_thread = threads[-1]
        threads.sort(key=lambda thread: thread.moment)  # stable: ties keep their plan order
        return threads

    def _participants(self, length):
        rng = self.rng
        roll = rng.random()
        count = 2 if length > 500 or roll < 0.75 else (3 if roll < 0.87 else rng.randint(4, 6))
        chosen = []
        while len(chosen) < count:
            person = rng.choices(self.people, cum_weights=self.people_weights)[0]
            if person not in chosen:
                chosen.append(person)
        return chosen

    def _write_messages(self):
        """All threads at once, message by message in time order, as a real archive grew: ids
        follow the clock, and the date indexes grow at their end rather than everywhere."""
        threads = self._plan_threads()
        under_way = []  # heap of (next message's time, thread id, thread)
        next_start = 0
        while True:
            if next_start < len(threads) and (
                not under_way or threads[next_start].moment <= under_way[0][0]
            ):
                thread = threads[next_start]
                threads[next_start] = None  # held by the heap from now on
                next_start += 1
                self._start_thread(thread)
                heapq.heappush(under_way, (thread.moment, thread.pk, thread))
                continue
            if not under_way:
                break
            _, _, thread = heapq.heappop(under_way)
            self._message(thread)
            if thread.position < thread.length:
                self._advance(thread)
                heapq.heappush(under_way, (thread.moment, thread.pk, thread))
            else:
                self._end_thread(thread)
            if len(self.messages.rows) >= BATCH_MESSAGES:
                self._flush()

    def _start_thread(self, thread):
        rng = self.rng
        thread.pk = self.threads.next_id()
        thread.external_id = f"syn-t{thread.pk:06d}"
        title_words = " ".join(self.vocabulary.sample(rng, rng.randint(2, 5)))
        self.threads.add(
            (
                thread.pk,
                thread.external_id,
                f"Synthetic thread {thread.pk:06d}: {title_words}",
                f"A synthetic {thread.channel.label.lower()} thread ({LABEL}, seed {self.seed})."
                if rng.random() < 0.2
                else "",
                self.collection,
            )
        )
        for account in thread.accounts:
            self.thread_participants.append(thread.pk, account)

    def _advance(self, thread):
        """The delay to the thread's next message, and who writes it."""
        rng = self.rng
        delay = thread.typical_delay * rng.lognormvariate(0, 1.0)
        if rng.random() < 0.02:
            delay *= 30  # the thread picks up again after a pause
        thread.delay = min(MAX_DELAY, max(MIN_DELAY, int(delay)))
        thread.moment += thread.delay
        thread.previous_sender = thread.accounts[thread.sender_index]
        if len(thread.people) == 2:
            if rng.random() < 0.85:
                thread.sender_index = 1 - thread.sender_index
        else:
            thread.sender_index = rng.choice(
                [i for i in range(len(thread.people)) if i != thread.sender_index]
            )

    def _end_thread(self, thread):
        while self.messages_written >= self.next_event_at:
            self._event(thread.people, thread.source, thread.recent)
            self.next_event_at += self.total_messages / self.event_target

    def _message(self, thread):
        rng = self.rng
        pk = self.messages.next_id()
        external_id = f"syn-m{pk:07d}"
        thread.position += 1
        position = thread.position
        accounts = thread.accounts
        sender = accounts[thread.sender_index]
        channel = thread.channel
        zone_name = thread.zone_name
        moment = thread.moment
        published = rng.random() >= 0.02

        # How precisely the sources date it: a clock time, a day, a range of days, or nothing.
        roll = rng.random()
        sent_at = None
        time_note = ""
        if roll < 0.98:
            moment_utc = datetime.fromtimestamp(moment, UTC)
            local = (
                datetime.fromtimestamp(moment, self.zones[zone_name]) if zone_name else moment_utc
            )
            earliest = latest = local.date()
            if roll < 0.70:
                sent_at = moment_utc
            elif roll >= 0.92:
                earliest = earliest - timedelta(days=rng.randint(0, 6))
                latest = latest + timedelta(days=rng.randint(1, 6))
                time_note = "Synthetic: only a span of days is known."
        else:
            earliest = latest = None
            time_note = "Synthetic: no date is known for this message."

        # Most messages answer the one before; some an earlier one; some answer nothing.
        in_reply_to = None
        reported_delay = None
        if position > 1:
            roll = rng.random()
            if roll < 0.70:
                in_reply_to = thread.recent[-1][0]
                if sent_at is None and earliest is not None and rng.random() < 0.25:
                    reported_delay = timedelta(minutes=max(1, round(thread.delay / 60)))
            elif roll < 0.78:
                in_reply_to = rng.choice(thread.recent)[0]

        roll = rng.random()
        status = (
            Message.TextStatus.VERBATIM
            if roll < 0.85
            else Message.TextStatus.EXCERPT
            if roll < 0.95
            else Message.TextStatus.SUMMARY
        )
        if channel == Message.Channel.DIRECT_MESSAGE:
            word_count = int(rng.triangular(5, 30, 9))
        elif channel == Message.Channel.PUBLIC_TWEET:
            word_count = int(rng.triangular(5, 45, 18))
        else:
            word_count = int(rng.triangular(12, 60, 30))
        tokens, body = self._words(word_count)
        label = TEXT_LABELS[status]
        text = f"{label}{body} …" if status == Message.TextStatus.EXCERPT else f"{label}{body}"
        token_parts = [tokens]
        summary = ""
        if rng.random() < 0.08:
            summary_tokens, summary_body = self._words(rng.randint(4, 12))
            summary = f"Synthetic summary: {summary_body}"
            token_parts.append(summary_tokens)
        curator_note = (
            "Synthetic caveat: generated automatically; nothing here establishes anything."
            if rng.random() < 0.03
            else ""
        )
        links = [f"{SYNTHETIC_URL}/attachments/{external_id}.pdf"] if rng.random() < 0.03 else []

        self.messages.add(
            (
                pk,
                external_id,
                thread.pk,
                position,
                sender,
                channel,
                text,
                status,
                summary,
                curator_note,
                in_reply_to,
                sent_at,
                zone_name if sent_at else "",
                thread.zone_inferred if sent_at else False,
                reported_delay,
                links,
                published,
                earliest,
                latest,
                time_note,
                "",  # not imported: no original identifier
            )
        )

        # Recipients: everyone else in a conversation; a public tweet may mention the last sender.
        if channel == Message.Channel.PUBLIC_TWEET:
            previous_sender = thread.previous_sender
            recipients = (
                [previous_sender]
                if previous_sender and previous_sender != sender and rng.random() < 0.6
                else []
            )
        else:
            recipients = [account for account in accounts if account != sender]
            if len(recipients) > 2 and rng.random() < 0.3:
                recipients.pop(rng.randrange(len(recipients)))
        for account in recipients:
            self.message_recipients.append(pk, account)
        source = thread.source
        self.message_sources.append(pk, source)
        if rng.random() < 0.08:
            other = rng.choices(self.source_ids, cum_weights=self.source_weights)[0]
            if other != source:
                self.message_sources.append(pk, other)

        if published:
            self._count_published(token_parts, sender, earliest, latest)
        if pk % self.message_discrepancy_every == 0:
            self._discrepancy(pk, None, source, earliest, sender)
        self._message_notes(pk, text, len(label), status, published)

        self.messages_written += 1
        if self.progress and self.messages_written >= self.next_progress:
            self.progress(self.messages_written)
            self.next_progress += PROGRESS_EVERY
        thread.recent.append((pk, earliest, latest))
        if len(thread.recent) > RECENT_MESSAGES:
            del thread.recent[0]

    def _words(self, count):
        """(words, text): `count` words, then as sentences of about twelve words; now and then
        two of them are one of the planted phrases."""
        rng = self.rng
        tokens = self.vocabulary.sample(rng, count)
        planted = -1
        if count >= 4 and rng.random() < 0.03:
            planted = rng.randrange(count - 1)
            tokens[planted], tokens[planted + 1] = rng.choice(self.vocabulary.phrases)
        words = list(tokens)
        for _ in range(count // 12):
            boundary = rng.randrange(3, count - 1)
            if boundary != planted + 1:
                words[boundary - 1] += "."
                words[boundary] = _capitalised(words[boundary])
        words[0] = _capitalised(words[0])
        return tokens, " ".join(words) + "."
