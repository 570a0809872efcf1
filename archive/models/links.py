"""Link rot: what the last check of a cited address found, stored on the row that cites it.

`archive.Source` and `annotations.SourceLink` both carry these fields (`LinkCheckFields`);
`manage.py check_links` (lib/linkcheck.py) fills them. A link's state is derived from them
by one rule, written twice side by side: as a query (`LinkCheckQuerySet.with_link_state`) for
the admin's filter and the command's `--only-dead`, and on the instance (`link_state`) for pages.

A verdict belongs to the address that was checked: when someone changes a row's URL, the old
verdict no longer applies and the row counts as not checked until the next run.
"""

from django.db import models
from django.db.models import F, Q

# The site answered that the page is not there: dead at once.
GONE_STATUSES = (404, 410)
# The site is up but turns robots away (log-in walls, bot filters, rate limits): a person may
# still get through, so these never make a link dead.
BLOCKED_STATUSES = (401, 403, 429)
# A link that gives no usable answer this many checks in a row is dead: one outage is not rot.
DEAD_AFTER_FAILURES = 3


class LinkError(models.TextChoices):
    """Why a check got no HTTP status."""

    TIMEOUT = "timeout", "timed out"
    CONNECTION_REFUSED = "connection_refused", "connection refused"
    CONNECTION_FAILED = "connection_failed", "connection failed"
    NAME_NOT_FOUND = "name_not_found", "host name not found"
    TLS = "tls", "secure connection failed"
    BAD_RESPONSE = "bad_response", "not a valid HTTP response"
    TOO_MANY_REDIRECTS = "too_many_redirects", "too many redirects (or a redirect loop)"
    BAD_REDIRECT = "bad_redirect", "redirected to an address that is not a web page"
    PRIVATE_ADDRESS = "private_address", "a private network address: not checked"
    BAD_URL = "bad_url", "not an address that can be checked"


# Errors that mean the address was never asked: they say nothing about the page.
NOT_ASKED_ERRORS = (LinkError.PRIVATE_ADDRESS, LinkError.BAD_URL)


class LinkState(models.TextChoices):
    OK = "ok", "Working"
    REDIRECTED = "redirected", "Working, after a redirect"
    FAILING = "failing", "Failing (not dead yet)"
    DEAD = "dead", "Dead"
    UNCHECKED = "unchecked", "Not checked"


def failures_after(previous, status, error):
    """The count of failed checks in a row after a check that found `status` or `error`."""
    if status is not None and 200 <= status < 300:
        return 0
    if status in BLOCKED_STATUSES or error in NOT_ASKED_ERRORS:
        return previous
    return min(previous + 1, 1000)  # a bound, so the counter never overflows its column


def link_state_of(*, url, checked_url, checked_at, status, final_url, failures):
    """A link's LinkState from its check fields. `_conditions` is the same rule as a query."""
    if checked_at is None or checked_url != url:
        return LinkState.UNCHECKED
    if status in GONE_STATUSES or failures >= DEAD_AFTER_FAILURES:
        return LinkState.DEAD
    if status is not None and 200 <= status < 300:
        return LinkState.OK if final_url == url else LinkState.REDIRECTED
    return LinkState.FAILING


def _conditions():
    checked = Q(link_checked_at__isnull=False, link_checked_url=F("url"))
    working = Q(link_status__gte=200, link_status__lt=300)
    dead = checked & (Q(link_status__in=GONE_STATUSES) | Q(link_failures__gte=DEAD_AFTER_FAILURES))
    return {
        LinkState.OK: checked & ~dead & working & Q(link_final_url=F("url")),
        LinkState.REDIRECTED: checked & ~dead & working & ~Q(link_final_url=F("url")),
        LinkState.DEAD: dead,
        LinkState.FAILING: checked & ~working & ~dead,
        LinkState.UNCHECKED: ~checked,
    }


class LinkCheckQuerySet(models.QuerySet):
    def with_link_state(self, state):
        """The rows whose link is in `state` (a LinkState value)."""
        return self.filter(_conditions()[LinkState(state)])

    def dead_links(self):
        return self.with_link_state(LinkState.DEAD)

    def link_check_due(self, checked_before):
        """Rows never checked, checked before `checked_before`, or whose URL changed since."""
        return self.filter(
            Q(link_checked_at__isnull=True)
            | Q(link_checked_at__lt=checked_before)
            | ~Q(link_checked_url=F("url"))
        )


# Written by check_links only: never in a form, and never an edit of the record (the loader and
# the admin's conflict check leave them out, archive/importing/fingerprints.py).
LINK_CHECK_FIELDS = (
    "link_status",
    "link_error",
    "link_final_url",
    "link_checked_url",
    "link_checked_at",
    "link_failures",
)


class LinkCheckFields(models.Model):
    """What the last check of `url` found. The concrete model has `url` and `archived_url`."""

    link_status = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The HTTP status of the last check (after redirects); empty if none came.",
    )
    link_error = models.CharField(
        max_length=30,
        choices=LinkError.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text="Why the last check got no HTTP status.",
    )
    link_final_url = models.URLField(
        max_length=2000,
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text="Where the last check ended after following redirects.",
    )
    link_checked_url = models.URLField(
        max_length=2000,
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text="The address the last check asked for (a changed URL is not checked yet).",
    )
    link_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    link_failures = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text="Checks in a row without a working answer (blocked answers not counted).",
    )

    class Meta:
        abstract = True

    # The instance twin of LinkCheckQuerySet.with_link_state (both read link_state_of's rule).
    @property
    def link_state(self):
        return link_state_of(
            url=self.url,
            checked_url=self.link_checked_url,
            checked_at=self.link_checked_at,
            status=self.link_status,
            final_url=self.link_final_url,
            failures=self.link_failures,
        )

    @property
    def link_is_dead(self):
        return self.link_state == LinkState.DEAD

    @property
    def link_outcome(self):
        """'404', 'timed out', '200 at https://…': what the last check found, for curators."""
        if self.link_checked_at is None:
            return "not checked"
        if self.link_status is None:
            return self.get_link_error_display() or "no answer"
        if self.link_final_url and self.link_final_url != self.link_checked_url:
            return f"{self.link_status} at {self.link_final_url}"
        return str(self.link_status)
