from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.access import AccessBackend, role_of, tickets_for
from triage.models import Team


def test_the_signed_in_user_comes_with_role_and_teams_in_one_query(people):
    backend = AccessBackend()
    with CaptureQueriesContext(connection) as ctx:
        lead = backend.get_user(people["lead"].pk)
        assert role_of(lead) == "lead"
        list(tickets_for(lead))
    # the user with role and teams, then the tickets: nothing else
    assert len(ctx.captured_queries) == 2
    assert sorted(lead._deskpilot_team_ids) == sorted(
        Team.objects.filter(slug__in=["billing", "technical"]).values_list("pk", flat=True)
    )


def test_a_user_without_groups_or_teams_has_no_role_and_sees_nothing(config):
    nobody = User.objects.create_user(username="nia", password="pw-nia")
    user = AccessBackend().get_user(nobody.pk)
    assert role_of(user) is None and user._deskpilot_team_ids == []
    assert not tickets_for(user).exists()


def test_the_highest_of_several_roles_wins_and_an_inactive_user_is_signed_out(people):
    agent = people["agent"]
    agent.groups.add(Group.objects.get(name="lead"))
    assert role_of(AccessBackend().get_user(agent.pk)) == "lead"
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert AccessBackend().get_user(agent.pk) is None
    assert AccessBackend().get_user(10**9) is None


def test_pages_use_the_backend_for_signed_in_users(client, people):
    client.force_login(people["agent"])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    access = [
        q["sql"]
        for q in ctx.captured_queries
        if "auth_user_groups" in q["sql"] or "triage_teammembership" in q["sql"]
    ]
    assert len(access) == 1 and access[0].startswith('SELECT "auth_user"."id"')
