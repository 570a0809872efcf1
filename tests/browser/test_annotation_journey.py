"""A researcher annotates a quoted span in real Chromium; another user cannot see a private note."""

import re

import pytest
from django.contrib.auth import get_user_model

from tests.support.accounts import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECT_WORDS = """(words) => {
  const box = document.querySelector('#message-text');
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.data.indexOf(words);
    if (at !== -1) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + words.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return true;
    }
  }
  return false;
}"""

# A saved note is shown on the page of notes that holds it.
NOTE_ON_M06 = re.compile(r"/messages/m06/\?note=[0-9a-f-]{36}#annotation-[0-9a-f-]{36}$")


@pytest.fixture
def researchers(committed_archive):
    User = get_user_model()
    User.objects.create_user("ada", password="ada-secret-pw-1")
    User.objects.create_user("bob", password="bob-secret-pw-1")


def test_researcher_annotates_a_quoted_span_edits_and_deletes(
    page, researchers, browser, live_server
):
    sign_in_browser(page, "ada", "ada-secret-pw-1", "/messages/m06/")
    assert page.evaluate(SELECT_WORDS, "amazing what she")
    page.get_by_role("button", name="Annotate", exact=True).click()
    form = page.locator("#annotate form")
    assert form.get_by_label("Quote").input_value() == "amazing what she"
    page.get_by_role("textbox", name="Note").fill("A *private* reading of this reply.")
    assert page.get_by_label("Tags").input_value() == ""
    page.get_by_label("Tags").fill("Reading, tone")
    page.get_by_label("Visibility").select_option("private")
    page.get_by_label("Source address").fill("https://example.org/reading")
    page.get_by_label("Title").fill("A reading")
    form.get_by_role("button", name="Save note").click()
    page.wait_for_url(NOTE_ON_M06)

    assert page.get_by_text("Your note is saved.").is_visible()
    highlight = page.locator("#message-text mark.hl").filter(has_text="amazing what she")
    assert highlight.count() == 1
    note = page.locator("article.annotation").filter(has_text="private reading")
    assert note.get_by_role("link", name="A reading").is_visible()
    assert "#reading" in note.inner_text() and "#tone" in note.inner_text()
    note_url = note.get_by_role("link", name=re.compile("UTC")).get_attribute("href")

    # The highlight leads to the note.
    highlight.get_by_role("link").click()
    page.wait_for_url("**#annotation-*")

    note.get_by_role("link", name="Edit").click()
    page.get_by_role("textbox", name="Note").fill("A revised reading of this reply.")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(NOTE_ON_M06)
    note = page.locator("article.annotation").filter(has_text="revised reading")
    note.get_by_role("link", name="edited").click()
    page.wait_for_url("**/history/")
    assert page.get_by_text("A private reading of this reply.").is_visible()
    assert page.get_by_text("A revised reading of this reply.").is_visible()
    assert page.get_by_text("changed: note").is_visible()

    # Another researcher cannot see the private note, at its permalink or on the page.
    other = browser.new_context(base_url=live_server.url).new_page()
    sign_in_browser(other, "bob", "bob-secret-pw-1", "/messages/m06/")
    assert other.locator("article.annotation").filter(has_text="revised reading").count() == 0
    assert other.goto(note_url).status == 404
    other.context.close()

    page.goto("/messages/m06/")
    page.locator("article.annotation").filter(has_text="revised reading").get_by_role(
        "link", name="Delete"
    ).click()
    page.get_by_role("button", name="Delete note").click()
    page.wait_for_url("**/messages/m06/")
    assert page.get_by_text("Your note is deleted.").is_visible()
    assert page.locator("article.annotation").filter(has_text="revised reading").count() == 0
    assert page.console_errors == []


def test_keyboard_route_uses_the_current_selection(page, researchers):
    sign_in_browser(page, "ada", "ada-secret-pw-1", "/messages/m06/")
    page.get_by_text("Add a note").click()
    assert page.evaluate(SELECT_WORDS, "get away")
    page.get_by_role("button", name="Use the words selected in the text").click()
    assert page.get_by_label("Quote").input_value() == "get away"


@pytest.mark.parametrize("url", ["/messages/m06/", "/messages/m06/annotate/", "/annotations/"])
def test_signed_in_pages_and_a_form_with_errors_pass_axe(page, researchers, url):
    from tests.browser.test_browsing_journeys import serious_violations

    sign_in_browser(page, "ada", "ada-secret-pw-1", url)
    if url == "/messages/m06/annotate/":
        page.get_by_label("Quote").fill("words that are not there")
        page.get_by_role("button", name="Save note").click()
        assert page.get_by_text("not in the message").first.is_visible()
    elif url == "/messages/m06/":
        page.get_by_text("Add a note").click()
    assert serious_violations(page) == []
