import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(reading_page):
    """These journeys only read: one committed archive serves the whole module."""
    return reading_page


def test_newcomer_opens_the_overview_then_a_message(page):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("The @wikileaks")
    assert "24" in page.get_by_role("link", name="24 messages").inner_text()

    page.get_by_role("link", name="24 messages").click()
    page.wait_for_url("**/messages/")
    page.get_by_role("link", name="m06", exact=True).click()
    page.wait_for_url("**/messages/m06/")
    assert "@DonaldJTrumpJr → @wikileaks" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_text("about 90 minutes (reported)").is_visible()
    assert page.get_by_text("It’s amazing what she can get away with.").is_visible()
    assert page.console_errors == []
    # No sideways scrolling on a phone.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
