"""The curators' admin: the records (with edit-conflict checks and link-rot columns) and the
imports (batches, uploads, attachments, merging accounts). Importing the modules registers them."""

from archive.admin import (  # noqa: F401
    authenticity,
    collections,
    imports,
    personal_data,
    records,
    requests,
    withholdings,
)
