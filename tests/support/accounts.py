"""Signing in: the curator persona, the login form through the test client, and in a browser."""

import re

import pytest

LOGIN = "/accounts/login/"


@pytest.fixture
def curator(users):
    """The curator persona as a superuser; a module that needs a narrower curator overrides it."""
    curator = users["curator"]
    curator.is_superuser = True
    curator.save()
    return curator


@pytest.fixture
def curator_client(client, curator):
    """The test client signed in as `curator`."""
    client.force_login(curator)
    return client


def sign_in(client, username, password, **extra):
    """Post the sign-in form with the test client, as a person would; returns the response."""
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def sign_in_browser(page, username, password, next_url, login_url=LOGIN):
    """Sign in through the form (ours or the admin's) in a Playwright page; wait for next_url."""
    page.goto(f"{login_url}?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    # Our form's button says "Sign in"; the admin's says "Log in".
    page.get_by_role("button", name=re.compile(r"^(Sign|Log) in$")).click()
    page.wait_for_url(f"**{next_url}")
