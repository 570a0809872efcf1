"""The notes' full-text index rows."""

from archive.search.fields import FullTextColumn, SearchEntry, search_entry

from .annotation import Annotation


class AnnotationSearchEntry(SearchEntry):
    """The note's row in its full-text index (archive/search/): SQLite only, unmanaged."""

    record = search_entry(Annotation)
    document = FullTextColumn(db_column="annotations_annotation_fts")

    class Meta(SearchEntry.Meta):
        db_table = "annotations_annotation_fts"
