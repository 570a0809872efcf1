"""A curator hides a note in the admin, giving a reason; its author sees why; others see nothing."""

import pytest
from django.contrib.auth import get_user_model

from annotations.models import Annotation
from tests.conftest import Build
from tests.support.accounts import sign_in_browser
from tests.support.annotation_helpers import make_annotation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Names a private individual who is not part of the correspondence."


@pytest.fixture
def hidden_candidate(transactional_db):
    User = get_user_model()
    User.objects.create_superuser("curator", password="curator-secret-pw-1")
    ada = User.objects.create_user("ada", password="ada-secret-pw-1")
    User.objects.create_user("bob", password="bob-secret-pw-1")
    message = Build().message(is_published=True, text="A message worth a note.")
    return make_annotation(ada, message=message, visibility="public", body="A claim about Jo.")


def test_curator_hides_a_note_with_a_reason_that_only_its_author_reads(
    page, browser, hidden_candidate, live_server
):
    note = hidden_candidate
    changelist = "/admin/annotations/annotation/"
    sign_in_browser(page, "curator", "curator-secret-pw-1", changelist, login_url="/admin/login/")
    page.locator(f'input[name="_selected_action"][value="{note.pk}"]').check()
    page.locator('select[name="action"]').select_option("hide")
    page.get_by_role("button", name="Go").click()
    # The intermediate page: nothing is hidden until the curator says why.
    page.get_by_role("heading", name="Hide annotations: why?").wait_for()
    assert not Annotation.objects.get(pk=note.pk).is_hidden
    page.get_by_label("Reason, shown to each note's author").fill(REASON)
    page.get_by_role("button", name="Hide 1 note").click()
    page.get_by_text("Hid 1 annotation(s).").wait_for()
    note.refresh_from_db()
    assert note.is_hidden and note.hidden_reason == REASON

    author = browser.new_context(base_url=live_server.url).new_page()
    sign_in_browser(author, "ada", "ada-secret-pw-1", "/annotations/")
    author.goto("/annotations/?mine")
    card = author.locator(f"#annotation-{note.uuid}")
    assert "Hidden by the curators" in card.inner_text()
    assert REASON in card.inner_text()
    assert card.get_by_role("link", name="Edit").count() == 0

    reader = browser.new_context(base_url=live_server.url).new_page()
    sign_in_browser(reader, "bob", "bob-secret-pw-1", "/annotations/")
    assert "A claim about Jo." not in reader.content()
    assert reader.goto(note.get_absolute_url()).status == 404
