"""Collections: one archive site holds several bodies of correspondence (the WikiLeaks–Trump Jr.
direct messages are one; each import goes into one), each with its own page, figures,
introduction, licence and citation. A conversation and an event belong to one collection;
its messages follow their conversation. People and sources belong to whichever collections name
them.

Every list, search, timeline, feed, export and API list takes `?collection=<id>` to keep to one
(a filter, not a second URL tree: the records keep their one permalink, and a scoped list is the
same page with one more parameter, as every other filter is).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lib.markdown import render_markdown

DEFAULT_COLLECTION = "wikileaks-trump-jr"


class CollectionQuerySet(models.QuerySet):
    def public(self):
        """The collections a reader can open: those holding a published message or event."""
        from archive.models.events import Event
        from archive.models.messages import Message

        return self.filter(
            models.Exists(Message.objects.public().filter(thread__collection=models.OuterRef("pk")))
            | models.Exists(Event.objects.public().filter(collection=models.OuterRef("pk")))
        )

    def curated_by(self, user):
        """The collections a curator may curate: every one, unless they are named curators of
        some (then only those)."""
        return self.filter(curators=user) if is_limited_curator(user) else self.all()


def is_limited_curator(user):
    """Whether `user` curates only the collections naming them (Collection.curators)."""
    return not user.is_superuser and user.curated_collections.exists()


class Collection(models.Model):
    external_id = models.SlugField(
        max_length=80, unique=True, help_text="Its short name, in addresses: /c/<this>/."
    )
    title = models.CharField(max_length=300)
    introduction = models.TextField(blank=True, help_text="Markdown, shown on its page.")
    licence = models.CharField(
        max_length=300, blank=True, help_text="Under what terms readers may reuse it."
    )
    citation = models.TextField(blank=True, help_text="How to cite the collection as a whole.")
    position = models.PositiveIntegerField(default=0, help_text="Order on the home page.")
    curators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="curated_collections",
        help_text="Curators limited to this collection (and any other that names them); a "
        "curator named by none curates every collection.",
    )
    created = models.DateTimeField(default=timezone.now)
    noindex = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Ask search engines not to index its page (robots noindex; left out of the "
        "sitemap).",
    )

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title", "pk"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.external_id,)

    def get_absolute_url(self):
        return reverse("archive:collection_detail", args=[self.external_id])

    @property
    def introduction_html(self):
        return render_markdown(self.introduction)

    def public_messages(self):
        from archive.models.messages import Message

        return Message.objects.public().filter(thread__collection=self)

    def public_events(self):
        from archive.models.events import Event

        return Event.objects.public().filter(collection=self)

    def named(self, queryset):
        """The people or sources (`queryset`) its published messages or events name."""
        return queryset.named_in(self.public_messages(), self.public_events())


def default_collection():
    """The collection a conversation or an event belongs to when none is named: the site's
    first (made with the archive's title and introduction when there is none yet)."""
    # Only its key is read: a migration altering a field with this default calls it with the
    # table as it was then, without the columns added to Collection since.
    found = Collection.objects.filter(external_id=DEFAULT_COLLECTION).values_list("pk", flat=True)
    if found:
        return found[0]
    collection, _ = Collection.objects.get_or_create(
        external_id=DEFAULT_COLLECTION,
        defaults={"title": settings.ARCHIVE_TITLE, "introduction": settings.ARCHIVE_INTRO},
    )
    return collection.pk
