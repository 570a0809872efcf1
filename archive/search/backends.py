"""Run a SearchQuery on the database in use: SQLite FTS5 or PostgreSQL full-text search.

Both backends answer the same three questions about a queryset of one searchable model (see
schema.py for the indexes): which rows match (`matching`), how well (`ranked`, higher is
better), and which words to show (`with_snippets`, the best passage with the matched words
between SNIPPET_START and SNIPPET_END; highlighting.py turns those into escaped HTML).
"""

from django.db import connection
from django.db.models import BooleanField, Exists, F, FloatField, Func, OuterRef, TextField, Value
from django.db.models.expressions import RawSQL

from archive.search.schema import POSTGRES_CONFIG

# Private-use characters mark the matched words inside a snippet; they are replaced by <mark>
# only after the snippet has been escaped.
SNIPPET_START = "\ue000"
SNIPPET_END = "\ue001"
SNIPPET_WORDS = 24
# A query that the index finds in at least this many rows is "common": see matching_in_order.
COMMON_MATCHES = 5_000


def _fts_table(model):
    return f"{model._meta.db_table}_fts"


class SQLiteBackend:
    """FTS5: each searchable model reaches its index row through its `search_entry` relation."""

    def matching(self, queryset, query):
        """Join the index: FTS5 yields the matching rows, in any order (rank them, or sort)."""
        return queryset.filter(search_entry__document__match=self.expression(query))

    def matching_in_order(self, queryset, query):
        """For a list read in its own index order (by date): a word found in few rows is looked
        up in the index and only those rows are sorted; a word found in many is checked row by
        row while the list's index is read in order, so a page stops after a page of matches."""
        expression = self.expression(query)
        if not self._is_common(queryset.model, expression):
            return self.matching(queryset, query)
        entries = queryset.model.search_entry.related.related_model.objects.filter(
            record=OuterRef("pk"), document__match=expression
        )
        return queryset.filter(Exists(entries))

    def latest_matches(self, queryset, query, limit):
        """Narrow to the `limit` most recently added matches (rowid order, read from the index
        alone): what relevance is ranked among when the matches are too many to rank them all."""
        cutoff = self._nth_latest(queryset.model, self.expression(query), limit)
        # On the index's own rowid, so that FTS5 reads only that range of its entries.
        return queryset if cutoff is None else queryset.filter(search_entry__pk__gte=cutoff)

    def _is_common(self, model, expression):
        fts = connection.ops.quote_name(_fts_table(model))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH %s LIMIT %s)",
                [expression, COMMON_MATCHES],
            )
            return cursor.fetchone()[0] >= COMMON_MATCHES

    def _nth_latest(self, model, expression, n):
        fts = connection.ops.quote_name(_fts_table(model))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s ORDER BY rowid DESC "
                "LIMIT 1 OFFSET %s",
                [expression, n - 1],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def ranked(self, queryset, query):
        # bm25() is lower for better matches; negate it so that both backends sort descending.
        score = Func(F("search_entry__document"), function="bm25", output_field=FloatField())
        return queryset.annotate(search_score=-score)

    def rows_by_id(self, model, ids, query):
        """The rows with these ids that match, through the index's own rowid (an index lookup
        per id, rather than a walk through every match)."""
        return model._base_manager.filter(
            search_entry__pk__in=ids, search_entry__document__match=self.expression(query)
        )

    def with_snippets(self, queryset, query):
        snippet = Func(
            F("search_entry__document"),
            Value(-1),
            Value(SNIPPET_START),
            Value(SNIPPET_END),
            Value("…"),
            Value(SNIPPET_WORDS),
            function="snippet",
            output_field=TextField(),
        )
        return queryset.annotate(search_snippet=snippet)

    @staticmethod
    def expression(query):
        """The FTS5 query string. Every term is a quoted string of letters and digits, so no
        input reaches FTS5's own syntax except the operators written here."""

        def term(t):
            return '"' + " ".join(t.pieces) + '"' + ("*" if t.prefix else "")

        groups = [
            term(g[0]) if len(g) == 1 else "(" + " OR ".join(term(t) for t in g) + ")"
            for g in query.groups
        ]
        text = " AND ".join(groups)
        for excluded in query.excluded:
            text += f" NOT {term(excluded)}"
        return text


class PostgresBackend:
    """A stored tsvector (`search_document`) on each searchable table, under a GIN index."""

    def matching(self, queryset, query):
        sql, params = self.tsquery(query)
        document = self._document(queryset)
        return queryset.filter(
            RawSQL(f"{document} @@ ({sql})", params, output_field=BooleanField())
        )

    # PostgreSQL's planner weighs the GIN index against the list's own index by statistics.
    matching_in_order = matching

    def rows_by_id(self, model, ids, query):
        return self.matching(model._base_manager.filter(pk__in=ids), query)

    def latest_matches(self, queryset, query, limit):
        sql, params = self.tsquery(query)
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE search_document @@ ({sql}) "
                "ORDER BY id DESC LIMIT 1 OFFSET %s",
                [*params, limit - 1],
            )
            row = cursor.fetchone()
        return queryset if row is None else queryset.filter(pk__gte=row[0])

    def ranked(self, queryset, query):
        sql, params = self.tsquery(query)
        document = self._document(queryset)
        return queryset.annotate(
            search_score=RawSQL(f"ts_rank({document}, ({sql}))", params, output_field=FloatField())
        )

    def with_snippets(self, queryset, query):
        sql, params = self.tsquery(query)
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        fields = queryset.model.search_fields
        text = "concat_ws(' … ', " + ", ".join(f"{table}.{f}" for f in fields) + ")"
        options = (
            f"StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords={SNIPPET_WORDS}, "
            'MinWords=8, MaxFragments=2, FragmentDelimiter=" … "'
        )
        return queryset.annotate(
            search_snippet=RawSQL(
                f"ts_headline('{POSTGRES_CONFIG}', {text}, ({sql}), %s)",
                [*params, options],
                output_field=TextField(),
            )
        )

    @staticmethod
    def _document(queryset):
        return f"{connection.ops.quote_name(queryset.model._meta.db_table)}.search_document"

    @staticmethod
    def tsquery(query):
        """SQL for the query's tsquery and its parameters: each term goes through the same
        text search configuration as the documents (unaccent, stemming)."""
        params = []

        def term(t):
            if t.prefix:
                params.append(" <-> ".join(t.pieces) + ":*")
                return f"to_tsquery('{POSTGRES_CONFIG}', %s)"
            params.append(" ".join(t.pieces))
            return f"phraseto_tsquery('{POSTGRES_CONFIG}', %s)"

        parts = ["(" + " || ".join(term(t) for t in group) + ")" for group in query.groups]
        parts += [f"!!{term(t)}" for t in query.excluded]
        return " && ".join(parts), params


def backend():
    """The backend for the default database."""
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"No full-text search for {connection.vendor}.")
