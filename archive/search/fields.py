"""The ORM's view of an SQLite FTS5 index table (schema.py): enough to join it and MATCH it."""

from django.db import models


class FullTextColumn(models.TextField):
    """The hidden column that bears an FTS5 table's own name: the left side of MATCH, and the
    first argument of its ranking and snippet functions."""


@FullTextColumn.register_lookup
class FullTextMatch(models.Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


def search_entry(model):
    """The one-to-one from an FTS5 index row (its rowid) to the record it indexes."""
    return models.OneToOneField(
        model,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="search_entry",
        db_constraint=False,
    )


class SearchEntry(models.Model):
    """A row of an FTS5 index (unmanaged: the migrations make the table on SQLite only).
    Subclasses add `record = search_entry(Model)` and `document = FullTextColumn(...)`."""

    class Meta:
        abstract = True
        managed = False

    def __str__(self):
        return f"search index entry of {self.record}"
