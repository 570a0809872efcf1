"""A discrepancy is two or more sources disagreeing: one with fewer readings is refused in the
admin and never shown on a public page; readings are reachable from message and event pages."""

import pytest
from django.urls import reverse

from archive.models import Discrepancy, DiscrepancyReading, Event
from tests.support.admin_forms import form_data, open_change_page, save_change_page
from tests.support.query_counts import QUERY_BOUNDS


def _discrepancy(record, sources, readings, external_id="d90"):
    target = {"event": record} if isinstance(record, Event) else {"message": record}
    discrepancy = Discrepancy.objects.create(
        external_id=external_id, field="date", note="The sources give different days.", **target
    )
    for source, reading in zip(sources, readings, strict=True):
        DiscrepancyReading.objects.create(discrepancy=discrepancy, source=source, reading=reading)
    return discrepancy


def _event(build):
    event = Event.objects.create(
        external_id="e90", title="A meeting", description="What happened.", kind="other"
    )
    event.sources.set([build.source()])
    return event


def _add_page_data(admin_client, message, readings):
    data = form_data(admin_client.get(reverse("admin:archive_discrepancy_add")))
    data.update(external_id="d91", message=str(message.pk), field="date", note="Which day?")
    for index, (source, reading) in enumerate(readings):
        data[f"readings-{index}-source"] = str(source.pk)
        data[f"readings-{index}-reading"] = reading
    return data


def test_adding_a_discrepancy_with_one_reading_is_refused(admin_client, build):
    message = build.message()
    data = _add_page_data(admin_client, message, [(build.source(), "3 Oct 2016")])

    page = admin_client.post(reverse("admin:archive_discrepancy_add"), data)

    assert page.status_code == 200
    assert "needs at least two readings" in page.content.decode()
    assert "Which day?" in page.content.decode()  # the curator's input is kept
    assert not Discrepancy.objects.filter(external_id="d91").exists()


def test_adding_a_discrepancy_with_two_readings_is_saved(admin_client, build):
    message = build.message()
    readings = [(build.source(), "3 Oct 2016"), (build.source(), "4 Oct 2016")]

    page = admin_client.post(
        reverse("admin:archive_discrepancy_add"), _add_page_data(admin_client, message, readings)
    )

    assert page.status_code == 302
    assert Discrepancy.objects.get(external_id="d91").readings.count() == 2


def test_deleting_a_reading_down_to_one_is_refused(admin_client, build):
    discrepancy = _discrepancy(build.message(), [build.source(), build.source()], ["a", "b"])
    data = open_change_page(admin_client, discrepancy)

    page = save_change_page(admin_client, discrepancy, data, **{"readings-1-DELETE": "on"})

    assert page.status_code == 200
    assert "needs at least two readings" in page.content.decode()
    assert discrepancy.readings.count() == 2


@pytest.mark.parametrize("kind", ["message", "event"])
def test_record_admin_page_shows_readings_and_links_to_edit_them(admin_client, build, kind):
    record = build.message() if kind == "message" else _event(build)
    discrepancy = _discrepancy(record, [build.source(), build.source()], ["3 Oct", "4 Oct"])
    lonely = _discrepancy(record, [build.source()], ["5 Oct"], external_id="d92")

    page = admin_client.get(
        reverse(f"admin:archive_{kind}_change", args=[record.pk])
    ).content.decode()

    assert "3 Oct" in page and "4 Oct" in page and "5 Oct" in page
    assert reverse("admin:archive_discrepancy_change", args=[discrepancy.pk]) in page
    assert reverse("admin:archive_discrepancy_change", args=[lonely.pk]) in page
    assert "Not shown on the public page: it needs at least two readings." in page
    add_link = f"{reverse('admin:archive_discrepancy_add')}?{kind}={record.pk}"
    assert add_link in page
    add_page = admin_client.get(add_link).content.decode()
    assert f'<option value="{record.pk}" selected>' in add_page


def test_the_record_admin_page_adds_no_discrepancy_without_readings(admin_client, build):
    message = build.message()
    data = open_change_page(admin_client, message)
    data.update(
        {
            "discrepancies-TOTAL_FORMS": "1",
            "discrepancies-0-external_id": "d95",
            "discrepancies-0-field": "date",
            "discrepancies-0-note": "Added here without readings.",
            "discrepancies-0-message": str(message.pk),
        }
    )

    save_change_page(admin_client, message, data)

    assert not Discrepancy.objects.filter(note="Added here without readings.").exists()


@pytest.mark.parametrize("kind", ["message", "event"])
@pytest.mark.parametrize("count", [0, 1])
def test_a_discrepancy_with_fewer_than_two_readings_is_not_published(client, build, kind, count):
    record = build.message() if kind == "message" else _event(build)
    _discrepancy(record, [build.source() for _ in range(count)], ["a lone reading"][:count])
    shown = _discrepancy(
        record, [build.source(), build.source()], ["1 Oct", "2 Oct"], external_id="d93"
    )

    page = client.get(record.get_absolute_url()).content.decode()

    assert page.count("Sources disagree about the") == 1
    assert shown.note in page
    assert "a lone reading" not in page


def test_source_page_lists_no_reading_of_a_discrepancy_without_a_second(client, build):
    source = build.source()
    _discrepancy(build.message(), [source], ["alone"])
    _discrepancy(build.message(), [source, build.source()], ["paired", "other"], "d94")

    page = client.get(source.get_absolute_url()).content.decode()

    assert "paired" in page
    assert "alone" not in page


def test_with_two_readings_is_the_rule(build):
    message = build.message()
    for count in range(4):
        sources = [build.source() for _ in range(count)]
        _discrepancy(message, sources, [f"r{n}" for n in range(count)], external_id=f"d{count}")
    shown = Discrepancy.objects.with_two_readings().values_list("external_id", flat=True)
    assert sorted(shown) == ["d2", "d3"]


def test_message_admin_page_queries_do_not_grow_with_its_discrepancies(
    admin_client, build, django_assert_max_num_queries
):
    message = build.message()
    counts = []
    for external_id in ["d80", *[f"d8{n}" for n in range(1, 10)]]:
        _discrepancy(message, [build.source(), build.source()], ["a", "b"], external_id)
        if external_id in {"d80", "d89"}:
            with django_assert_max_num_queries(QUERY_BOUNDS["admin_message_change"]) as captured:
                assert admin_client.get(reverse("admin:archive_message_change", args=[message.pk]))
            counts.append(len(captured))
    assert counts[0] == counts[1], counts
