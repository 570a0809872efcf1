"""Personal API tokens: made and revoked on the account page, shown once, stored as a digest,
and only ever acting for their owner."""

import json
import re

import pytest
from django.urls import reverse

from annotations.models import ApiToken
from tests.support.annotation_helpers import make_annotation

pytestmark = pytest.mark.django_db

ACCOUNT = "/accounts/"


def make_token(client, name="my scripts"):
    page = client.post(ACCOUNT, {"name": name})
    key = re.search(r'value="(bc_[^"]+)"', page.content.decode())
    return page, key.group(1) if key else None


def test_the_account_page_needs_sign_in(client):
    answer = client.get(ACCOUNT)
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_a_new_token_is_shown_once_and_only_its_digest_is_stored(client, users):
    client.force_login(users["author"])
    page, key = make_token(client)
    assert page.status_code == 201 and key
    assert "no-store" in page["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.key_digest == ApiToken.digest(key) and key not in token.key_digest
    assert token.key_start == key[:8]
    again = client.get(ACCOUNT).content.decode()
    assert key not in again and "my scripts" in again and f"{key[:8]}…" in again


def test_a_token_acts_as_its_owner_and_stops_when_revoked(client, users, build):
    message = build.message()
    private = make_annotation(users["author"], message=message, visibility="private")
    client.force_login(users["author"])
    _, key = make_token(client)
    client.logout()
    iri = f"/api/annotations/{private.uuid}"
    assert client.get(iri).status_code == 404
    assert client.get(iri, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert ApiToken.objects.get().last_used is not None
    client.force_login(users["author"])
    revoked = client.post(reverse("annotations:revoke_token", args=[ApiToken.objects.get().pk]))
    assert revoked.status_code == 302
    client.logout()
    refused = client.get(iri, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert refused.status_code == 401 and json.loads(refused.content)["status"] == 401
    client.force_login(users["author"])
    assert "revoked" in client.get(ACCOUNT).content.decode()


def test_nobody_else_can_revoke_a_token(client, users):
    token, _ = ApiToken.issue(users["author"], "mine")
    client.force_login(users["other"])
    assert client.post(reverse("annotations:revoke_token", args=[token.pk])).status_code == 404
    assert client.get(reverse("annotations:revoke_token", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.is_active


def test_a_bad_name_re_renders_the_form_with_the_users_text(client, users):
    client.force_login(users["author"])
    page = client.post(ACCOUNT, {"name": "evil\u202ename"})
    assert page.status_code == 400 and "invisible" in page.content.decode()
    assert "evil\u202ename" in page.content.decode()
    assert client.post(ACCOUNT, {"name": ""}).status_code == 400
    assert not ApiToken.objects.exists()


def test_at_most_ten_tokens_are_in_use_at_once(client, users):
    for n in range(10):
        ApiToken.issue(users["author"], f"t{n}")
    client.force_login(users["author"])
    page = client.post(ACCOUNT, {"name": "one more"})
    assert page.status_code == 400 and "revoke one" in page.content.decode()
    assert ApiToken.objects.count() == 10


def test_a_deactivated_users_token_does_not_work(client, users, build):
    _, key = ApiToken.issue(users["author"], "old")
    users["author"].is_active = False
    users["author"].save()
    assert client.get("/api/annotations/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_malformed_authorization_header_is_401_not_a_500(client):
    for header in ["Bearer", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer " + "x" * 5000]:
        assert client.get("/api/annotations/", HTTP_AUTHORIZATION=header).status_code == 401


def test_the_form_sent_twice_makes_one_token_and_says_where_it_is(client, users):
    client.force_login(users["author"])
    first, key = make_token(client, "zotero sync")
    assert first.status_code == 201 and key
    again, second_key = make_token(client, "zotero sync")  # a reload of the answer page
    assert again.status_code == 400 and second_key is None
    text = again.content.decode()
    assert "You already have a token in use named “zotero sync”" in text
    assert 'value="zotero sync"' in text  # the input is kept
    assert ApiToken.objects.filter(user=users["author"]).count() == 1
    # A revoked token's name is free again; other users' names are their own.
    token = ApiToken.objects.get()
    client.post(reverse("annotations:revoke_token", args=[token.pk]))
    assert make_token(client, "zotero sync")[0].status_code == 201
    client.force_login(users["other"])
    assert make_token(client, "zotero sync")[0].status_code == 201


@pytest.mark.django_db(transaction=True)
def test_the_migration_tells_apart_active_tokens_that_shared_a_name():
    """Tokens made before the rule may share a name; migrating renames all but the first."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("annotations", "0007_link_checks")],
        [("annotations", "0008_unique_active_token_names")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(username="early")
    Token = old.get_model("annotations", "ApiToken")
    rows = [
        ("scripts", None),
        ("scripts", None),
        ("scripts", "2026-01-01T00:00Z"),
        ("scripts (2)", None),  # already taken: the next duplicate skips it
        ("scripts", None),
    ]
    for n, (name, revoked) in enumerate(rows):
        Token.objects.create(
            user=user, name=name, key_digest=f"{n}" * 64, key_start="bc_x", revoked_at=revoked
        )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    names = ApiToken.objects.filter(user_id=user.pk).order_by("pk").values_list("name", flat=True)
    assert list(names) == ["scripts", "scripts (3)", "scripts", "scripts (2)", "scripts (4)"]
