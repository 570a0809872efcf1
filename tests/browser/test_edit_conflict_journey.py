"""Two tabs edit one note in real Chromium: the later save shows both versions, loses neither."""

import pytest
from django.contrib.auth import get_user_model

from annotations.models import Annotation
from tests.support.accounts import sign_in_browser
from tests.support.annotation_helpers import make_annotation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def note(transactional_db):
    from tests.conftest import Build

    author = get_user_model().objects.create_user("ada", password="ada-secret-pw-1")
    message = Build().message(external_id="m-tabs", text="Send it to us.", text_status="verbatim")
    return make_annotation(author, message=message, body="The first reading.", visibility="public")


def test_the_later_of_two_tabs_sees_both_versions_and_saves_knowingly(page, browser, note):
    edit = f"/annotations/{note.uuid}/edit/"
    sign_in_browser(page, "ada", "ada-secret-pw-1", edit)

    other_tab = page.context.new_page()
    other_tab.goto(edit)
    other_tab.get_by_role("textbox", name="Note").fill("Written in the other tab.")
    other_tab.get_by_role("button", name="Save changes").click()
    other_tab.wait_for_url("**/messages/m-tabs/**")

    page.get_by_role("textbox", name="Note").fill("Written in the first tab.")
    page.get_by_role("button", name="Save changes").click()
    alert = page.get_by_role("alert").filter(has_text="changed while you were editing")
    assert "Written in the other tab." in alert.inner_text()
    assert page.get_by_role("textbox", name="Note").input_value() == "Written in the first tab."

    page.get_by_role("button", name="Save my version").click()
    page.wait_for_url("**/messages/m-tabs/**")
    assert page.get_by_text("Your changes are saved").is_visible()
    note.refresh_from_db()
    assert note.body == "Written in the first tab." and note.version == 3
    bodies = [revision.snapshot["body"] for revision in note.revisions.all()]
    assert "Written in the other tab." in bodies
    assert Annotation.objects.count() == 1
