"""Cursor pages for the API, read by the HTML lists' keyset paginator (lib/keyset.py)."""

from django.utils.http import urlencode
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from lib.keyset import MAX_CURSOR_LENGTH, KeysetPaginator

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class KeysetCursorPagination(BasePagination):
    """`?cursor=` (opaque, from a `next` or `previous` link) and `?page_size=` (1–200).

    Unlike the HTML lists, which show the first page for a cursor they cannot read, the API
    refuses it with a 400: a script following links should learn that its cursor is wrong."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.page_size(request)
        cursor = request.query_params.get(self.cursor_query_param) or None
        self.page = KeysetPaginator(queryset, page_size).page(cursor)
        if self.page.cursor_was_invalid:
            raise ValidationError(
                {self.cursor_query_param: ["This cursor is not one of ours: follow a page link."]}
            )
        return list(self.page.object_list)

    def page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return DEFAULT_PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return size

    def link(self, cursor):
        if cursor is None:
            return None
        params = self.request.query_params.copy()
        params[self.cursor_query_param] = cursor
        path = self.request.build_absolute_uri(self.request.path)
        return f"{path}?{urlencode(sorted(params.lists()), doseq=True)}"

    def get_paginated_response(self, data):
        next_url = self.link(self.page.next_cursor)
        previous_url = self.link(self.page.previous_cursor)
        response = Response({"next": next_url, "previous": previous_url, "results": data})
        pairs = (("next", next_url), ("prev", previous_url))
        links = [f'<{url}>; rel="{rel}"' for rel, url in pairs if url]
        if links:
            response["Link"] = ", ".join(links)
        return response

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, or null on the last."},
                "previous": {**link, "description": "The previous page, or null on the first."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Where the page starts: copy it from a `next` or `previous` link.",
                "schema": {"type": "string", "maxLength": MAX_CURSOR_LENGTH},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Records per page (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
