"""Shared test setup: settings overrides in one place, and small data builders."""

import itertools
from datetime import date

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings):
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


_ids = itertools.count(1)


class Build:
    """Tiny builders for archive records; each call makes a new, valid record."""

    def person(self, name=None, **fields):
        from archive.models import Person

        n = next(_ids)
        return Person.objects.create(
            external_id=fields.pop("external_id", f"person-{n}"),
            name=name or f"Person {n}",
            **fields,
        )

    def account(self, person=None, handle=None, **fields):
        from archive.models import Account

        n = next(_ids)
        return Account.objects.create(
            external_id=fields.pop("external_id", f"account-{n}"),
            person=person or self.person(),
            platform=fields.pop("platform", "twitter"),
            handle=handle if handle is not None else f"@user{n}",
            **fields,
        )

    def source(self, **fields):
        from archive.models import Source

        n = next(_ids)
        defaults = {
            "external_id": f"src-{n}",
            "publisher": f"Publisher {n}",
            "title": f"Story {n}",
            "url": f"https://example.org/story-{n}",
        }
        return Source.objects.create(**{**defaults, **fields})

    def thread(self, **fields):
        from archive.models import Thread

        n = next(_ids)
        defaults = {"external_id": f"thread-{n}", "title": f"Thread {n}"}
        return Thread.objects.create(**{**defaults, **fields})

    def message(self, thread=None, sender=None, recipients=(), sources=None, **fields):
        from archive.models import Message

        n = next(_ids)
        thread = thread or self.thread()
        day = fields.pop("day", date(2016, 10, 3))
        defaults = {
            "external_id": f"msg-{n}",
            "position": (thread.messages.count() + 1),
            "channel": "direct_message",
            "text": f"Message text {n}",
            "text_status": "summary",
            "date_earliest": day,
            "date_latest": day,
        }
        message = Message.objects.create(
            thread=thread, sender=sender or self.account(), **{**defaults, **fields}
        )
        message.recipients.set(recipients)
        message.sources.set(sources if sources is not None else [self.source()])
        return message

    def event(self, sources=None, **fields):
        from archive.models import Event

        n = next(_ids)
        day = fields.pop("day", date(2016, 10, 3))
        defaults = {
            "external_id": f"event-{n}",
            "title": f"Event {n}",
            "kind": "other",
            "date_earliest": day,
            "date_latest": day,
        }
        event = Event.objects.create(**{**defaults, **fields})
        event.sources.set(sources if sources is not None else [self.source()])
        return event


@pytest.fixture
def build(db):
    return Build()


@pytest.fixture
def users(db):
    """The personas of every write path: author, other user, group member, curator."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return {
        "author": User.objects.create_user("author", password="pw-author-123"),
        "other": User.objects.create_user("other", password="pw-other-123"),
        "member": User.objects.create_user("member", password="pw-member-123"),
        "curator": User.objects.create_user("curator", password="pw-curator-123", is_staff=True),
    }


# Shared fixtures, written once in tests/support/.
from tests.support.accounts import curator, curator_client  # noqa: E402, F401
from tests.support.live_server_gunicorn import live, live_gunicorn  # noqa: E402, F401
from tests.support.real_archive import (  # noqa: E402, F401
    _archive_for_module,
    _no_archive_unasked,
    _shared_archive_for_module,
    archive,
    committed_archive,
    order_archive_tests_last,
    shared_archive,
)


def pytest_collection_modifyitems(items):
    order_archive_tests_last(items)
