"""An event's slug is made in one place and read in one place; old slugs redirect."""

from datetime import date

import pytest

from archive.models import Event
from archive.models.slugs import event_slug, external_ids_in_slug


def make_event(build, external_id, title, **fields):
    event = Event.objects.create(
        external_id=external_id,
        title=title,
        description="Something happened.",
        date_earliest=date(2016, 10, 7),
        date_latest=date(2016, 10, 7),
        **fields,
    )
    event.sources.set([build.source()])
    return event


def test_a_new_event_gets_the_one_slug(build):
    event = make_event(build, "e16", "WikiLeaks publishes the Podesta e-mails")
    assert event.slug == event_slug("e16", "WikiLeaks publishes the Podesta e-mails")
    assert event.slug == "e16-wikileaks-publishes-the-podesta-e-mails"


def test_a_slug_never_ends_in_a_hyphen_when_cut(build):
    assert not event_slug("e1", "word " * 60).endswith("-")
    assert len(event_slug("e1", "word " * 60)) <= 200


def test_every_external_id_a_slug_can_start_with():
    assert external_ids_in_slug("e-16-old-title") == ["e", "e-16", "e-16-old", "e-16-old-title"]


@pytest.mark.parametrize("external_id", ["e16", "e-16", "2016-10-07-leak"])
def test_an_old_slug_redirects_even_when_the_id_has_hyphens(client, build, external_id):
    event = make_event(build, external_id, "Podesta e-mails")
    make_event(build, external_id.split("-")[0] + "x", "A decoy with a similar id")
    response = client.get(f"/events/{external_id}-an-older-title/")
    assert response.status_code == 301
    assert response["Location"] == event.get_absolute_url()


def test_the_longest_matching_id_wins(client, build):
    make_event(build, "e", "Short id")
    longer = make_event(build, "e-16", "Longer id")
    response = client.get("/events/e-16-renamed/")
    assert response["Location"] == longer.get_absolute_url()


def test_an_old_slug_of_an_unpublished_event_is_404(client, build):
    make_event(build, "e20", "Withdrawn", is_published=False)
    assert client.get("/events/e20-an-older-title/").status_code == 404
    assert client.get("/events/nothing-like-it/").status_code == 404
