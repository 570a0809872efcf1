"""What the run reports: the counts of what it wrote and the handles benchmarks search for.

The handles (a common and a rare word, a planted phrase, the accented words, the busiest
sender, thread and month, the 50-note message) are counted over published messages as they are
made, each word and phrase once per message. Ties are broken by fixed orders alone (a word's
rank in the vocabulary, the phrase, the id), never by the order a dict was filled in.
"""

from annotations.models import Annotation
from archive.synthetic.shape import ARCHIVE_START
from archive.synthetic.vocabulary import ACCENTED_WORDS


class ReportMixin:
    """Part of SyntheticArchive: counts published messages as they are made, and `report()`.

    Reads the counters set in SyntheticArchive.__init__, the tables' `written` counts and what
    the other parts set (`account_person`, `person_external_id`, `busiest_thread`, …).
    """

    def _count_words(self):
        # One Counter update per batch rather than one per message: the counting is in C.
        self.word_messages.update(self.words_to_count)
        self.words_to_count = []

    def _count_published(self, token_parts, sender, earliest, latest):
        """Count what the report hands out: each word and phrase once per message (its text and
        summary), the sender, the month."""
        self.published_messages += 1
        present = set().union(*token_parts)
        self.words_to_count.extend(present)
        for phrase in self.vocabulary.phrases:
            first, second = phrase
            if first in present and second in present and _adjacent(token_parts, first, second):
                self.phrase_messages[phrase] += 1
        self.sender_messages[self.account_person[sender]] += 1
        if earliest is not None:
            self.month_messages[(earliest.year, earliest.month)] += 1
            if self.first_day is None or earliest < self.first_day:
                self.first_day = earliest
            if self.last_day is None or latest > self.last_day:
                self.last_day = latest

    # The report -----------------------------------------------------------------------------

    def report(self):
        vocabulary = self.vocabulary
        words = self.words
        published = self.published_messages
        content = [
            (count, vocabulary.index[word])
            for word, count in self.word_messages.items()
            if word not in vocabulary.function_words
        ]
        # Ties go to the more common word in the vocabulary (the lower index), and so on: the
        # choice depends on the counts alone, never on the order a dict was filled in.
        common_count, common_index = max(
            content, key=lambda item: (item[0], -item[1]), default=(0, 0)
        )
        # A rare word: in a few dozen messages at a million, proportionally fewer below.
        rare_target = max(2, round(published * 4e-5))
        rare_count, rare_index = min(
            ((count, index) for count, index in content if count >= rare_target),
            default=(common_count, common_index),
        )
        phrase, phrase_count = max(
            self.phrase_messages.items(),
            key=lambda item: (item[1], item[0]),
            default=(vocabulary.phrases[0], 0),
        )
        (year, month), month_count = max(
            self.month_messages.items(),
            key=lambda item: (item[1], item[0]),
            default=((ARCHIVE_START.year, 1), 0),
        )
        sender, sender_count = max(
            self.sender_messages.items(), key=lambda item: (item[1], -item[0]), default=(1, 0)
        )
        counts = {
            "people": self.people_count,
            "accounts": self.account_count,
            "sources": self.source_count,
            "threads": self.threads.written,
            "thread_participants": self.thread_participants.written,
            "messages": self.messages.written,
            "published_messages": published,
            "message_recipients": self.message_recipients.written,
            "message_sources": self.message_sources.written,
            "events": self.events.written,
            "event_participants": self.event_participants.written,
            "event_messages": self.event_messages.written,
            "event_sources": self.event_sources.written,
            "discrepancies": self.discrepancies.written,
            "discrepancy_readings": self.readings.written,
            "researchers": len(self.researchers),
            "research_groups": len(self.group_names),
            "group_memberships": self.membership_count,
            "notes": self.annotations.written,
            "notes_public": self.visibility_counts[Annotation.Visibility.PUBLIC],
            "notes_group": self.visibility_counts[Annotation.Visibility.GROUP],
            "notes_private": self.visibility_counts[Annotation.Visibility.PRIVATE],
            "note_revisions": self.revisions.written,
            "note_source_links": self.source_links.written,
        }
        return {
            "messages": self.total_messages,
            "seed": self.seed,
            "message_with_50_notes": self.fifty_notes_message,
            "busiest_thread": self.busiest_thread.external_id,
            "busiest_thread_messages": self.busiest_thread.length,
            "busy_sender": self.person_external_id[sender],
            "busy_sender_messages": sender_count,
            "common_word": words[common_index],
            "common_word_messages": common_count,
            "rare_word": words[rare_index],
            "rare_word_messages": rare_count,
            "phrase": " ".join(phrase),
            "phrase_messages": phrase_count,
            "accented_words": {word: self.word_messages[word] for _, word in ACCENTED_WORDS},
            "busy_month": f"{year:04d}-{month:02d}",
            "busy_month_messages": month_count,
            "date_range": [self.first_day.isoformat(), self.last_day.isoformat()]
            if self.first_day
            else None,
            "counts": counts,
        }


def _adjacent(token_parts, first, second):
    """True if word `first` is directly followed by word `second` in one of the parts."""
    return any(
        tokens[i] == first and tokens[i + 1] == second
        for tokens in token_parts
        for i in range(len(tokens) - 1)
    )
