"""A newcomer's journeys through the archive in real Chromium; axe-core on every page type."""

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(reading_page):
    """These journeys only read: one committed archive serves the whole module."""
    return reading_page


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_conversation_shows_the_third_of_october_exchange_and_its_latency(page):
    page.goto("/")
    page.get_by_role("link", name=re.compile("Read the conversation")).click()
    page.wait_for_url("**/threads/dm-wikileaks-trumpjr/")
    day = page.get_by_role("heading", name="3 Oct 2016")
    assert day.is_visible()
    reply = page.locator("#m06")
    assert "about 90 minutes (reported)" in reply.inner_text()
    assert "reply to m05" in reply.inner_text()
    assert page.get_by_text("6 messages without a reply").is_visible()


def test_searching_from_home_finds_the_podesta_message_and_event(page):
    page.goto("/")
    page.get_by_label("Search messages, events, people, sources and notes").fill("Podesta")
    page.locator(".home-search").get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=Podesta")
    main = page.locator("main")
    assert main.get_by_role("link", name="m08").is_visible()
    assert main.get_by_role("link", name="Access Hollywood tape").is_visible()
    assert main.locator("mark").first.inner_text() == "Podesta"
    # One kind at a time, with facets; the query stays in the box.
    page.get_by_role("navigation", name="Kinds of record").get_by_role(
        "link", name="Messages"
    ).click()
    page.wait_for_url("**kind=messages**")
    assert page.get_by_role("heading", name="Sender").is_visible()
    assert page.locator("#id_q").input_value() == "Podesta"


def test_searching_a_date_from_the_header_finds_that_days_event(page):
    page.goto("/sources/")
    page.get_by_label("Search the archive").fill("7 Oct 2016")
    page.locator(".site-search").get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=7+Oct+2016")
    assert page.get_by_role("link", name="Access Hollywood tape").first.is_visible()
    assert "7 Oct 2016" in page.get_by_role("status").inner_text()


def test_filtering_to_trump_jr_replies_shows_three(page):
    page.goto("/messages/")
    page.get_by_text("More filters").click()
    page.get_by_label("Sender").select_option(label="Donald Trump Jr.")
    page.get_by_label("Is a reply?").select_option(label="Replies only")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**sender=donald-trump-jr**")
    assert page.get_by_role("status").inner_text().startswith("3 messages match")
    rows = page.locator(".message-row .message-id").all_inner_texts()
    assert sorted(rows) == ["m02", "m06", "m07"]
    # The filters live in the URL: a reload keeps them.
    page.reload()
    assert page.get_by_label("Sender").input_value() == "donald-trump-jr"


def test_timeline_month_event_message_and_back(page):
    page.goto("/timeline/")
    page.get_by_role("navigation", name="Months").get_by_role("link", name="Oct 2016").click()
    page.wait_for_url("**#m-2016-10")
    october = page.locator("#m-2016-10")
    october.get_by_role("link", name=re.compile("True Pundit publishes")).click()
    page.wait_for_url("**/events/e03-**")
    page.get_by_role("link", name="m05", exact=True).click()
    page.wait_for_url("**/messages/m05/")
    related = page.get_by_role("region", name="Related events")
    related.get_by_role("link", name=re.compile("True Pundit publishes")).click()
    page.wait_for_url("**/events/e03-**")


def test_keyboard_reaches_the_month_links_and_the_skip_link(page):
    page.goto("/timeline/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    # Following the link is a navigation: wait for it rather than read the address at once.
    page.wait_for_url("**#main")
    assert page.evaluate("document.activeElement.id") == "main"


def test_person_page_and_citation_download(page, tmp_path):
    page.goto("/messages/m06/")
    page.get_by_role("link", name="Donald Trump Jr.").first.click()
    page.wait_for_url("**/people/donald-trump-jr/")
    assert page.get_by_text("replies came after a median of").is_visible()
    page.goto("/messages/m06/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download BibTeX").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_text().startswith("@misc{")
    assert "m06" in page.locator("#citation-text").inner_text()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/messages/",
        "/messages/?date_from=nope",
        "/messages/m06/",
        "/threads/dm-wikileaks-trumpjr/",
        "/timeline/",
        "/events/e16-wikileaks-offers-to-publish-the-goldstone-emails-trump-jr-posts-them-himself/",
        "/people/donald-trump-jr/",
        "/sources/",
        "/sources/s10/",
        "/no-such-page/",
    ],
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(page, url, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(url)
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "sideways scroll"
    assert [e for e in page.console_errors if "404" not in e or url != "/no-such-page/"] == []


def test_a_printed_message_page_is_a_citation(page):
    page.goto("/messages/m06/")
    page.emulate_media(media="print")
    assert page.locator(".citation").is_visible()
    assert "/messages/m06/" in page.locator(".citation").inner_text()
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.get_by_role("link", name="Download BibTeX").is_visible()
    assert not page.get_by_role("link", name="Sign in").first.is_visible()
    # A source whose link text is its address is printed once, not followed by it again.
    source_link = page.locator(".sources a[href^='http']").first
    after = source_link.evaluate("a => getComputedStyle(a, '::after').content")
    assert after in {"none", "normal", '""'}
