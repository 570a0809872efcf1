"""Sign-in lockouts: the real client address, per-address limit, reset lifts it, curators clear."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from tests.support.accounts import LOGIN, sign_in
from tests.support.query_counts import QUERY_BOUNDS


def fail(client, username, **extra):
    return client.post(LOGIN, {"username": username, "password": "wrong"}, **extra)


def test_a_forged_forwarded_for_is_ignored_without_a_declared_proxy(client, users, settings):
    settings.BEHIND_TLS_PROXY = False
    fail(client, "author", headers={"X-Forwarded-For": "198.51.100.7"}, REMOTE_ADDR="192.0.2.1")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.1"]
    # Changing the forged header each time does not escape the lock.
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail(
            client,
            "author",
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
            REMOTE_ADDR="192.0.2.1",
        )
    assert sign_in(client, "author", "pw-author-123", REMOTE_ADDR="192.0.2.1").status_code == 429


def test_behind_the_proxy_each_client_is_its_own_address(client, users, settings):
    settings.BEHIND_TLS_PROXY = True
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The proxy appends the address it saw; anything the client wrote before it is ignored.
    attacker = {"headers": {"X-Forwarded-For": "192.0.2.50, 203.0.113.9"}, **proxy}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail(client, "author", **attacker)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert sign_in(client, "author", "pw-author-123", **attacker).status_code == 429
    # The researcher, through the same proxy from their own address, is not locked out.
    researcher = {"headers": {"X-Forwarded-For": "198.51.100.20"}, **proxy}
    assert sign_in(client, "author", "pw-author-123", **researcher).status_code == 302


def test_an_address_is_locked_after_many_failures_across_usernames(client, users, settings):
    per_user = settings.AXES_FAILURE_LIMIT - 1  # never enough to lock one username
    names = [f"guess{i}" for i in range(settings.AXES_ADDRESS_FAILURE_LIMIT // per_user + 1)]
    responses = [fail(client, name).status_code for name in names for _ in range(per_user)]
    assert 429 in responses
    assert responses.index(429) == settings.AXES_ADDRESS_FAILURE_LIMIT - 1
    # The whole address is paused, even for a real account with the right password …
    assert sign_in(client, "member", "pw-member-123").status_code == 429
    # … and nobody else is.
    assert sign_in(client, "member", "pw-member-123", REMOTE_ADDR="192.0.2.99").status_code == 302


def test_signing_into_ones_own_account_does_not_wipe_the_address_count(client, users, settings):
    for i in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        fail(client, f"guess{i % 4}x{i // 16}")
    assert sign_in(client, "other", "pw-other-123").status_code == 302
    client.post(reverse("logout"))
    assert fail(client, "author").status_code == 429


def test_a_completed_password_reset_lifts_the_lockout(client, users, mailoutbox):
    author = users["author"]
    author.email = "author@example.org"
    author.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail(client, "author")
    assert sign_in(client, "author", "pw-author-123").status_code == 429
    client.post("/accounts/password_reset/", {"email": "author@example.org"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session key
    done = client.post(
        form_url,
        {"new_password1": "a-new-long-password-7", "new_password2": "a-new-long-password-7"},
    )
    assert done.status_code == 302
    assert not AccessAttempt.objects.filter(username="author").exists()
    assert sign_in(client, "author", "a-new-long-password-7").status_code == 302


@pytest.fixture
def curator(users):
    return users["curator"]  # staff, no extra permissions: `curator_client` signs this one in


def test_curators_see_lockouts_in_the_admin(curator_client, users, django_assert_max_num_queries):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail(curator_client, "author", REMOTE_ADDR="192.0.2.5")
    for n in range(10):
        fail(curator_client, f"other{n}", REMOTE_ADDR="192.0.2.6")
    with django_assert_max_num_queries(QUERY_BOUNDS["admin_access_attempts"]):
        page = curator_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "author" in text and "192.0.2.5" in text
    assert "Locked: this username from this address" in text
    assert "Lift the lockout" in text


def test_a_curator_clears_a_lockout_and_the_researcher_signs_in(
    curator_client, users, client_factory=None
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail(curator_client, "author", REMOTE_ADDR="192.0.2.5")
    attempt = AccessAttempt.objects.get(username="author")
    response = curator_client.post(
        "/admin/axes/accessattempt/",
        {"action": "clear_lockouts", "_selected_action": [attempt.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "they can sign in again" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    curator_client.post(reverse("logout"))
    assert (
        sign_in(curator_client, "author", "pw-author-123", REMOTE_ADDR="192.0.2.5").status_code
        == 302
    )


def test_a_curator_clears_a_locked_address(curator_client, users):
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        fail(curator_client, f"guess{n}", REMOTE_ADDR="192.0.2.6")
    assert (
        sign_in(curator_client, "author", "pw-author-123", REMOTE_ADDR="192.0.2.6").status_code
        == 429
    )
    one = AccessAttempt.objects.filter(ip_address="192.0.2.6").first()
    curator_client.force_login(users["curator"])
    curator_client.post(
        "/admin/axes/accessattempt/", {"action": "clear_addresses", "_selected_action": [one.pk]}
    )
    assert not AccessAttempt.objects.exists()
    assert (
        sign_in(curator_client, "author", "pw-author-123", REMOTE_ADDR="192.0.2.6").status_code
        == 302
    )


def test_other_researchers_cannot_open_the_lockouts(client, users):
    client.force_login(users["other"])
    assert client.get("/admin/axes/accessattempt/").status_code == 302


def test_one_username_is_locked_after_failures_from_many_addresses(client, users, settings):
    """Behind the proxy, an attacker with many addresses stays under every per-address limit;
    the username's own count across all of them locks it."""
    settings.BEHIND_TLS_PROXY = True
    per_address = settings.AXES_FAILURE_LIMIT - 1
    addresses = [f"203.0.113.{n}" for n in range(1, 60)]
    responses = []
    for address in addresses:
        for _ in range(per_address):
            answer = fail(client, "author", headers={"X-Forwarded-For": address})
            responses.append(answer.status_code)
    assert responses.index(429) == settings.AXES_ACCOUNT_FAILURE_LIMIT - 1
    # Locked from a new address with the right password too; other accounts are not.
    fresh = {"headers": {"X-Forwarded-For": "198.51.100.77"}}
    assert sign_in(client, "author", "pw-author-123", **fresh).status_code == 429
    assert sign_in(client, "member", "pw-member-123", **fresh).status_code == 302


def test_addresses_of_one_ipv6_network_count_as_one_client(client, users, settings):
    """One /64 gives a client 2**64 addresses: they are counted as one."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail(client, "author", REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
    same_network = sign_in(client, "author", "pw-author-123", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert same_network.status_code == 429
    # Another /64 is another client.
    other_network = sign_in(client, "author", "pw-author-123", REMOTE_ADDR="2001:db8:1:3::1")
    assert other_network.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) >= {"2001:db8:1:2::"}


def test_an_ipv4_address_written_as_ipv6_is_the_ipv4_client(rf):
    from lib.rate_limits import client_network

    request = rf.get("/", REMOTE_ADDR="::ffff:192.0.2.5")
    assert client_network(request) == "192.0.2.5"
