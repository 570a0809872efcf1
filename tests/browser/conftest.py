"""Real-browser journeys: Playwright driving Debian's Chromium against live_server.

Chromium is found on PATH (or named by CHROMIUM_PATH). Without it these tests skip with a
reason — except under CI=true, where a missing browser fails the run.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls our tests make
# between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path():
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        message = (
            "Debian's chromium is not installed (apt-get install chromium) "
            "and CHROMIUM_PATH is unset"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    yield from _page(browser, live_server, request)


@pytest.fixture(scope="session")
def reading_server(django_db_setup):
    """A second live server for the journeys that only read (`reading_page`): requesting
    pytest-django's `live_server` would make each test transactional, and flush the archive
    after it."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    yield server
    server._live_server_modified_settings.disable()
    server.stop()


@pytest.fixture
def reading_page(browser, shared_archive, reading_server, request):
    """A page on the real archive committed once for the module: for journeys that write
    nothing (no sign-in, no notes). A module of them overrides `page` with this."""
    yield from _page(browser, reading_server, request)


def _page(browser, server, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    if folder := os.environ.get("BACKCHANNEL_SCREENSHOTS"):
        screenshot(page, Path(folder), re.sub(r"[^A-Za-z0-9]+", "-", request.node.name).strip("-"))
    context.close()


def screenshot(page, folder, name):
    """Full-page screenshots at 1280 px and 375 px of where a journey ended.

    Nothing in the suite reads them, so they are taken only when asked for:
    BACKCHANNEL_SCREENSHOTS=<folder> saves one pair per browser test, for a person to look at.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        path = folder / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    return paths
