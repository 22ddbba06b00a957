"""Browser tests: real Chromium (Debian's) driven by Playwright against the live server."""

import os
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone
from playwright.sync_api import sync_playwright

from triage.demo.load import load_demo
from triage.engines import classify_local
from triage.pipeline.run import run_pipeline

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous and safe. Only for the browser session.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield from _browser()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


SNAPSHOT_SCHEMA = "test_demo_snapshot"
_snapshot: dict = {}


def _tables() -> list[str]:
    """The tables a test's flush empties: every model's."""
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def _take_snapshot(result) -> None:
    """Copy every table of the world just built into a schema of its own (a flush leaves it be)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table in _tables():
            cursor.execute(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{table}" AS TABLE public."{table}"')
    _snapshot.update(result=result, taken=timezone.now())


def _restore_snapshot():
    """The world as it was built, its clocks moved on by the time since: every row back with its
    own keys, sequences past them, every timestamp shifted so that ages and SLA clocks read as
    they did."""
    tables = _tables()
    shift = timezone.now() - _snapshot["taken"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND is_generated = 'NEVER' ORDER BY ordinal_position"
        )
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in cursor.fetchall():
            columns.setdefault(table, []).append((column, data_type))
        cursor.execute(
            "TRUNCATE " + ", ".join(f'public."{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
        cursor.execute("SET session_replication_role = replica")  # no triggers, no FK checks
        for table in tables:
            names = ", ".join(f'"{column}"' for column, _ in columns[table])
            cursor.execute(
                f'INSERT INTO public."{table}" ({names}) '
                f'SELECT {names} FROM {SNAPSHOT_SCHEMA}."{table}"'
            )
        for table in tables:
            stamps = [c for c, kind in columns[table] if kind == "timestamp with time zone"]
            if stamps:
                assignments = ", ".join(f'"{c}" = "{c}" + %s' for c in stamps)
                cursor.execute(f'UPDATE public."{table}" SET {assignments}', [shift] * len(stamps))
        cursor.execute("SET session_replication_role = DEFAULT")
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)
    ContentType.objects.clear_cache()
    return _snapshot["result"]


@pytest.fixture
def demo_world(transactional_db, settings):
    """The demo data, every incoming ticket through the pipeline (inline), as `make run` leaves
    it. Built once per session (8-10 s here); each later test gets a copy of it."""
    classify_local.reset_cache()
    if _snapshot:
        result = _restore_snapshot()
    else:
        result = load_demo()
        for ticket_id in result.tickets:
            run_pipeline(ticket_id=ticket_id)
        _take_snapshot(result)
    yield result
    classify_local.reset_cache()


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
