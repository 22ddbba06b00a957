"""Every management command, on a database that is not migrated or cannot be reached, exits
non-zero with one readable line (no traceback)."""

import subprocess
import sys
import uuid

import psycopg
import pytest
from django.db import connection

from tests.conftest import ROOT, child_env, database_url_for_current_connection

# Each of our commands (all that touch the database) with arguments it would accept on a working
# one.
COMMANDS = [
    ["evaluate", "--drafts", "--train", "{csv}", "--test", "{csv}", "--text", "text",
     "--answer", "answer"],
    ["evaluate", "--cases"],
    ["ingest_csv", "{csv}", "--map", "body=text"],
    ["ingest_mbox", "{mbox}"],
    ["load_demo", "--no-process"],
    ["api_clients", "list"],
    ["import_resolved", "{csv}", "--map", "text=text,category=category"],
    ["import_articles", "{dir}"],
    ["reembed"],
]  # fmt: skip


@pytest.fixture
def files(tmp_path):
    csv_file = tmp_path / "rows.csv"
    csv_file.write_text("text,category,answer\nMy invoice is wrong,billing,We fixed it.\n")
    mbox = tmp_path / "in.mbox"
    mbox.write_text(
        "From jo@mail.example Fri Dec  4 09:00:00 2026\nFrom: jo@mail.example\n"
        "Subject: Hi\n\nMy invoice is wrong.\n"
    )
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "refunds.md").write_text("# Refunds\n\nWe refund duplicates.\n")
    return {"csv": str(csv_file), "mbox": str(mbox), "dir": str(tmp_path / "articles")}


@pytest.fixture
def empty_database(django_db_blocker):
    """A database on the test server with nothing in it (never migrated)."""
    with django_db_blocker.unblock():
        connection.ensure_connection()  # the embedded server says where it listens once started
        url = database_url_for_current_connection()
        s = connection.settings_dict
    name = f"deskpilot_empty_{uuid.uuid4().hex[:8]}"
    server = {"host": s["HOST"], "port": s["PORT"] or None, "user": s["USER"]}
    server.update({"password": s["PASSWORD"]} if s["PASSWORD"] else {})
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.replace(f"/{s['NAME']}", f"/{name}", 1)
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: list[str], files: dict, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *(a.format(**files) for a in args)],
        cwd=ROOT,
        env=child_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=180,
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and "RuntimeDirWarning" not in line and "user_runtime_dir" not in line
    ]
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_command_on_an_unmigrated_database_says_to_migrate(args, files, empty_database):
    line = one_error_line(run(args, files, empty_database))
    assert "not migrated" in line and "migrate" in line, line


@pytest.mark.parametrize("args", COMMANDS[:4], ids=lambda a: " ".join(a[:2]))
def test_a_command_on_an_unreachable_database_says_so(args, files):
    line = one_error_line(run(args, files, "postgresql://nobody@127.0.0.1:9/none"))
    assert "cannot be reached" in line and "DATABASE_URL" in line, line
