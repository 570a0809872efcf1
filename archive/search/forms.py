from django import forms

from archive.models import Event, Message
from archive.search.query import MAX_LENGTH, QueryError, parse
from archive.search.results import KINDS

SORTS = [("relevance", "Best match"), ("newest", "Newest first"), ("oldest", "Oldest first")]


def _optional(choices, label):
    return forms.ChoiceField(choices=[("", "Any"), *choices], required=False, label=label)


class SearchForm(forms.Form):
    """/search/'s parameters: the query, which kind of record, facet choices, order, page."""

    q = forms.CharField(
        required=False,
        max_length=MAX_LENGTH,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(
        choices=[("", "All"), *[(k.slug, k.label) for k in KINDS]], required=False
    )
    sort = forms.ChoiceField(choices=SORTS, required=False, label="Sort")
    sender = forms.SlugField(required=False, max_length=80)
    channel = _optional(Message.Channel.choices, "Channel")
    status = _optional(Message.TextStatus.choices, "Text status")
    type = _optional(Event.Kind.choices, "Kind of event")
    year = forms.IntegerField(required=False, min_value=1, max_value=9999)
    tag = forms.CharField(required=False, max_length=40)
    collection = forms.SlugField(required=False, max_length=80)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6)
    cursor = forms.CharField(required=False, max_length=300)

    def clean_q(self):
        text = self.cleaned_data["q"]
        try:
            self.query = parse(text)
        except QueryError as error:
            raise forms.ValidationError(str(error), code="query") from None
        return text

    def clean(self):
        cleaned = super().clean()
        query = getattr(self, "query", None)
        if not cleaned.get("sort"):
            cleaned["sort"] = "relevance" if query and query.has_words else "oldest"
        if cleaned["sort"] == "relevance" and query and not query.has_words:
            cleaned["sort"] = "oldest"
        return cleaned
