"""The public pages, one module per kind of page, with the notes section every record page composes
(notes.py), the feeds and the sitemap."""
