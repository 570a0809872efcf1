"""manage.py check_links [--only-dead] [--older-than DAYS] [--limit N] [--concurrency N]
[--timeout S] [--json]"""

import argparse
import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand
from django.utils import timezone

from annotations.models import Annotation, SourceLink
from archive.models import Source
from archive.models.links import LinkError, LinkState
from lib.linkcheck import Checker, check_links, user_agent


def _bounded(kind, low, high):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, not {text}")
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Check that the addresses the archive cites still answer: every source's URL and the "
        "links of the notes everyone may read. Each address is asked once (HEAD, then GET if "
        "HEAD is refused; no body is read) and the answer is recorded on every row citing it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only-dead", action="store_true", help="Check again only the links found dead."
        )
        parser.add_argument(
            "--older-than",
            type=_bounded(float, 0, 36_500),
            metavar="DAYS",
            help="Only links never checked, or last checked more than DAYS days ago.",
        )
        parser.add_argument(
            "--limit",
            type=_bounded(int, 1, 1_000_000),
            metavar="N",
            help="At most N addresses: never-checked first, then the longest unchecked.",
        )
        parser.add_argument(
            "--concurrency",
            type=_bounded(int, 1, 32),
            default=4,
            metavar="N",
            help="Requests at the same time (default 4).",
        )
        parser.add_argument(
            "--timeout",
            type=_bounded(float, 0.05, 300),
            default=10.0,
            metavar="S",
            help=(
                "Seconds each request may take, from connecting to the last header "
                "(default 10); each redirect hop and the GET after a refused HEAD get their own."
            ),
        )
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        # Notes only their authors or a group may read are not asked about: a request would
        # tell the linked site what a private note cites. They still get the answer when the
        # same address is checked for a source or a public note.
        public_notes = Annotation.objects.visible_to(AnonymousUser())
        querysets = [
            Source.objects.all(),
            SourceLink.objects.filter(annotation__in=public_notes),
        ]
        checked_before = None
        if options["older_than"] is not None:
            checked_before = timezone.now() - timedelta(days=options["older_than"])
        checker = Checker(
            timeout=options["timeout"],
            user_agent=user_agent(settings.SITE_URL),
            allow_private_addresses=settings.LINK_CHECK_PRIVATE_ADDRESSES,
        )
        summary = check_links(
            querysets,
            [Source, SourceLink],
            checker,
            only_dead=options["only_dead"],
            checked_before=checked_before,
            limit=options["limit"],
            concurrency=options["concurrency"],
            on_result=None if options["json"] else self._report_one,
        )
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), indent=2))
            return
        self.stdout.write(
            f"checked {summary.checked} addresses ({summary.rows} links): {summary.ok} ok, "
            f"{summary.redirected} redirected, {summary.dead} dead, {summary.failed} failed"
        )

    def _report_one(self, result, state):
        if state in (LinkState.OK, LinkState.REDIRECTED) or self.verbosity < 1:
            return
        found = str(result.status) if result.status is not None else LinkError(result.error).label
        self.stdout.write(f"{state.label.lower()}: {result.url} ({found})")
