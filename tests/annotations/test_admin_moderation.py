"""Moderating notes in the admin: honest flag counts, readable rows, resolving on the note's page,
and no hard delete beside the soft one."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from annotations.models import Annotation, Flag
from tests.support.annotation_helpers import make_annotation
from tests.support.query_counts import PAGE_QUERIES

CHANGELIST = reverse("admin:annotations_annotation_changelist")


@pytest.fixture
def curator(users):
    """A staff curator with every annotations permission, but not a superuser."""
    curator = users["curator"]
    curator.user_permissions.set(Permission.objects.filter(content_type__app_label="annotations"))
    return curator


@pytest.fixture
def flagged(build, users, django_user_model):
    """A public note with three open flags (three reporters) and one resolved flag."""
    message = build.message(text="We will leak the Podesta emails on Friday.")
    note = make_annotation(
        users["author"],
        message=message,
        body="This claims a date the sources do not give. " * 5,
        visibility="public",
    )
    for name in ["r1", "r2", "r3"]:
        reporter = django_user_model.objects.create_user(name, password="pw-reporter-123")
        Flag.objects.create(annotation=note, reporter=reporter, reason=f"Wrong ({name})")
    Flag.objects.create(
        annotation=note,
        reporter=users["other"],
        reason="Old report",
        resolved_by=users["curator"],
        resolved_at=note.created,
    )
    return note


def admin_form_data(response):
    """The POST a curator's browser would send from an admin change page, as it was rendered."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if value is not None and not field.disabled:
            data[name] = value if not isinstance(value, bool) else ("on" if value else "")
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management[name].value()
        for inline_form in formset.forms:
            for name, field in inline_form.fields.items():
                value = inline_form[name].value()
                if value is None or field.disabled:
                    continue
                if isinstance(value, bool):
                    if value:
                        data[inline_form.add_prefix(name)] = "on"
                    continue
                data[inline_form.add_prefix(name)] = value
    return {key: value for key, value in data.items() if value != ""}


@pytest.mark.parametrize("flag_filter", [None, "open", "any"])
def test_open_flag_count_is_the_same_under_every_flag_filter(curator_client, flagged, flag_filter):
    query = {"flagged": flag_filter} if flag_filter else {}
    response = curator_client.get(CHANGELIST, query)
    (row,) = response.context["cl"].result_list
    assert row == flagged
    assert row.open_flag_total == 3


def test_flag_filters_keep_notes_with_matching_flags_only(curator_client, flagged, users, build):
    make_annotation(users["author"], message=build.message(), visibility="public")
    old = make_annotation(users["author"], message=build.message(), visibility="public")
    Flag.objects.create(
        annotation=old, reporter=users["other"], reason="x", resolved_at=old.created
    )
    rows = lambda flag_filter: set(  # noqa: E731
        curator_client.get(CHANGELIST, {"flagged": flag_filter}).context["cl"].result_list
    )
    assert rows("open") == {flagged}
    assert rows("any") == {flagged, old}


def test_the_list_shows_each_notes_text_and_a_link_to_its_target(curator_client, flagged):
    page = curator_client.get(CHANGELIST).content.decode()
    assert "This claims a date the sources do not give." in page
    assert "This claims a date the sources do not give. " * 5 not in page  # truncated
    assert (
        f'<a href="{flagged.message.get_absolute_url()}">message {flagged.message.external_id}</a>'
        in page
    )


def test_the_list_query_count_does_not_grow_with_rows_or_flags(
    curator_client, flagged, users, build, django_assert_num_queries
):
    for _ in range(5):
        note = make_annotation(users["author"], message=build.message(), visibility="public")
        Flag.objects.create(annotation=note, reporter=users["other"], reason="Spam")
    with django_assert_num_queries(PAGE_QUERIES["admin_annotation_changelist"]["curator"]):
        response = curator_client.get(CHANGELIST, {"flagged": "open"})
    assert len(response.context["cl"].result_list) == 6


def test_a_curator_resolves_one_flag_from_the_notes_own_page(curator_client, curator, flagged):
    url = reverse("admin:annotations_annotation_change", args=[flagged.pk])
    page = curator_client.get(url)
    flags = next(
        f.formset for f in page.context["inline_admin_formsets"] if f.formset.model is Flag
    )
    target = Flag.objects.get(annotation=flagged, reporter__username="r2")
    data = admin_form_data(page)
    index = next(i for i, form in enumerate(flags.forms) if form.instance == target)
    data[f"{flags.prefix}-{index}-resolve"] = "on"

    response = curator_client.post(url, data, follow=True)

    assert response.status_code == 200
    assert "Resolved 1 flag(s)." in response.content.decode()
    target.refresh_from_db()
    assert target.resolved_by == curator and target.resolved_at is not None
    assert Flag.objects.open().filter(annotation=flagged).count() == 2
    assert Flag.objects.filter(annotation=flagged).count() == 4  # nothing deleted


def test_the_public_permalink_links_staff_to_the_moderation_page(client, curator, flagged, users):
    admin_url = reverse("admin:annotations_annotation_change", args=[flagged.pk])
    client.force_login(users["other"])
    assert admin_url not in client.get(flagged.get_absolute_url()).content.decode()
    client.force_login(curator)
    assert admin_url in client.get(flagged.get_absolute_url()).content.decode()


def test_no_hard_delete_is_offered_beside_the_soft_one(curator_client, admin_client, flagged):
    for http in (curator_client, admin_client):
        actions = dict(http.get(CHANGELIST).context["action_form"].fields["action"].choices)
        assert "delete_selected" not in actions
        assert "soft_delete" in actions
    change = reverse("admin:annotations_annotation_change", args=[flagged.pk])
    delete = reverse("admin:annotations_annotation_delete", args=[flagged.pk])
    assert delete not in curator_client.get(change).content.decode()
    assert curator_client.post(delete, {"post": "yes"}).status_code == 403
    # The bulk hard delete cannot be posted either.
    curator_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [flagged.pk]})
    assert Annotation.objects.filter(pk=flagged.pk).exists()


def test_soft_delete_action_keeps_the_note_and_restore_brings_it_back(curator_client, flagged):
    curator_client.post(CHANGELIST, {"action": "soft_delete", "_selected_action": [flagged.pk]})
    flagged.refresh_from_db()
    assert flagged.deleted_at is not None
    assert Flag.objects.filter(annotation=flagged).count() == 4
    curator_client.post(CHANGELIST, {"action": "restore", "_selected_action": [flagged.pk]})
    flagged.refresh_from_db()
    assert flagged.deleted_at is None
