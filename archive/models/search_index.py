"""The full-text index rows of each searchable kind (archive/search/)."""

from archive.models.events import Event
from archive.models.messages import Message
from archive.models.people import Person
from archive.models.sources import Source
from archive.search.fields import FullTextColumn, SearchEntry, search_entry


# The full-text index of each searchable record (archive/search/): unmanaged, since the
# migrations make them on SQLite only, as FTS5 tables kept in step by triggers.
class MessageSearchEntry(SearchEntry):
    record = search_entry(Message)
    document = FullTextColumn(db_column="archive_message_fts")

    class Meta(SearchEntry.Meta):
        db_table = "archive_message_fts"


class EventSearchEntry(SearchEntry):
    record = search_entry(Event)
    document = FullTextColumn(db_column="archive_event_fts")

    class Meta(SearchEntry.Meta):
        db_table = "archive_event_fts"


class PersonSearchEntry(SearchEntry):
    record = search_entry(Person)
    document = FullTextColumn(db_column="archive_person_fts")

    class Meta(SearchEntry.Meta):
        db_table = "archive_person_fts"


class SourceSearchEntry(SearchEntry):
    record = search_entry(Source)
    document = FullTextColumn(db_column="archive_source_fts")

    class Meta(SearchEntry.Meta):
        db_table = "archive_source_fts"
