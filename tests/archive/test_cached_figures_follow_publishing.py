"""Cached aggregates (lib/caching.py) change as soon as a curator publishes or withdraws."""

from datetime import date


def month_keys(response):
    return [month["key"] for month in response.context["month_nav"]]


def test_the_timeline_months_and_years_follow_a_publish_and_a_withdrawal(client, build):
    build.message(day=date(2016, 10, 3))
    first = client.get("/timeline/")
    assert month_keys(first) == ["2016-10"] and first.context["years"] == [2016]
    later = build.message(day=date(2018, 3, 1), is_published=False)
    assert month_keys(client.get("/timeline/")) == ["2016-10"]
    later.is_published = True
    later.save()
    published = client.get("/timeline/")
    assert month_keys(published) == ["2016-10", "2018-03"]
    assert published.context["years"] == [2016, 2017, 2018]
    assert month_keys(client.get("/timeline/", {"year": 2018})) == ["2018-03"]
    later.is_published = False
    later.save()
    assert month_keys(client.get("/timeline/")) == ["2016-10"]
    assert month_keys(client.get("/timeline/", {"year": 2018})) == []


def test_a_threads_side_counts_follow_a_withdrawal(client, build):
    thread = build.thread(external_id="t")
    sender = build.account(handle="@a")
    messages = [build.message(thread=thread, sender=sender) for _ in range(3)]
    sides = client.get("/threads/t/").context["conversation"].sides
    assert [side.sent for side in sides] == [3]
    messages[0].is_published = False
    messages[0].save()
    sides = client.get("/threads/t/").context["conversation"].sides
    assert [side.sent for side in sides] == [2]


def test_the_messages_total_follows_an_admin_bulk_withdrawal(admin_client, client, build):
    messages = [build.message() for _ in range(3)]
    assert client.get("/messages/").context["count"].value == 3
    admin_client.post(
        "/admin/archive/message/",
        {"action": "unpublish", "_selected_action": [messages[0].pk, messages[1].pk]},
    )
    assert client.get("/messages/").context["count"].value == 1
