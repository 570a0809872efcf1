"""Sources, events and discrepancies: what the sources say, and where they disagree.

Sources are written up front with the ORM, a few backing far more records than others. An event
is made each time enough messages have been written, when a thread ends: it takes some of the
thread's people, usually some of its last messages (whose dates give the event's), the thread's
source and now and then another. Some messages and events get a discrepancy: two or three
sources give different readings of a date, a time, a sender, a reply or another field.
"""

from datetime import date, timedelta

from archive.models import Discrepancy, Event, Source
from archive.models.slugs import event_slug
from archive.synthetic.shape import (
    ARCHIVE_MONTHS,
    ARCHIVE_START,
    LABEL,
    SYNTHETIC_URL,
    cumulative_weights,
)


class EventsMixin:
    """Part of SyntheticArchive: writes the sources, events and discrepancies.

    Reads `rng`, `seed`, `source_count`, `vocabulary`, `people`, `account_person` and the
    `events…`, `discrepancies` and `readings` tables; uses `_words()` (threads.py) and `_note()`
    (notes.py). Sets `source_ids` and `source_weights`.
    """

    def _write_sources(self):
        rng = self.rng
        kinds = [
            (Source.Kind.NEWS_ARTICLE, 40),
            (Source.Kind.REPOST, 15),
            (Source.Kind.BLOG_POST, 15),
            (Source.Kind.FORUM_POST, 10),
            (Source.Kind.TWEET, 10),
            (Source.Kind.FACT_CHECK, 5),
            (Source.Kind.OTHER, 5),
        ]
        kind_values = [kind for kind, _ in kinds]
        kind_weights = list(cumulative_weights(weight for _, weight in kinds))
        sources = []
        for pk in range(1, self.source_count + 1):
            published = ARCHIVE_START.date() + timedelta(days=rng.randrange(ARCHIVE_MONTHS * 30))
            sources.append(
                Source(
                    pk=pk,
                    external_id=f"syn-s{pk:04d}",
                    publisher=f"Synthetic Publisher {pk % 40 + 1:02d}",
                    title=f"{LABEL}, seed {self.seed} (batch {pk:04d})",
                    url=f"{SYNTHETIC_URL}/seed-{self.seed}/source-{pk:04d}",
                    date_text=f"{published:%d %B %Y} (synthetic)",
                    published_on=published,
                    kind=rng.choices(kind_values, cum_weights=kind_weights)[0],
                    note="A synthetic source: not a real publication.",
                )
            )
        Source.objects.bulk_create(sources)
        # Some sources back far more records than others.
        self.source_ids = list(range(1, self.source_count + 1))
        self.source_weights = list(cumulative_weights(1 / k for k in self.source_ids))

    def _event(self, people, source, recent_messages):
        rng = self.rng
        pk = self.events.next_id()
        external_id = f"syn-e{pk:05d}"
        linked = []
        if rng.random() < 0.8:
            count = min(len(recent_messages), rng.randint(1, 8))
            start = rng.randrange(len(recent_messages) - count + 1)
            linked = recent_messages[start : start + count]
        dated = [(earliest, latest) for _, earliest, latest in linked if earliest is not None]
        if dated:
            earliest = min(first for first, _ in dated)
            latest = max(last for _, last in dated)
        elif rng.random() < 0.95:
            earliest = ARCHIVE_START.date() + timedelta(days=rng.randrange(ARCHIVE_MONTHS * 30))
            latest = earliest + timedelta(days=rng.choice((0, 0, 0, 1, 3, 10)))
        else:
            earliest = latest = None
        kind = rng.choice(Event.Kind.values)
        title_words = " ".join(self.vocabulary.sample(rng, rng.randint(3, 6)))
        title = f"Synthetic event {pk:05d}: {title_words}"
        _, body = self._words(rng.randint(15, 50))
        self.events.add(
            (
                pk,
                external_id,
                event_slug(external_id, title),
                title,
                kind,
                f"A synthetic event ({LABEL}, seed {self.seed}). {body}",
                rng.random() >= 0.03,
                earliest,
                latest,
                "" if earliest else "Synthetic: no date is known for this event.",
                self.collection,
            )
        )
        participants = list(people[: rng.randint(1, len(people))])
        if rng.random() < 0.3:
            extra = rng.choices(self.people, cum_weights=self.people_weights)[0]
            if extra not in participants:
                participants.append(extra)
        for person in participants:
            self.event_participants.append(pk, person)
        for message_pk, _, _ in linked:
            self.event_messages.append(pk, message_pk)
        self.event_sources.append(pk, source)
        if rng.random() < 0.3:
            other = rng.choices(self.source_ids, cum_weights=self.source_weights)[0]
            if other != source:
                self.event_sources.append(pk, other)
        if pk % self.event_discrepancy_every == 1:
            self._discrepancy(None, pk, source, earliest, None)
        if pk % 4 == 1:  # one event in four has notes, the first among them
            for _ in range(rng.randint(1, 2)):
                self._note(None, pk, "", 0, quotable=False)

    def _discrepancy(self, message, event, source, earliest, sender):
        rng = self.rng
        pk = self.discrepancies.next_id()
        field = rng.choice(Discrepancy.Field.values)
        label = Discrepancy.Field(field).label.lower()
        self.discrepancies.add(
            (
                pk,
                f"syn-d{pk:05d}",
                message,
                event,
                field,
                f"Synthetic discrepancy: the sources disagree about this ({label}).",
            )
        )
        sources = [source]
        while len(sources) < (3 if rng.random() < 0.2 else 2):
            other = rng.choice(self.source_ids)
            if other not in sources:
                sources.append(other)
        day = earliest or date(2016, 1, 1)
        for index, reading_source in enumerate(sources):
            if field == Discrepancy.Field.DATE:
                reading = f"{day + timedelta(days=index * rng.randint(1, 3)):%d %B %Y}"
            elif field == Discrepancy.Field.TIME:
                reading = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
            elif field == Discrepancy.Field.SENDER:
                person = self.account_person.get(sender) or rng.choice(self.people)
                reading = f"Synthetic Person {person + index:04d}"
            elif field == Discrepancy.Field.REPLY:
                reading = ("answered", "not answered", "unclear")[index]
            else:
                reading = "Synthetic reading: " + " ".join(
                    self.vocabulary.sample(rng, rng.randint(3, 10))
                )
            self.readings.append(pk, reading_source, reading, index == 0)
