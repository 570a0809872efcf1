"""The admin's bulk (soft) delete moves a note's version on, as Annotation.soft_delete does, so an
edit form opened before the delete is a conflict, not an undone delete."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.support.annotation_helpers import make_annotation

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:annotations_annotation_changelist")


@pytest.fixture
def curator_client(client, users):
    curator = users["curator"]
    curator.user_permissions.set(Permission.objects.filter(content_type__app_label="annotations"))
    client.force_login(curator)
    return client


def test_the_admins_bulk_delete_bumps_version_like_the_models_delete(curator_client, build, users):
    message = build.message(text="We will leak the Podesta emails on Friday.")
    by_admin = make_annotation(users["author"], message=message, visibility="public")
    by_model = make_annotation(users["author"], message=message, visibility="public")
    before = by_admin.version

    curator_client.post(CHANGELIST, {"action": "soft_delete", "_selected_action": [by_admin.pk]})
    by_model.soft_delete()

    by_admin.refresh_from_db()
    by_model.refresh_from_db()
    assert by_admin.deleted_at is not None
    assert by_admin.version == before + 1 == by_model.version
