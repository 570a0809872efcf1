"""Pages made for one reader say so to caches: `Cache-Control: private` and `Vary: Cookie`."""

import pytest
from django.urls import reverse
from django.utils.cache import get_max_age
from django.views.decorators.cache import cache_control

from tests.support.annotation_helpers import make_annotation


def cache_control_of(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def varies_on_cookie(response):
    return "cookie" in response.get("Vary", "").lower()


@pytest.fixture
def message_with_private_note(build, users):
    message = build.message(is_published=True)
    make_annotation(users["author"], message=message, visibility="private", body="only mine")
    return message


def signed_in_pages(message):
    return [
        message.get_absolute_url(),
        reverse("home"),
        reverse("annotations:list") + "?mine",
        reverse("archive:message_list"),
        reverse("archive:timeline"),
        reverse("annotations:annotate_message", args=[message.external_id]),
    ]


def test_a_signed_in_readers_message_page_with_a_private_note_is_private(
    client, users, message_with_private_note
):
    client.force_login(users["author"])
    response = client.get(message_with_private_note.get_absolute_url())
    assert "only mine" in response.content.decode()
    assert "private" in cache_control_of(response)
    assert "public" not in cache_control_of(response)
    assert varies_on_cookie(response)


@pytest.mark.parametrize("persona", ["author", "other", "curator"])
def test_every_page_a_signed_in_reader_gets_is_private(
    client, users, message_with_private_note, persona
):
    client.force_login(users[persona])
    for url in signed_in_pages(message_with_private_note):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "private" in cache_control_of(response), url
        assert varies_on_cookie(response), url


def test_a_form_with_a_csrf_token_is_private_even_for_an_anonymous_reader(client):
    response = client.get(reverse("login"))
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert "private" in cache_control_of(response)


def test_anonymous_public_pages_are_not_marked_private(client, message_with_private_note):
    for url in [
        reverse("home"),
        message_with_private_note.get_absolute_url(),
        reverse("archive:message_list"),
        reverse("annotations:list"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "private" not in cache_control_of(response), url
        assert "only mine" not in response.content.decode()
        # Still told apart from the signed-in version of the same address.
        assert varies_on_cookie(response), url


def test_a_view_that_says_public_is_made_private_for_a_signed_in_reader(rf, users):
    """The rule holds for any view, even one that asks shared caches to keep it."""
    from annotations.middleware import PrivateCacheMiddleware

    @cache_control(public=True, max_age=600)
    def cacheable(request):
        from django.http import HttpResponse

        return HttpResponse("hello " + request.user.get_username())

    request = rf.get("/")
    request.user = users["other"]
    response = PrivateCacheMiddleware(cacheable)(request)
    assert "private" in cache_control_of(response)
    assert "public" not in cache_control_of(response)
    assert get_max_age(response) == 600
