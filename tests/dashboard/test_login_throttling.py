"""Login throttling (django-axes): lock-out per user and per address, shown, cool-off, unlock."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests.conftest import make_user


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def ann(config):
    return make_user("ann", "agent", ["billing"])


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_user_even_with_the_right_one(client, ann, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "ann", "wrong")
        assert response.status_code == 200 and "did not match" in response.content.decode()
    locked = attempt(client, "ann", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    right = attempt(client, "ann", "pw-ann", ip="10.9.9.9")  # from elsewhere: the user is locked
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_one_address_trying_many_users_is_locked(client, ann, settings):
    for index in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"user{index}", "guess", ip="10.6.6.6")
    assert attempt(client, "ann", "pw-ann", ip="10.6.6.6").status_code == 429
    # Another address may still log in as ann.
    assert attempt(client, "ann", "pw-ann", ip="10.1.1.1").status_code == 302


@pytest.mark.django_db
def test_the_lock_lifts_after_the_cool_off(client, ann, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "ann", "wrong")
    assert attempt(client, "ann", "pw-ann").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert attempt(client, "ann", "pw-ann").status_code == 302


@pytest.mark.django_db
def test_an_admin_unlocks_a_user_at_once(client, ann, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "ann", "wrong")
    assert attempt(client, "ann", "pw-ann").status_code == 429
    admin = make_user("ada", "admin")
    client.force_login(admin)
    ids = list(AccessAttempt.objects.filter(username="ann").values_list("pk", flat=True))
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    client.logout()
    assert attempt(client, "ann", "pw-ann").status_code == 302
