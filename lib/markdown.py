"""Markdown to safe HTML (notes, a collection's introduction): markdown-it-py with raw HTML off,
then nh3 sanitising again."""

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

_markdown = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False}
).disable("image")


def render_markdown(source, headings_from=3):
    """Safe HTML of Markdown; its headings start at h<headings_from> (h3 in a note, whose page
    has its own h1 and h2; a page of its own may start at h2)."""
    html = _markdown.render(source or "")
    tags = ALLOWED_TAGS | {f"h{level}" for level in range(headings_from, 7)}
    return nh3.clean(
        html,
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
