"""Markdown notes to safe HTML: the shared renderer (lib/markdown.py), as notes have used it."""

from lib.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

__all__ = ["ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "render_markdown"]
