import json

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import validate_slug
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from .models import Annotation, normalise_tag

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def authors_visible_to_reader(request):
    """The author choices: people with a note this reader may see (the list's own rule), so the
    dropdown never names the author of a note the list would hide."""
    user = getattr(request, "user", None)
    notes = Annotation.objects.visible_to(user).filter(author=OuterRef("pk"))
    return get_user_model().objects.filter(Exists(notes)).order_by("username")


class AnnotationFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="filter_tag", label="Tag", max_length=40)
    motivation = django_filters.ChoiceFilter(choices=Annotation.Motivation.choices)
    author = django_filters.ModelChoiceFilter(
        queryset=authors_visible_to_reader,
        to_field_name="username",
        empty_label="Anyone",
    )
    target = django_filters.ChoiceFilter(
        choices=[("message", "Messages"), ("event", "Events")],
        method="filter_target",
        label="On",
    )
    created_after = django_filters.DateFilter(
        field_name="created", lookup_expr="date__gte", label="From", widget=DATE_WIDGET
    )
    created_before = django_filters.DateFilter(
        field_name="created", lookup_expr="date__lte", label="To", widget=DATE_WIDGET
    )

    # Notes on one collection's records (archive/models/collections.py): by its id, a slug.
    collection = django_filters.CharFilter(
        method="filter_collection",
        label="Collection",
        max_length=80,
        validators=[validate_slug],
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Annotation
        fields = [
            "tag",
            "motivation",
            "author",
            "target",
            "created_after",
            "created_before",
            "collection",
        ]

    def filter_collection(self, queryset, name, value):
        return queryset.filter(
            Q(message__thread__collection__external_id=value)
            | Q(event__collection__external_id=value)
        )

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tag_condition(value))

    def filter_target(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})


def tag_condition(value):
    """Notes tagged `value`: tags are stored normalised in a JSON list; read it the same way."""
    tag = normalise_tag(value)
    if connection.features.supports_json_field_contains:
        return Q(tags__contains=[tag])
    # SQLite: match the list's JSON text, written as the JSON field writes it (ASCII escapes).
    return Q(tags__icontains=json.dumps(tag))
