"""The cap on any one reviewer's share of a team's hardest tickets: load balancing with skills
alone hands them all to one person; with the cap they are shared."""

from __future__ import annotations

import pytest

from tests.conftest import make_ticket, make_user
from triage.models import Team, Ticket
from triage.pipeline.route import choose_reviewer, hard_difficulty
from triage.review.teams import set_hard_share_cap


def ticket(team: Team, difficulty: int, *, status=Ticket.Status.RESOLVED, reviewer=None):
    made = make_ticket(body=f"question of difficulty {difficulty}")
    Ticket.objects.filter(pk=made.pk).update(
        team=team, difficulty=difficulty, status=status, reviewer=reviewer
    )
    return Ticket.objects.get(pk=made.pk)


def hard_tickets_assigned(team: Team, n: int) -> list[str]:
    names = []
    for _ in range(n):
        reviewer = choose_reviewer(team, skills={"billing"}, difficulty=9)
        ticket(team, 9, status=Ticket.Status.IN_REVIEW, reviewer=reviewer)
        names.append(reviewer.username)
    return names


@pytest.fixture
def billing(config):
    team = Team.objects.get(slug="billing")
    ann = make_user("ann", "agent")
    bob = make_user("bob", "agent")
    team.teammembership_set.create(user=ann, skills=["billing"])
    team.teammembership_set.create(user=bob, skills=[])
    for difficulty in range(1, 11):
        ticket(team, difficulty)
    for _ in range(12):  # bob carries many easy open tickets: by load, ann gets the hard ones
        ticket(team, 2, status=Ticket.Status.IN_REVIEW, reviewer=bob)
    return team


def test_without_a_cap_the_skilled_reviewer_gets_every_hard_ticket(billing):
    assert hard_difficulty(billing) == 6  # the hardest fifth of 22 recent tickets
    assert hard_tickets_assigned(billing, 4) == ["ann"] * 4


def test_with_a_cap_of_half_no_one_holds_more_than_half_while_the_other_is_below(billing):
    set_hard_share_cap(team=billing, cap=0.5)
    assert hard_tickets_assigned(billing, 4) == ["ann", "bob", "ann", "bob"]


def test_the_cap_leaves_ordinary_tickets_to_load_balancing(billing):
    set_hard_share_cap(team=billing, cap=0.5)
    hard_tickets_assigned(billing, 2)
    assert choose_reviewer(billing, skills={"billing"}, difficulty=3).username == "ann"


def test_a_cap_outside_zero_to_one_is_refused(billing):
    with pytest.raises(ValueError, match="above 0"):
        set_hard_share_cap(team=billing, cap=1.5)
