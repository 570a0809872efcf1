"""On a phone (375 px) the pages fit the screen and the messages list starts with results."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def sideways_overflow(page):
    """How many pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_home_page_fits_a_phone_with_the_figures_table_open(phone, committed_archive):
    phone.goto("/")
    assert sideways_overflow(phone) == 0
    phone.get_by_text("The same figures as a table").click()
    assert phone.get_by_role("table").is_visible()
    assert sideways_overflow(phone) == 0
    # Assistive technology can name the table and reach it with the keyboard when it scrolls.
    assert phone.get_by_role("table", name="Messages per month and sender").is_visible()


def test_messages_list_fits_a_phone_and_shows_a_result_on_the_first_screen(
    phone, committed_archive
):
    phone.goto("/messages/")
    assert sideways_overflow(phone) == 0
    assert phone.get_by_label("Words in text or summary").is_visible()
    assert not phone.get_by_label("Sender").is_visible()
    first = phone.locator(".message-list > li").first
    box = first.bounding_box()
    assert box is not None and box["y"] < PHONE["height"], box

    phone.get_by_text("More filters").click()
    assert phone.get_by_label("Sender").is_visible()
    assert sideways_overflow(phone) == 0


def test_more_filters_start_open_when_one_of_them_is_in_use(phone, committed_archive):
    phone.goto("/messages/?sender=donald-trump-jr")
    assert phone.get_by_label("Sender").is_visible()
    assert phone.get_by_label("Sender").input_value() == "donald-trump-jr"
    phone.goto("/messages/?q=podesta&sort=newest")
    assert not phone.get_by_label("Sender").is_visible()


def test_a_note_with_a_long_unbroken_address_fits_a_phone(phone, build, users):
    from annotations.models import Annotation
    from tests.support.annotation_helpers import make_annotation

    long_address = "https://example.org/" + "a-very-long-path-segment-" * 4 + "end"
    message = build.message(text="Words to quote in a message.", text_status="verbatim")
    note = make_annotation(
        users["author"],
        message=message,
        visibility="public",
        body=f"See {long_address} and {'x' * 90}.",
        quote_exact="Words to quote",
    )
    note.links.create(url=long_address, title=long_address)
    Annotation.objects.filter(pk=note.pk).update(tags=["t" * 40])
    for url in (message.get_absolute_url(), note.get_absolute_url(), "/annotations/"):
        phone.goto(url)
        assert sideways_overflow(phone) == 0, url
