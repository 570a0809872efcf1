"""FilterSets for the public lists. Views scope the queryset first; these only narrow it."""

import hashlib

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

# The messages list's "Notes" filter composes the annotations app's visibility rule. annotations
# depends on archive's models only (never on this module), so importing it here is not circular.
from annotations.filters import tag_condition
from annotations.models import MAX_TAG_LENGTH, Annotation, annotated_messages_subquery
from archive.models import Authenticity, Collection, Event, Message, Person, Source, Thread
from archive.search import query as search_query
from archive.search import results as search_results
from lib.caching import cached_figures

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def searchable(value):
    """Validator for a words filter: the search box's language, or the reason it cannot be read."""
    try:
        search_query.parse(value)
    except search_query.QueryError as error:
        raise ValidationError(str(error), code="query") from None


def found_by(queryset, value, in_order=True):
    """Narrow to the records the site's search finds for `value` (archive/search/); `in_order`:
    for reading a page in the list's date order (see SQLiteBackend.matching_in_order)."""
    return search_results.matching(queryset, search_query.parse(value), in_order=in_order)


def words_filter(label):
    return django_filters.CharFilter(
        method="filter_words",
        label=label,
        max_length=search_query.MAX_LENGTH,
        validators=[searchable],
        widget=forms.TextInput(attrs={"type": "search"}),
    )


# A dropdown of every choice reads well for a few dozen; past this many it is a long wait to
# render and a long list to scroll (a large archive has tens of thousands of conversations):
# the field becomes a box for the record's id.
MAX_DROPDOWN_CHOICES = 200


def type_ids_when_many(filterset, names):
    """Turn each named ModelChoiceFilter into a text box when it has too many choices to list."""
    for name in names:
        choices = filterset.filters[name].extra["queryset"]
        if callable(choices):
            continue
        # Keyed by the choices' own SQL, so two filters offering the same choices share it.
        digest = hashlib.sha256(str(choices.query).encode()).hexdigest()
        many = cached_figures(
            f"choices-many:{digest}",
            lambda choices=choices: (
                choices.order_by()[: MAX_DROPDOWN_CHOICES + 1].count() > MAX_DROPDOWN_CHOICES
            ),
        )
        if many:
            filterset.filters[name].extra["widget"] = forms.TextInput(
                attrs={"placeholder": "its id, from its page's address"}
            )


@extend_schema_field(OpenApiTypes.STR)
class RecordChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice of one record, given by its external id (the API describes it as a string)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field_name="external_id", **kwargs)


def collection_filter(field_name=None, method=None):
    """`?collection=<id>`: keep to one collection (archive/models/collections.py)."""
    return RecordChoiceFilter(
        queryset=Collection.objects.all(),
        field_name=field_name,
        method=method,
        label="Collection",
        empty_label="Any",
    )


class DateRangeForm(forms.Form):
    """A filter form whose `date_from` must not come after its `date_to`."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class MessageFilter(django_filters.FilterSet):
    # Pages are read in date order; MessageCountFilter finds the same rows to count them.
    words_in_order = True

    q = words_filter("Words in text or summary")
    collection = collection_filter("thread__collection")
    sender = RecordChoiceFilter(
        method="filter_sender",
        empty_label="Any",
        # Choices are scoped like the list (published messages): no sender of withdrawn ones.
        queryset=Person.objects.senders_of(Message.objects.public()).order_by("name"),
        label="Sender",
    )
    recipient = RecordChoiceFilter(
        method="filter_recipient",
        empty_label="Any",
        queryset=Person.objects.recipients_of(Message.objects.public()).order_by("name"),
        label="Recipient",
    )
    channel = django_filters.ChoiceFilter(choices=Message.Channel.choices, label="Channel")
    authenticity = django_filters.ChoiceFilter(
        choices=Authenticity.choices, label="Authenticity", empty_label="Any"
    )
    thread = RecordChoiceFilter(
        queryset=Thread.objects.public(),
        label="Conversation",
        empty_label="Any",
    )
    source = RecordChoiceFilter(
        field_name="sources",
        # Every source readers can look up (its page links here), even one that attests no
        # published message: the answer is then an empty list, not an error.
        queryset=Source.objects.public().order_by("publisher", "title"),
        label="Attested by source",
        empty_label="Any",
    )
    date_from = django_filters.DateFilter(
        field_name="date_earliest", lookup_expr="gte", label="From", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        field_name="date_earliest", lookup_expr="lte", label="To", widget=DATE_WIDGET
    )
    answered = django_filters.ChoiceFilter(
        choices=[("yes", "Answered"), ("no", "Unanswered")],
        method="filter_answered",
        label="Answered?",
    )
    reply = django_filters.ChoiceFilter(
        choices=[("yes", "Replies only"), ("no", "Not replies")],
        method="filter_reply",
        label="Is a reply?",
    )
    text_status = django_filters.ChoiceFilter(
        choices=Message.TextStatus.choices, label="Text status"
    )
    annotated = django_filters.ChoiceFilter(
        choices=[("yes", "With notes"), ("no", "Without notes")],
        method="filter_annotated",
        label="Notes",
    )
    tag = django_filters.CharFilter(
        method="filter_note_tag", label="Note tag", max_length=MAX_TAG_LENGTH
    )
    sort = django_filters.ChoiceFilter(
        choices=[("newest", "Newest first"), ("oldest", "Oldest first")],
        method="sort_messages",
        label="Sort",
        empty_label=None,
    )

    class Meta:
        model = Message
        fields = [
            "q",
            "sender",
            "recipient",
            "channel",
            "thread",
            "source",
            "date_from",
            "date_to",
            "answered",
            "reply",
            "text_status",
            "authenticity",
            "sort",
        ]
        form = DateRangeForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        type_ids_when_many(self, ["sender", "recipient", "thread", "source"])

    def filter_words(self, queryset, name, value):
        return found_by(queryset, value, in_order=self.words_in_order)

    def filter_sender(self, queryset, name, person):
        return queryset.sent_by(person)

    def filter_recipient(self, queryset, name, person):
        return queryset.received_by(person)

    def filter_answered(self, queryset, name, value):
        return queryset.answered() if value == "yes" else queryset.unanswered()

    def filter_reply(self, queryset, name, value):
        return queryset.filter(in_reply_to__isnull=(value == "no"))

    def filter_annotated(self, queryset, name, value):
        # Only notes this reader may see count (the annotations app's visibility rule).
        has_notes = annotated_messages_subquery(getattr(self.request, "user", None))
        return queryset.filter(has_notes) if value == "yes" else queryset.exclude(has_notes)

    def filter_note_tag(self, queryset, name, value):
        # Messages with a note so tagged that this reader may see (the same rule as the notes).
        user = getattr(self.request, "user", None)
        tagged = Annotation.objects.visible_to(user).filter(
            tag_condition(value), message=OuterRef("pk")
        )
        return queryset.filter(Exists(tagged))

    def sort_messages(self, queryset, name, value):
        return queryset.chronological() if value == "oldest" else queryset.newest_first()


class MessageCountFilter(MessageFilter):
    """The same rows as MessageFilter, found for counting rather than for reading in order: a
    common word is then looked up in the full-text index (a few ms for 10,000 matches) instead
    of being checked row by row along the date index (fast for a page, slow for a count)."""

    words_in_order = False


class YearFilter(django_filters.NumberFilter):
    """A whole year that a date can hold: 2016, never 2016.5, 0 or 10**20."""

    field_class = forms.IntegerField


# The timeline reads one URL into two FilterSets (messages and events) with the same fields.
TIMELINE_KINDS = [("messages", "Messages"), ("events", "Events")]


class TimelineFilter(django_filters.FilterSet):
    """The timeline's fields; a subclass per model says how `person` and `kind` apply to it."""

    shows_kind = None
    # Fields that say where reading starts rather than which records match.
    positions = ("start",)

    q = words_filter("Words")
    year = YearFilter(field_name="date_earliest__year", label="Year", min_value=1, max_value=9999)
    # Where the page begins (the timeline view pages from it by keyset), not a filter: earlier
    # and undated records stay in the chronology, a link away.
    start = django_filters.DateFilter(
        field_name="date_earliest", method="reading_position", label="From", widget=DATE_WIDGET
    )
    kind = django_filters.ChoiceFilter(choices=TIMELINE_KINDS, method="filter_kind", label="Show")
    person = RecordChoiceFilter(
        queryset=Person.objects.public(),
        method="filter_person",
        label="Person",
    )
    collection = collection_filter(method="filter_collection")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        type_ids_when_many(self, ["person"])

    def filter_kind(self, queryset, name, value):
        return queryset if value == self.shows_kind else queryset.none()

    def reading_position(self, queryset, name, value):
        return queryset

    def filter_words(self, queryset, name, value):
        return found_by(queryset, value)


class TimelineMessageFilter(TimelineFilter):
    shows_kind = "messages"

    class Meta:
        model = Message
        fields = ["q", "year", "start", "kind", "person", "collection"]

    def filter_person(self, queryset, name, person):
        return queryset.sent_by(person) | queryset.received_by(person)

    def filter_collection(self, queryset, name, collection):
        return queryset.filter(thread__collection=collection)


class TimelineEventFilter(TimelineFilter):
    shows_kind = "events"

    class Meta:
        model = Event
        fields = ["q", "year", "start", "kind", "person", "collection"]

    def filter_collection(self, queryset, name, collection):
        return queryset.filter(collection=collection)

    def filter_person(self, queryset, name, person):
        participants = Event.participants.through.objects.filter(
            event=OuterRef("pk"), person=person
        )
        return queryset.filter(Exists(participants))


# The lists the API adds (archive/api/): events, people, sources and conversations. Each view
# scopes its queryset (published events; people and sources as their pages show them) first.


def date_range_filters():
    return (
        django_filters.DateFilter(
            field_name="date_earliest", lookup_expr="gte", label="From", widget=DATE_WIDGET
        ),
        django_filters.DateFilter(
            field_name="date_earliest", lookup_expr="lte", label="To", widget=DATE_WIDGET
        ),
    )


class EventFilter(django_filters.FilterSet):
    q = words_filter("Words in title or description")
    kind = django_filters.ChoiceFilter(choices=Event.Kind.choices, label="Kind")
    authenticity = django_filters.ChoiceFilter(
        choices=Authenticity.choices, label="Authenticity", empty_label="Any"
    )
    person = RecordChoiceFilter(
        # Scoped like the list: people taking part in a published event.
        queryset=Person.objects.filter(
            Exists(Event.objects.public().filter(participants=OuterRef("pk")))
        ),
        method="filter_person",
        label="Participant",
    )
    collection = collection_filter("collection")
    date_from, date_to = date_range_filters()

    class Meta:
        model = Event
        fields = ["q", "kind", "authenticity", "person", "collection", "date_from", "date_to"]
        form = DateRangeForm

    def filter_words(self, queryset, name, value):
        return found_by(queryset, value)

    def filter_person(self, queryset, name, person):
        participants = Event.participants.through.objects.filter(
            event=OuterRef("pk"), person=person
        )
        return queryset.filter(Exists(participants))


class PersonFilter(django_filters.FilterSet):
    """The people list, its export and the API: words in name or description, and kind."""

    q = words_filter("Words in name or description")
    kind = django_filters.ChoiceFilter(choices=Person.Kind.choices, label="Kind")
    collection = collection_filter(method="filter_collection")

    class Meta:
        model = Person
        fields = ["q", "kind", "collection"]

    def filter_collection(self, queryset, name, collection):
        return collection.named(queryset)

    def filter_words(self, queryset, name, value):
        return found_by(queryset, value, in_order=False)


class SourceFilter(django_filters.FilterSet):
    q = words_filter("Words in title, publisher or note")
    kind = django_filters.ChoiceFilter(choices=Source.Kind.choices, label="Kind")
    publisher = django_filters.CharFilter(label="Publisher (exactly as written)", max_length=300)
    collection = collection_filter(method="filter_collection")

    class Meta:
        model = Source
        fields = ["q", "kind", "publisher", "collection"]

    def filter_collection(self, queryset, name, collection):
        return collection.named(queryset)

    def filter_words(self, queryset, name, value):
        return found_by(queryset, value, in_order=False)


class ThreadFilter(django_filters.FilterSet):
    person = RecordChoiceFilter(
        queryset=Person.objects.filter(
            Exists(
                Thread.participants.through.objects.filter(
                    account__person=OuterRef("pk"),
                    thread__in=Thread.objects.public(),
                )
            )
        ),
        method="filter_person",
        label="Participant",
    )

    collection = collection_filter("collection")

    class Meta:
        model = Thread
        fields = ["person", "collection"]

    def filter_person(self, queryset, name, person):
        taking_part = Thread.participants.through.objects.filter(
            thread=OuterRef("pk"), account__person=person
        )
        return queryset.filter(Exists(taking_part))
