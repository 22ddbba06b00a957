"""`make run` twice: the second says so and leaves the data alone."""

import fcntl
import subprocess
import sys

import pytest

from tests.conftest import ROOT, child_env, database_url_for_current_connection


@pytest.mark.django_db
def test_second_run_while_one_is_running_says_so(tmp_path):
    (tmp_path / "pgdata").mkdir()
    marker = tmp_path / "pgdata" / "PG_VERSION"
    marker.write_text("18\n")
    lock = (tmp_path / "run.lock").open("a+")
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    lock.write("4242")
    lock.flush()
    result = subprocess.run(
        [sys.executable, "manage.py", "rundev"],
        cwd=ROOT,
        env=child_env(
            DESKPILOT_VAR_DIR=str(tmp_path), DATABASE_URL=database_url_for_current_connection()
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "already running (pid 4242)" in result.stderr
    assert marker.read_text() == "18\n"
    # Importing settings creates nothing: the broker's folders appear only when Celery first
    # configures.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pgdata", "run.lock"]
