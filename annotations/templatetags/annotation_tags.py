from django import template
from django.utils.safestring import mark_safe

from annotations.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(source):
    """Render a note's Markdown; the output is sanitised by nh3, so it is safe to mark safe."""
    return mark_safe(render_markdown(source))  # noqa: S308 - sanitised by nh3 just above


@register.filter
def editable_by(annotation, user):
    """{% if annotation|editable_by:user %}: the model's rule, never re-derived in a template."""
    return annotation.is_editable_by(user)
