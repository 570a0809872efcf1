"""An e-mail's lines as a reader sees them in Chromium: kept on its page, and in the
conversation with the quotation folded until asked for."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Hi Ben,\n\nRotterdam works.\nMonday too.\n\nOn Monday, Ben wrote:\n> Can we meet?"


def test_the_lines_show_as_lines_and_the_quotation_opens_on_demand(page, build):
    message = build.message(text=TEXT, channel="email", text_status="verbatim")
    page.goto(message.get_absolute_url())
    shown = page.locator("#message-text").inner_text()
    assert "Rotterdam works.\nMonday too." in shown  # not one run-on line
    page.goto(message.thread.get_absolute_url())
    quotation = page.get_by_text("> Can we meet?")
    assert not quotation.is_visible()
    page.get_by_text("Quoted text (2 lines)").click()
    assert quotation.is_visible()
    assert page.console_errors == []
