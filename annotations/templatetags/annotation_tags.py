from django import template
from django.utils.safestring import mark_safe

from annotations.models import Annotation
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


@register.filter
def authored_by(annotation, user):
    """{% if annotation|authored_by:user %}: "your note" wording, from the model."""
    return annotation.is_authored_by(user)


@register.filter
def reportable_by(annotation, user):
    """{% if annotation|reportable_by:user %}: whom the "report" link is offered to."""
    return annotation.is_reportable_by(user)


@register.filter
def may_moderate_notes(user):
    """{% if user|may_moderate_notes %}: the admin's own permission for its moderation page."""
    return Annotation.may_moderate(user)
