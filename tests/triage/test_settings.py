"""A bad setting stops start-up with one line naming the variable; production settings pass check
--deploy."""

import subprocess
import sys

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User

from tests.conftest import ROOT, child_env, database_url_for_current_connection

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-in-production-0123456789abcdef"
# A production environment with every credential of its own.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-production-secret-" + "x9" * 20,
    "ALLOWED_HOSTS": "support.example.com",
    "ZENDESK_WEBHOOK_SECRET": "zd-" + "s3cr3t" * 6,
    "INTERCOM_WEBHOOK_SECRET": "ic-" + "s3cr3t" * 6,
    "FRESHDESK_WEBHOOK_SECRET": "disabled",
}


def run_manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    """manage.py in a child process; an env value of None leaves that variable unset."""
    environment = child_env(**{k: v for k, v in env.items() if v is not None})
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
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
        # Production without each credential, or with a development default, refuses to start.
        ({**PRODUCTION, "ZENDESK_WEBHOOK_SECRET": None}, "ZENDESK_WEBHOOK_SECRET"),
        ({**PRODUCTION, "INTERCOM_WEBHOOK_SECRET": None}, "INTERCOM_WEBHOOK_SECRET"),
        ({**PRODUCTION, "FRESHDESK_WEBHOOK_SECRET": None}, "FRESHDESK_WEBHOOK_SECRET"),
        ({**PRODUCTION, "ZENDESK_WEBHOOK_SECRET": "dev-zendesk-secret"}, "ZENDESK_WEBHOOK_SECRET"),
        (
            {**PRODUCTION, "INTERCOM_WEBHOOK_SECRET": "dev-intercom-secret"},
            "INTERCOM_WEBHOOK_SECRET",
        ),
        (
            {**PRODUCTION, "FRESHDESK_WEBHOOK_SECRET": "dev-freshdesk-secret"},
            "FRESHDESK_WEBHOOK_SECRET",
        ),
        ({**PRODUCTION, "FRESHDESK_WEBHOOK_SECRET": "short"}, "FRESHDESK_WEBHOOK_SECRET"),
        ({**PRODUCTION, "API_TOKENS": "-"}, "API_TOKENS"),
        ({**PRODUCTION, "API_TOKENS": "dev-api-token"}, "API_TOKENS"),
        ({**PRODUCTION, "SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
        ({**PRODUCTION, "ZENDESK_API_URL": "https://acme.zendesk.com"}, "ZENDESK_API_USER"),
        (
            {**PRODUCTION, "FRESHDESK_API_URL": "https://acme.freshdesk.com"},
            "FRESHDESK_API_KEY",
        ),
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
        **PRODUCTION,
        DATABASE_URL=database_url_for_current_connection(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_each_development_default():
    """Preparing a deployment (DEBUG still on): each credential left at its development default is
    named."""
    result = run_manage("check", "--deploy", DEBUG="true")
    assert result.returncode != 0
    for name in (
        "SECRET_KEY",
        "ZENDESK_WEBHOOK_SECRET",
        "INTERCOM_WEBHOOK_SECRET",
        "FRESHDESK_WEBHOOK_SECRET",
        "API_TOKENS",
    ):
        assert f"{name} " in result.stderr + result.stdout, name


@pytest.mark.django_db(transaction=True)
def test_check_deploy_names_an_account_with_the_demos_password(config):
    # Hashed as production hashes passwords (the tests' own hasher is a fast one it does not know).
    User.objects.create(
        username="admin", password=PBKDF2PasswordHasher().encode("deskpilot-admin", "saltsalt")
    )
    result = run_manage(
        "check",
        "--deploy",
        "--database",
        "default",
        **PRODUCTION,
        DATABASE_URL=database_url_for_current_connection(),
    )
    assert result.returncode != 0 and "deskpilot.E003" in result.stderr + result.stdout


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
