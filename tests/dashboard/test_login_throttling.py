"""Login throttling (django-axes): a lock-out per user and address together, shown with its end,
the client's address only through trusted proxies, cool-off, unlock from the app."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests.conftest import make_user


def attempt(client, username, password, ip="10.0.0.1", **headers):
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


@pytest.fixture
def ann(config):
    return make_user("ann", "agent", ["billing"])


@pytest.mark.django_db
def test_five_wrong_passwords_lock_that_user_from_that_address(client, ann, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "ann", "wrong")
        assert response.status_code == 200 and "did not match" in response.content.decode()
    locked = attempt(client, "ann", "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page
    # The page says until when.
    until = timezone.localtime(
        AccessAttempt.objects.get().attempt_time + settings.AXES_COOLOFF_TIME
    )
    assert f'until <time datetime="{until.isoformat()}' in page or until.strftime("%H:%M") in page
    assert attempt(client, "ann", "pw-ann").status_code == 429  # the right one, same address
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_one_users_wrong_passwords_lock_out_no_one_else(client, ann, settings):
    bob = make_user("bob", "agent", ["billing"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "ann", "wrong", ip="10.6.6.6")
    assert attempt(client, "ann", "pw-ann", ip="10.6.6.6").status_code == 429
    # Another user at the same address (an office, a proxy) signs in.
    assert attempt(client, "bob", "pw-bob", ip="10.6.6.6").status_code == 302
    assert bob.pk
    client.logout()
    # And ann from another address.
    assert attempt(client, "ann", "pw-ann", ip="10.1.1.1").status_code == 302


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_agent_is_their_own_address(client, ann, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "ann", "wrong", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    locked = attempt(client, "ann", "pw-ann", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429
    fine = attempt(client, "ann", "pw-ann", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert fine.status_code == 302


@pytest.mark.django_db
def test_forwarded_for_from_an_untrusted_address_is_ignored(client, ann, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(settings.AXES_FAILURE_LIMIT):
        # An attacker rotating the header to dodge the lock: the header is not believed.
        attempt(client, "ann", "wrong", ip="10.6.6.6", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.6.6.6"}
    assert attempt(client, "ann", "pw-ann", ip="10.6.6.6").status_code == 429


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
def test_an_admin_unlocks_a_user_from_the_app(client, ann, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "ann", "wrong")
    assert attempt(client, "ann", "pw-ann").status_code == 429
    admin = make_user("ada", "admin")
    client.force_login(admin)
    page = client.get("/sign-in-locks/").content.decode()
    assert "ann" in page and "10.0.0.1" in page
    response = client.post("/sign-in-locks/unlock/", {"username": "ann", "ip_address": "10.0.0.1"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert "Nobody is locked out" in client.get("/sign-in-locks/").content.decode()
    client.logout()
    assert attempt(client, "ann", "pw-ann").status_code == 302


@pytest.mark.django_db
def test_only_admins_see_the_locks(client, ann):
    client.force_login(ann)
    assert client.get("/sign-in-locks/").status_code == 404
    assert client.post("/sign-in-locks/unlock/", {"username": "x"}).status_code == 404


@pytest.mark.django_db
def test_a_username_longer_than_any_is_refused_not_a_server_error(client, ann):
    response = attempt(client, "a" * 5000, "b" * 5000)
    assert response.status_code == 200 and "did not match" in response.content.decode()
