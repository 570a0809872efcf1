"""The sitemap: every public page a search engine may index.

Public means what the pages show: published messages and events, conversations holding a
published message, and the people and sources `public()` lets readers look up (never a name that
only an import waiting for review carries). A sitemap file holds at most 50,000 addresses; ours
hold 10,000, so a large archive's /sitemap.xml is an index of files (`/sitemap-messages.xml?p=2`
…) while a small one's is a single file.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.urls import reverse

from archive.models import Event, Message, Person, Source, Thread
from lib.caching import cached_figures

URLS_PER_FILE = 10_000


class ArchiveSitemap(Sitemap):
    limit = URLS_PER_FILE


class StaticPagesSitemap(ArchiveSitemap):
    def items(self):
        return [
            "home",
            "archive:message_list",
            "archive:timeline",
            "archive:person_list",
            "archive:source_list",
        ]

    def location(self, item):
        return reverse(item)


class MessageSitemap(ArchiveSitemap):
    def items(self):
        return (
            Message.objects.public()
            .exclude(noindex=True)
            .exclude(import_batch__noindex=True)
            .exclude(thread__collection__noindex=True)
            .only("external_id")
            .order_by("external_id")
        )


class EventSitemap(ArchiveSitemap):
    def items(self):
        return (
            Event.objects.public()
            .exclude(noindex=True)
            .exclude(collection__noindex=True)
            .only("slug")
            .order_by("external_id")
        )


class ThreadSitemap(ArchiveSitemap):
    def items(self):
        return Thread.objects.public().only("external_id").order_by("external_id")


class PersonSitemap(ArchiveSitemap):
    def items(self):
        return Person.objects.public().only("external_id").order_by("external_id")


class SourceSitemap(ArchiveSitemap):
    def items(self):
        return Source.objects.public().only("external_id").order_by("external_id")


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "messages": MessageSitemap,
    "events": EventSitemap,
    "threads": ThreadSitemap,
    "people": PersonSitemap,
    "sources": SourceSitemap,
}


def _needs_index():
    return any(section().paginator.num_pages > 1 for section in SITEMAPS.values())


def sitemap(request):
    """/sitemap.xml: one file while every section fits in one, an index of files otherwise."""
    if cached_figures("sitemap-needs-index", _needs_index):
        return sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap_section")
    return sitemap_views.sitemap(request, SITEMAPS)


def sitemap_section(request, section):
    """/sitemap-<section>.xml?p=N: one file of the index."""
    return sitemap_views.sitemap(request, SITEMAPS, section=section)
