"""What the API says about each record. Ids are the records' external ids; every record links
to itself in the API (`url`) and to its page (`html_url`); dates keep their precision."""

from django.urls import reverse
from django.utils.duration import duration_iso_string
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive.models import (
    ATTESTATION_REFS,
    Account,
    Attestation,
    Authenticity,
    Collection,
    Discrepancy,
    Event,
    Message,
    Person,
    Source,
    dates,
)


def api_url(name):
    """The record's own address in the API, e.g. /api/messages/m01/."""
    return serializers.HyperlinkedIdentityField(
        view_name=f"api:{name}-detail",
        lookup_field="external_id",
        lookup_url_kwarg="external_id",
        help_text="This record in the API.",
    )


@extend_schema_field(OpenApiTypes.URI)
class HtmlUrlField(serializers.Field):
    """The record's permalink on the site."""

    def __init__(self, **kwargs):
        super().__init__(
            source="*", read_only=True, help_text="This record's page on the site.", **kwargs
        )

    def to_representation(self, record):
        return self.context["request"].build_absolute_uri(record.get_absolute_url())


@extend_schema_field(OpenApiTypes.STR)
class CollectionIdField(serializers.Field):
    """The id of the collection a record belongs to (`?collection=` on every list), read from
    one small map of the collections made once per answer: there are few collections and many
    records."""

    def __init__(self, source, **kwargs):
        super().__init__(
            source=source,
            read_only=True,
            help_text="The collection it belongs to (its id; `?collection=` keeps a list to it).",
            **kwargs,
        )

    def to_representation(self, collection_pk):
        context = self.context  # the whole answer's (the root serializer's)
        if "collection_ids" not in context:
            context["collection_ids"] = dict(Collection.objects.values_list("pk", "external_id"))
        return context["collection_ids"].get(collection_pk, "")


class Ref(serializers.Serializer):
    id = serializers.CharField(source="external_id", help_text="Stable id (the external id).")


class PersonRef(Ref):
    name = serializers.CharField()
    url = api_url("person")
    html_url = HtmlUrlField()


class MessageRef(Ref):
    url = api_url("message")
    html_url = HtmlUrlField()


class EventRef(Ref):
    title = serializers.CharField()
    url = api_url("event")
    html_url = HtmlUrlField()


class ThreadRef(Ref):
    title = serializers.CharField()
    url = api_url("thread")
    html_url = HtmlUrlField()


class SourceRef(Ref):
    publisher = serializers.CharField()
    title = serializers.CharField()
    url = api_url("source")
    html_url = HtmlUrlField()
    original_url = serializers.URLField(source="url", help_text="Where the source was published.")


class AccountSerializer(Ref):
    platform = serializers.ChoiceField(choices=Account.Platform.choices)
    handle = serializers.CharField(help_text="As attested, e.g. @wikileaks; empty if unknown.")


class AccountWithPerson(AccountSerializer):
    person = PersonRef()


class ReadingSerializer(serializers.Serializer):
    source = SourceRef()
    reading = serializers.CharField(help_text="What this source says.")
    is_preferred = serializers.BooleanField(help_text="The reading the record follows.")


class DiscrepancySerializer(Ref):
    field = serializers.ChoiceField(
        choices=Discrepancy.Field.choices, help_text="What the sources disagree about."
    )
    note = serializers.CharField(help_text="The curators' reading of the disagreement.")
    readings = ReadingSerializer(many=True)


DATE_PRECISIONS = ["day", "range", "on_or_after", "on_or_before", "unknown"]


class DatedSerializer(serializers.Serializer):
    """A day range as honest as the sources: equal ends for a known day, open or null ends for
    what no source settles."""

    date_earliest = serializers.DateField(
        allow_null=True, help_text="The earliest day it can be (ISO 8601); null if unknown."
    )
    date_latest = serializers.DateField(
        allow_null=True, help_text="The latest day it can be; null if unknown."
    )
    date_precision = serializers.SerializerMethodField(
        help_text="day: one known day; range: somewhere between the two days; on_or_after / "
        "on_or_before: one end known; unknown: no date."
    )
    date_display = serializers.CharField(help_text="The date as the site writes it.")
    time_note = serializers.CharField(help_text="What the sources state about the time.")
    last_corrected = serializers.DateTimeField(
        allow_null=True, help_text="When the curators last corrected the evidence, if ever."
    )

    @extend_schema_field(serializers.ChoiceField(choices=DATE_PRECISIONS))
    def get_date_precision(self, record):
        earliest, latest = record.date_earliest, record.date_latest
        if earliest is None and latest is None:
            return "unknown"
        if latest is None:
            return "on_or_after"
        if earliest is None:
            return "on_or_before"
        return "day" if earliest == latest else "range"


class MessageSerializer(Ref, DatedSerializer):
    url = api_url("message")
    html_url = HtmlUrlField()
    thread = ThreadRef()
    collection = CollectionIdField(source="thread.collection_id")
    position = serializers.IntegerField(help_text="Order in the conversation (1 = first).")
    channel = serializers.ChoiceField(choices=Message.Channel.choices)
    sender = AccountWithPerson()
    recipients = AccountWithPerson(many=True)
    sent_at = serializers.SerializerMethodField(
        help_text="The clock time a source attests (ISO 8601): with the stated zone's offset; "
        "when no zone is stated (sent_at_timezone_known false) the local clock time without "
        "an offset, which is not a UTC instant; null when no time is attested."
    )
    sent_at_timezone = serializers.SerializerMethodField(
        help_text="The zone the time was given in (IANA name or UTC offset); null if not stated."
    )
    sent_at_timezone_known = serializers.SerializerMethodField(
        help_text="Whether the zone of sent_at is known; false when the source states none."
    )
    sent_at_timezone_inferred = serializers.BooleanField(
        help_text="The zone is the curators' inference, not a source's statement."
    )
    time_display = serializers.SerializerMethodField(
        help_text="The time as the site writes it, or empty."
    )
    reported_delay = serializers.SerializerMethodField(
        help_text="A reply's delay as a source states it (ISO 8601 duration); null if none."
    )
    subject = serializers.CharField(help_text="An e-mail's subject; empty for other messages.")
    authenticity = serializers.SerializerMethodField(
        help_text='How the message is known to be authentic: "status" (confirmed, verified, '
        'corroborated, unverified, disputed), its "label", the "evidence" in words, and the '
        '"checks" made (DKIM: signature, domain, selector, result, where the key came from).'
    )
    mail_headers = serializers.SerializerMethodField(
        help_text='An e-mail\'s fields as its headers gave them: "from", "to", "cc" and "bcc" '
        '(lists of {"name", "address"}), "date" and "message_id"; null for other messages.'
    )
    text = serializers.CharField(
        help_text="The sender's words when text_status is verbatim or excerpt; when it is "
        "summary, our summary and not a quotation."
    )
    text_status = serializers.ChoiceField(choices=Message.TextStatus.choices)
    text_is_quotation = serializers.SerializerMethodField(
        help_text="Whether `text` may be quoted as the sender's words."
    )
    summary = serializers.CharField(help_text="The curators' summary; may be empty.")
    curator_note = serializers.CharField(
        help_text="Confidence and caveats: how well the sources establish this message."
    )
    links = serializers.SerializerMethodField(help_text="Links and attachment ids in it.")
    in_reply_to = serializers.SerializerMethodField(
        help_text="The published message it answers; null if none."
    )
    replies = MessageRef(many=True, help_text="Published replies to it.")
    events = EventRef(many=True, help_text="Published events it belongs to.")
    sources = SourceRef(many=True)
    discrepancies = DiscrepancySerializer(many=True, help_text="Where sources disagree on it.")
    note_count = serializers.IntegerField(
        source="annotation_count", help_text="Public notes on it."
    )

    # Not "date-time": a local time without an offset is not one (RFC 3339 asks for the offset).
    @extend_schema_field(
        {
            "type": ["string", "null"],
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$",
        }
    )
    def get_sent_at(self, message):
        return dates.clock_time_iso(message.sent_at, message.sent_at_timezone)

    @extend_schema_field(
        {
            "type": "object",
            "required": ["status", "label", "evidence", "checks"],
            "properties": {
                "status": {"type": "string", "enum": list(Authenticity.values)},
                "label": {"type": "string"},
                "evidence": {"type": "string"},
                "checks": {"type": "array", "items": {"type": "object"}},
            },
        }
    )
    def get_authenticity(self, message):
        return {
            "status": message.authenticity,
            "label": message.get_authenticity_display(),
            "evidence": message.authenticity_evidence,
            "checks": [
                {
                    "kind": "dkim",
                    "signature": check.signature,
                    "domain": check.domain,
                    "selector": check.selector,
                    "result": check.result,
                    "key_source": check.key_source,
                    "checked_at": check.checked_at,
                    "summary": check.summary,
                }
                for check in message.dkim_checks.all()
            ],
        }

    @extend_schema_field({"type": ["boolean", "null"]})
    def get_sent_at_timezone_known(self, message):
        return None if message.sent_at is None else bool(message.sent_at_timezone)

    @extend_schema_field(
        {
            "type": ["object", "null"],
            "properties": {
                **{
                    kind: {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "address": {"type": "string"},
                            },
                        },
                    }
                    for kind in ("from", "to", "cc", "bcc")
                },
                "date": {"type": "string"},
                "message_id": {"type": "string"},
            },
        }
    )
    def get_mail_headers(self, message):
        return message.mail_headers or None

    @extend_schema_field(OpenApiTypes.STR)
    def get_time_display(self, message):
        return message.time_display  # never fails: an unknown zone is shown as UTC

    @extend_schema_field({"type": ["string", "null"]})
    def get_sent_at_timezone(self, message):
        return message.sent_at_timezone or None

    @extend_schema_field({"type": ["string", "null"], "format": "duration"})
    def get_reported_delay(self, message):
        if message.reported_delay is None:
            return None
        return duration_iso_string(message.reported_delay)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_text_is_quotation(self, message):
        return message.text_status != Message.TextStatus.SUMMARY

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_links(self, message):
        return [str(link) for link in message.links or []]

    @extend_schema_field(MessageRef(allow_null=True))
    def get_in_reply_to(self, message):
        parent = message.in_reply_to
        if parent is None or not parent.is_published:
            return None
        return MessageRef(parent, context=self.context).data


class EventSerializer(Ref, DatedSerializer):
    url = api_url("event")
    html_url = HtmlUrlField()
    slug = serializers.CharField(help_text="The slug in its page's address; may change.")
    title = serializers.CharField()
    collection = CollectionIdField(source="collection_id")
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    authenticity = serializers.SerializerMethodField(
        help_text='How the event is known: "status", its "label" and the "evidence" in words.'
    )
    description = serializers.CharField()
    participants = PersonRef(many=True)
    messages = MessageRef(many=True, help_text="Published messages it concerns.")
    sources = SourceRef(many=True)
    discrepancies = DiscrepancySerializer(many=True)
    note_count = serializers.IntegerField(
        source="annotation_count", help_text="Public notes on it."
    )

    @extend_schema_field(
        {
            "type": "object",
            "required": ["status", "label", "evidence"],
            "properties": {
                "status": {"type": "string", "enum": list(Authenticity.values)},
                "label": {"type": "string"},
                "evidence": {"type": "string"},
            },
        }
    )
    def get_authenticity(self, event):
        return {
            "status": event.authenticity,
            "label": event.get_authenticity_display(),
            "evidence": event.authenticity_evidence,
        }


class PersonSerializer(Ref):
    url = api_url("person")
    html_url = HtmlUrlField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Person.Kind.choices)
    description = serializers.CharField()
    accounts = AccountSerializer(many=True)
    events = EventRef(many=True, help_text="Published events they took part in.")


class SourceSerializer(SourceRef):
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    archived_url = serializers.SerializerMethodField(
        help_text="An archived copy of the source; null if none is recorded."
    )
    date_text = serializers.CharField(help_text="The publication date exactly as known.")
    published_on = serializers.DateField(
        allow_null=True, help_text="The publication day, when known."
    )
    note = serializers.CharField()
    messages = serializers.SerializerMethodField(
        help_text=f"The first {ATTESTATION_REFS} published messages it attests, by id "
        "(message_count says how many there are; messages_url lists them all)."
    )
    message_count = serializers.SerializerMethodField(
        help_text="How many published messages it attests."
    )
    messages_url = serializers.SerializerMethodField(
        help_text="All the published messages it attests, in the API, oldest first."
    )
    events = serializers.SerializerMethodField(
        help_text=f"The first {ATTESTATION_REFS} published events it attests, by id."
    )
    event_count = serializers.SerializerMethodField(
        help_text="How many published events it attests."
    )

    @extend_schema_field({"type": ["string", "null"], "format": "uri"})
    def get_archived_url(self, source):
        return source.archived_url or None

    def _attests(self, source):
        return self.context["attestations"].get(source.pk, Attestation())

    def _ref(self, kind, external_id, page_url):
        request = self.context["request"]
        api = reverse(f"api:{kind}-detail", kwargs={"external_id": external_id})
        return {
            "id": external_id,
            "url": request.build_absolute_uri(api),
            "html_url": request.build_absolute_uri(page_url),
        }

    @extend_schema_field(MessageRef(many=True))
    def get_messages(self, source):
        return [
            self._ref("message", external_id, reverse("archive:message_detail", args=[external_id]))
            for _, external_id in self._attests(source).first_messages
        ]

    @extend_schema_field(EventRef(many=True))
    def get_events(self, source):
        return [
            {
                **self._ref("event", external_id, reverse("archive:event_detail", args=[slug])),
                "title": title,
            }
            for _, external_id, slug, title in self._attests(source).first_events
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_message_count(self, source):
        return self._attests(source).message_total

    @extend_schema_field(OpenApiTypes.INT)
    def get_event_count(self, source):
        return self._attests(source).event_total

    @extend_schema_field(OpenApiTypes.URI)
    def get_messages_url(self, source):
        request = self.context["request"]
        query = urlencode({"source": source.external_id, "sort": "oldest"})
        return request.build_absolute_uri(f"{reverse('api:message-list')}?{query}")


class ThreadSerializer(ThreadRef):
    collection = CollectionIdField(source="collection_id")
    description = serializers.CharField()
    participants = AccountWithPerson(many=True)
    message_count = serializers.IntegerField(help_text="Published messages in it.")
    messages_url = serializers.SerializerMethodField(
        help_text="Its published messages in the API, oldest first."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_messages_url(self, thread):
        request = self.context["request"]
        query = urlencode({"thread": thread.external_id, "sort": "oldest"})
        return request.build_absolute_uri(f"{reverse('api:message-list')}?{query}")


class CollectionSerializer(Ref):
    title = serializers.CharField()
    url = serializers.HyperlinkedIdentityField(
        view_name="api:collection-detail",
        lookup_field="external_id",
        lookup_url_kwarg="external_id",
        help_text="This collection in the API.",
    )
    html_url = HtmlUrlField()
    introduction = serializers.CharField(help_text="Its introduction, in Markdown.")
    licence = serializers.CharField(help_text="Under what terms readers may reuse it.")
    citation = serializers.CharField(help_text="How to cite the collection as a whole.")
    lists = serializers.SerializerMethodField(help_text="The API's lists kept to this collection.")

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_lists(self, collection):
        request = self.context["request"]
        query = urlencode({"collection": collection.external_id})
        return {
            name: request.build_absolute_uri(f"{reverse(f'api:{basename}-list')}?{query}")
            for name, basename in (
                ("messages", "message"),
                ("threads", "thread"),
                ("events", "event"),
                ("people", "person"),
                ("sources", "source"),
            )
        }
