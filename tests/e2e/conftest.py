"""Real-browser tests: Playwright's sync API driving the system's headless Chromium.

`playwright install` cannot download a browser here, so the tests use the one the machine has
(env CHROMIUM, else /usr/bin/chromium or /usr/bin/chromium-browser) and skip when there is none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

# Playwright's sync API keeps an event loop running in the main thread; Django's ORM would
# otherwise refuse every query made from the tests as if it were called from async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000
NO_CHROMIUM = "no Chromium found: e2e tests skipped"


# The rows the data migrations wrote (dimensions, member categories), as pytest-django serialized
# them, and the blocker that lets this file touch the database between tests.
_migration_rows: dict[str, str] = {}
_db_blocker: list[Any] = []


def _restore_migration_rows() -> None:
    """Put the database back as the migrations left it.

    A transactional test ends by emptying every table. Tests that run after it (and, with
    --reuse-db, the next run, whose kept database is not migrated again) expect those rows.
    """
    with _db_blocker[0].unblock():
        for alias, contents in _migration_rows.items():
            call_command("flush", database=alias, interactive=False, verbosity=0, inhibit_post_migrate=True)
            connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="session", autouse=True)
def _keep_migration_rows(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    _migration_rows.update(
        {c.alias: c._test_serialized_contents for c in connections.all() if hasattr(c, "_test_serialized_contents")}  # type: ignore[attr-defined]
    )
    _db_blocker.append(django_db_blocker)
    yield
    _restore_migration_rows()  # after the last e2e test, before the test database is put away


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    result = yield  # the test's fixtures are torn down here: the live server's database is emptied
    if nextitem is not None and _migration_rows and _db_blocker and "e2e" in item.keywords:
        _restore_migration_rows()
    return result


def _share_migration_rows() -> None:
    # Once Playwright's loop runs in this thread, Django hands out connection objects per context,
    # and the new ones lack the serialized rows that serialized_rollback restores before each test.
    for alias, contents in _migration_rows.items():
        setattr(connections[alias], "_test_serialized_contents", contents)  # noqa: B010 - private to Django


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return next((path for path in CHROMIUM_CANDIDATES if Path(path).is_file()), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if find_chromium() is not None:
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser(_keep_migration_rows: None) -> Iterator[Any]:
    executable = find_chromium()
    if executable is None:
        pytest.skip(NO_CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the package is in requirements-dev.txt
        pytest.skip("playwright is not installed: e2e tests skipped")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        _share_migration_rows()
        yield chromium
        chromium.close()


def _page(browser: Any, viewport: dict[str, int], **options: Any) -> Iterator[Any]:
    # A Chinese browser, as the users have: the site must come up in Chinese without being told.
    context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page."""
    yield from _page(browser, DESKTOP)


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """A phone-sized page (390×844, touch, as an ordinary smartphone)."""
    yield from _page(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


def log_in(page: Any, live_server: Any, username: str, password: str) -> None:
    """Log in through the real login form and wait for the home page."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
