"""A bad setting stops start-up with one line naming the variable; production settings pass check
--deploy."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT, child_env, database_url_for_current_connection


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/app"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://user@localhost:notaport/app"}, "DATABASE_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"CELERY_BROKER_URL": "kafka://broker"}, "CELERY_BROKER_URL"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"ROUTING_CONFIDENCE_THRESHOLD": "1.7"}, "ROUTING_CONFIDENCE_THRESHOLD"),
        ({"CLASSIFIER_ENGINE": "gpt"}, "CLASSIFIER_ENGINE"),
        ({"EMBEDDING_BACKEND": "gpu"}, "EMBEDDING_BACKEND"),
        ({"RETRIEVAL_MODE": "sparse"}, "RETRIEVAL_MODE"),
        ({"PIPELINE_BATCH_SIZE": "0"}, "PIPELINE_BATCH_SIZE"),
        ({"PIPELINE_BATCH_WAIT_SECONDS": "9"}, "PIPELINE_BATCH_WAIT_SECONDS"),
        ({"DEBUG": "false", "ALLOWED_HOSTS": "support.example.com"}, "SECRET_KEY"),
    ],
)
def test_bad_setting_fails_with_one_line_naming_it(env, names):
    result = run_manage("check", **env)
    assert result.returncode == 2
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and "RuntimeDirWarning" not in line and "user_runtime_dir" not in line
    ]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and names in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k" * 20 + "-production-secret-" + "x9" * 20,
        ALLOWED_HOSTS="support.example.com",
        DATABASE_URL=database_url_for_current_connection(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("eager", "expected"), [("false", "32 0.2"), ("true", "1 0.0")])
def test_tasks_run_inline_take_one_ticket_each_and_never_wait(eager, expected):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.PIPELINE_BATCH_SIZE, s.PIPELINE_BATCH_WAIT_SECONDS)",
        ],
        cwd=ROOT,
        env=child_env(CELERY_TASK_ALWAYS_EAGER=eager),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split()[-2:] == expected.split(), result.stderr
