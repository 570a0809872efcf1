"""Curators' workspace: every archive model's changelist, search and forms open for a superuser."""

import pytest
from django.urls import reverse

from archive.models import (
    Account,
    Discrepancy,
    DiscrepancyReading,
    Event,
    Message,
    Person,
    Source,
    Thread,
)
from tests.support.query_counts import PAGE_QUERIES

ADMIN_MODELS = [Person, Account, Source, Thread, Message, Event, Discrepancy]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.model_name)
def test_superuser_opens_changelist_search_add_and_change(admin_client, archive, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "wikileaks"}).status_code == 200
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert admin_client.get(add).status_code == 200
    obj = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


def test_readings_are_edited_inline_on_their_discrepancy(admin_client, archive):
    discrepancy = Discrepancy.objects.get(external_id="d01")
    page = admin_client.get(reverse("admin:archive_discrepancy_change", args=[discrepancy.pk]))
    assert b"21 Oct 2016" in page.content
    assert DiscrepancyReading._meta.model_name in page.content.decode()


def test_message_search_finds_text(admin_client, archive):
    page = admin_client.get(reverse("admin:archive_message_changelist"), {"q": "tax returns"})
    assert b"m09" in page.content
    assert b"1 result" in page.content


def test_message_change_form_shows_derived_latency_and_public_link(admin_client, archive):
    message = Message.objects.get(external_id="m06")
    page = admin_client.get(reverse("admin:archive_message_change", args=[message.pk]))
    assert b"about 90 minutes (reported)" in page.content
    assert message.get_absolute_url().encode() in page.content


def test_bulk_unpublish_and_publish_actions(admin_client, archive):
    url = reverse("admin:archive_message_changelist")
    ids = list(Message.objects.filter(channel="email").values_list("pk", flat=True))
    admin_client.post(url, {"action": "unpublish", "_selected_action": ids})
    assert Message.objects.filter(pk__in=ids, is_published=False).count() == len(ids)
    admin_client.post(url, {"action": "publish", "_selected_action": ids})
    assert Message.objects.filter(pk__in=ids, is_published=True).count() == len(ids)


def test_changelist_query_count_is_flat(admin_client, archive, django_assert_num_queries):
    with django_assert_num_queries(PAGE_QUERIES["admin_message_changelist"]["curator"]):
        admin_client.get(reverse("admin:archive_message_changelist"))
