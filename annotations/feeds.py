"""Atom feeds of public notes: all of them, on one record, with one tag, by one author.

Every feed is for anyone, so it holds only what an anonymous reader may see
(`Annotation.objects.visible_to(AnonymousUser())`): never a private, group, hidden or deleted
note, nor one on a withdrawn record. A feed about something the public cannot see — a withdrawn
or unknown record, a tag or an author with no public note — is a 404, so a feed never tells that
a username exists.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from archive.models import Event, Message
from archive.models.slugs import external_ids_in_slug

from .filters import tag_condition
from .models import MAX_TAG_LENGTH, Annotation, normalise_tag
from .rendering import render_markdown

FEED_ITEMS = 50


def public_notes():
    """The notes an anonymous reader may see: the one visibility rule, for everyone's feeds."""
    return Annotation.objects.visible_to(AnonymousUser())


def author_name(user):
    """The name the pages show for a note's author."""
    return user.get_full_name() or user.get_username()


class PublicNotesFeed(Feed):
    """All public notes, newest first (the subclasses narrow them)."""

    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs):
        return None

    def notes(self, obj):
        return public_notes()

    def items(self, obj):
        return (
            self.notes(obj)
            .select_related("author", "message", "event")
            .order_by("-created", "-pk")[:FEED_ITEMS]
        )

    def title(self, obj):
        return f"Public notes · {settings.ARCHIVE_NAME}"

    def subtitle(self, obj):
        return f"The newest public notes on {settings.ARCHIVE_TITLE}."

    def link(self, obj):
        return reverse("annotations:list")

    def feed_url(self, obj):
        return reverse("annotations:feed")

    def feed_guid(self, obj):
        # The feed's own address on the archive's public site, whatever host it was asked on.
        return settings.SITE_URL + self.feed_url(obj)

    def item_title(self, note):
        return (
            f"{author_name(note.author)} on {note.target_label} ({note.get_motivation_display()})"
        )

    def item_description(self, note):
        # The body as the pages show it: Markdown rendered with raw HTML off, sanitised by nh3.
        body = mark_safe(render_markdown(note.body))  # noqa: S308 - sanitised by nh3
        if not note.quote_exact:
            return body
        on = "On these words of our summary" if note.quotes_summary else "On the words"
        return format_html("<p>{}: “{}”</p>{}", on, note.quote_exact, body)

    def item_link(self, note):
        return note.get_absolute_url()

    def item_guid(self, note):
        # The note's W3C identity (its canonical IRI), the same in every copy and export of it.
        return f"urn:uuid:{note.uuid}"

    def item_author_name(self, note):
        return author_name(note.author)

    def item_pubdate(self, note):
        return note.created

    def item_updateddate(self, note):
        return note.modified

    def item_categories(self, note):
        return note.tags


class RecordNotesFeed(PublicNotesFeed):
    """The public notes on one published message or event."""

    def notes(self, record):
        return public_notes().filter(**{record._meta.model_name: record})

    def title(self, record):
        return f"Public notes on {record._meta.verbose_name} {record.external_id} · " + (
            settings.ARCHIVE_NAME
        )

    def subtitle(self, record):
        return str(record)

    def link(self, record):
        return record.get_absolute_url() + "#notes"


class MessageNotesFeed(RecordNotesFeed):
    def get_object(self, request, external_id):
        messages = Message.objects.public().select_related("sender__person")
        return get_object_or_404(messages, external_id=external_id)

    def feed_url(self, message):
        return reverse("annotations:message_feed", args=[message.external_id])


class EventNotesFeed(RecordNotesFeed):
    def get_object(self, request, slug):
        events = Event.objects.public()
        event = events.filter(slug=slug).first()
        if event is None:
            # An old slug (the title changed) or the bare external id still finds the event, as
            # its page does: a subscription outlives a corrected title.
            candidates = external_ids_in_slug(slug)
            event = events.filter(external_id__in=candidates).order_by(Length("external_id").desc())
            event = event.first()
        if event is None:
            raise Http404("No such event.")
        return event

    def feed_url(self, event):
        return reverse("annotations:event_feed", args=[event.slug])


class TagNotesFeed(PublicNotesFeed):
    """The public notes with one tag; a tag no public note has is a 404."""

    def get_object(self, request, tag):
        tag = normalise_tag(tag)
        if not tag or len(tag) > MAX_TAG_LENGTH:
            raise Http404("No public note has this tag.")
        if not public_notes().filter(tag_condition(tag)).exists():
            raise Http404("No public note has this tag.")
        return tag

    def notes(self, tag):
        return public_notes().filter(tag_condition(tag))

    def title(self, tag):
        return f"Public notes tagged {tag} · {settings.ARCHIVE_NAME}"

    def subtitle(self, tag):
        return f"The newest public notes tagged {tag}."

    def link(self, tag):
        return reverse("annotations:list") + "?" + urlencode({"tag": tag})

    def feed_url(self, tag):
        return reverse("annotations:tag_feed", args=[tag])


class AuthorNotesFeed(PublicNotesFeed):
    """One author's public notes; an unknown user, or one with no public note, is a 404."""

    def get_object(self, request, username):
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            raise Http404("No such author.") from None
        authors = get_user_model().objects.filter(
            Exists(public_notes().filter(author=OuterRef("pk")))
        )
        return get_object_or_404(authors, username=username)

    def notes(self, author):
        return public_notes().filter(author=author)

    def title(self, author):
        return f"Public notes by {author_name(author)} · {settings.ARCHIVE_NAME}"

    def subtitle(self, author):
        return f"The newest public notes by {author_name(author)}."

    def link(self, author):
        return reverse("annotations:list") + "?" + urlencode({"author": author.get_username()})

    def feed_url(self, author):
        return reverse("annotations:author_feed", args=[author.get_username()])


def feed_for_list(annotation_filter):
    """The feed that matches the notes list as filtered: by its tag, else its author, else all."""
    data = getattr(annotation_filter.form, "cleaned_data", {})
    tag = normalise_tag(data.get("tag") or "")
    if tag and len(tag) <= MAX_TAG_LENGTH:
        return {
            "url": reverse("annotations:tag_feed", args=[tag]),
            "title": f"Public notes tagged {tag}",
        }
    author = data.get("author")
    if author is not None:
        return {
            "url": reverse("annotations:author_feed", args=[author.get_username()]),
            "title": f"Public notes by {author_name(author)}",
        }
    return {"url": reverse("annotations:feed"), "title": "Public notes"}
