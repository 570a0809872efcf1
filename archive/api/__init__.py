"""The read-only JSON API under /api/: published records, the HTML lists' FilterSets, keyset
pages, JSON errors, and an OpenAPI 3.1 description at /api/openapi.json."""
