from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Event, Message, Person, Source, Thread


class StaticPagesSitemap(Sitemap):
    def items(self):
        return ["home", "archive:message_list", "archive:timeline", "archive:source_list"]

    def location(self, item):
        return reverse(item)


class MessageSitemap(Sitemap):
    def items(self):
        return Message.objects.published().only("external_id").order_by("external_id")


class EventSitemap(Sitemap):
    def items(self):
        return Event.objects.published().only("slug").order_by("external_id")


class RecordSitemap(Sitemap):
    model = None

    def items(self):
        return self.model.objects.only("external_id").order_by("external_id")


class ThreadSitemap(RecordSitemap):
    model = Thread


class PersonSitemap(RecordSitemap):
    model = Person


class SourceSitemap(RecordSitemap):
    model = Source


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "messages": MessageSitemap,
    "events": EventSitemap,
    "threads": ThreadSitemap,
    "people": PersonSitemap,
    "sources": SourceSitemap,
}
