"""Unique rules the database enforces answer with a form error, an idempotent result or a 409
page: never a 500 (the races themselves, over real HTTP, are in test_note_write_races.py)."""

from django.test import Client
from django.urls import reverse

from annotations.models import Flag, ResearchGroup
from tests.support.annotation_helpers import make_annotation


def test_reporting_a_note_twice_keeps_one_open_report_and_says_so(client, users, build):
    note = make_annotation(users["author"], message=build.message(), visibility="public")
    client.force_login(users["other"])
    url = reverse("annotations:flag", args=[note.uuid])
    assert client.post(url, {"reason": "Wrong date."}).status_code == 302
    response = client.post(url, {"reason": "Still wrong."}, follow=True)
    assert response.status_code == 200
    assert "already reported this note" in response.content.decode()
    assert Flag.objects.open().filter(annotation=note, reporter=users["other"]).count() == 1


def test_a_resolved_report_does_not_stop_a_new_one(client, users, build):
    note = make_annotation(users["author"], message=build.message(), visibility="public")
    client.force_login(users["other"])
    url = reverse("annotations:flag", args=[note.uuid])
    client.post(url, {"reason": "Wrong date."})
    Flag.objects.update(resolved_by=users["curator"], resolved_at="2026-11-27T10:00:00Z")
    client.post(url, {"reason": "Wrong again."})
    assert Flag.objects.filter(annotation=note).count() == 2
    assert Flag.objects.open().get().reason == "Wrong again."


def test_the_admin_refuses_a_taken_group_name_with_a_form_error(db, curator):
    ResearchGroup.objects.create(name="Team", slug="team")
    client = Client(raise_request_exception=False)
    client.force_login(curator)
    response = client.post(
        reverse("admin:annotations_researchgroup_add"),
        {"name": "Team", "slug": "team-2", "description": ""},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert ResearchGroup.objects.count() == 1


def test_an_integrity_error_escaping_a_view_is_a_409_page_not_a_500(rf, users):
    from django.db import IntegrityError, transaction

    from ops.middleware import IntegrityErrorMiddleware

    ResearchGroup.objects.create(name="Team", slug="team")
    try:
        with transaction.atomic():
            ResearchGroup.objects.create(name="Team", slug="team")
    except IntegrityError as error:
        refused = error
    request = rf.post("/admin/annotations/researchgroup/add/")
    request.user = users["curator"]
    response = IntegrityErrorMiddleware(lambda request: None).process_exception(request, refused)
    assert response.status_code == 409
    assert "Nothing of your change was saved" in response.content.decode()
    assert (
        IntegrityErrorMiddleware(lambda request: None).process_exception(
            request, ValueError("not ours")
        )
        is None
    )
