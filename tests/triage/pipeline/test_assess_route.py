from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import make_ticket, make_user
from triage.ingest.service import CustomerInput
from triage.models import Assessment, Classification, EscalationRule, Team, TeamMembership, Ticket
from triage.pipeline.assess import assess, recent_tickets
from triage.pipeline.route import choose_reviewer
from triage.pipeline.run import run_pipeline
from triage.pipeline.sla import add_business_hours


def classified(
    body: str,
    *,
    category="billing",
    urgency="P3",
    sentiment="neutral",
    confidence=0.95,
    risk=0.05,
    customer=True,
    language="en",
    **kwargs,
):
    ticket = make_ticket(
        body=body,
        customer=CustomerInput(email="c@x.example") if customer else CustomerInput(),
        **kwargs,
    )
    ticket.masked_text = body
    ticket.language = language
    ticket.save()
    classification = Classification.objects.create(
        ticket=ticket,
        urgency=urgency,
        category=category,
        sentiment=sentiment,
        confidence=confidence,
        escalation_risk=risk,
        engine="local",
    )
    return ticket, classification


def codes(result):
    return {r["code"] for r in result.reasons}


@pytest.mark.parametrize(
    ("body", "language", "code", "tier"),
    [
        ("I will talk to my lawyer about this invoice", "en", "legal", 3),
        ("Unser Anwalt prüft rechtliche Schritte", "de", "legal", 3),
        ("Mi abogado presentará una demanda", "es", "legal", 3),
        ("Notre avocat va porter plainte", "fr", "legal", 3),
        ("I want to cancel my subscription today", "en", "cancel", 2),
        ("Ich möchte kündigen", "de", "cancel", 2),
        ("I will file a chargeback with my bank", "en", "chargeback", 2),
        ("This is the third time I write to you", "en", "repeat_contact", 2),
        ("C'est la troisième fois que j'écris", "fr", "repeat_contact", 2),
        ("I want to speak to a manager", "en", "manager", 2),
        ("I've been waiting for 5 days for an answer", "en", "waiting_days", 2),
        ("I'll post this on Twitter", "en", "public_complaint", 2),
        ("Our account was hacked yesterday", "en", "security_issue", 3),
        ("Please delete all my personal data", "en", "data_deletion", 2),
    ],
)
def test_signal_patterns_in_four_languages(config, body, language, code, tier):
    ticket, classification = classified(body, language=language)
    result = assess(ticket=ticket, classification=classification, text=body)
    assert code in codes(result) and result.tier >= tier


def test_engine_flag_and_sentiment_are_layers_of_their_own(config):
    ticket, classification = classified("Please look at my invoice settings when you can", risk=0.8)
    assert "engine_risk" in codes(
        assess(ticket=ticket, classification=classification, text=ticket.masked_text)
    )
    ticket, classification = classified(
        "Please look at my invoice settings when you can", sentiment="angry"
    )
    result = assess(ticket=ticket, classification=classification, text=ticket.masked_text)
    assert "sentiment" in codes(result) and result.tier == 2


def test_a_calm_confident_question_is_tier_0(config):
    ticket, classification = classified("How do I add our VAT number to invoices?", urgency="P4")
    result = assess(ticket=ticket, classification=classification, text=ticket.masked_text)
    assert result.tier == 0 and not result.reasons


def test_disabled_rule_triggers_nothing(config):
    EscalationRule.objects.filter(slug="legal").update(enabled=False)
    ticket, classification = classified("I will talk to my lawyer about this invoice")
    assert "legal" not in codes(
        assess(ticket=ticket, classification=classification, text=ticket.masked_text)
    )


def test_account_question_without_account_asks_for_clarification(config):
    ticket, classification = classified(
        "I cannot log in to my account anymore", category="account", customer=False
    )
    result = assess(ticket=ticket, classification=classification, text=ticket.masked_text)
    assert "missing_account_data" in codes(result) and result.needs_clarification


def test_many_recent_tickets_on_one_issue_escalate(config):
    for _ in range(3):
        classified("Charged twice again", subject="again")
    ticket, classification = classified("Charged twice again, still")
    recent = recent_tickets(ticket=ticket, category=classification.category)
    assert recent == 3
    result = assess(
        ticket=ticket,
        classification=classification,
        text=ticket.masked_text,
        recent_same_category=recent,
    )
    assert "repeat_tickets" in codes(result) and result.tier >= 2


@pytest.mark.parametrize("body", ["nothing works", "help", "hello?? anyone there"])
def test_ambiguous_tickets_ask_for_clarification(config, body):
    ticket, classification = classified(body, confidence=0.4)
    assert assess(ticket=ticket, classification=classification, text=body).needs_clarification


def test_business_hours_sla_skips_nights_and_weekends():
    berlin = ZoneInfo("UTC")
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=berlin)
    hours = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}
    assert add_business_hours(friday_4pm, 2, hours) == datetime(2026, 11, 23, 10, 0, tzinfo=berlin)
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=berlin)
    assert add_business_hours(saturday, 8, hours) == datetime(2026, 11, 23, 17, 0, tzinfo=berlin)
    assert add_business_hours(friday_4pm, 2, None) == friday_4pm + timedelta(hours=2)


def test_routing_sends_escalation_rule_reasons_and_tier3_to_escalations(config, knowledge):
    make_user("esc", "agent", ["escalations"])
    make_user("sec", "agent", ["security-response"])
    make_user("bill", "agent", ["billing"])
    make_user("tech", "agent", ["technical"])
    for body, team in [
        ("I was charged twice for my subscription this month", "billing"),
        # P1 alone raises the tier and the rank, and stays with the team that can fix it.
        ("Ledgerly is down, 502 Bad Gateway for everyone", "technical"),
        ("Suspicious login on our account, we were hacked", "security-response"),
        ("I was charged twice. My lawyer will sue you.", "escalations"),
    ]:
        ticket = make_ticket(body=body)
        run_pipeline(ticket_id=ticket.pk)
        ticket.refresh_from_db()
        assert ticket.team.slug == team, body
        assert ticket.sla_due_at is not None and ticket.reviewer is not None
        assert {e.stage for e in ticket.events.all()} >= {
            "preprocess",
            "classify",
            "assess",
            "route",
        }


def test_low_confidence_goes_to_human_triage_with_two_suggestions(config, knowledge):
    ticket = make_ticket(body="Question about the thing", subject="")
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    event = ticket.events.get(stage="route")
    assert ticket.needs_human_triage
    assert len(event.outputs["suggestions"]) == 2


def test_reviewer_choice_balances_weighted_load(config):
    team = Team.objects.get(slug="billing")
    a = make_user("a", "agent", ["billing"])
    b = make_user("b", "agent", ["billing"])
    hard = make_ticket(body="angry p1")
    Ticket.objects.filter(pk=hard.pk).update(
        reviewer=a, difficulty=9, status=Ticket.Status.IN_REVIEW
    )
    for _ in range(3):
        easy = make_ticket(body="p4 how to")
        Ticket.objects.filter(pk=easy.pk).update(
            reviewer=b, difficulty=2, status=Ticket.Status.IN_REVIEW
        )
    # b has more tickets but less weighted load
    assert choose_reviewer(team, skills=set()) == b
    Ticket.objects.filter(reviewer=b).update(
        status=Ticket.Status.SENT
    )  # closed work does not count
    assert choose_reviewer(team, skills=set()) == b

    TeamMembership.objects.filter(user=b).update(available=False)
    assert choose_reviewer(team, skills=set()) == a


def test_tier3_tickets_end_escalated(config, knowledge):
    ticket = make_ticket(body="Our lawyer is preparing legal action over your invoices.")
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ESCALATED
    assert Assessment.objects.get(ticket=ticket).tier == 3


ANGRY_EVERYDAY = "This is ridiculous!!! Your invoice PDF export is broken AGAIN, fix it NOW!!!"


def test_anger_alone_stays_in_the_team_first_in_its_queue_unless_the_team_hands_it_on(
    config, knowledge
):
    make_user("esc", "agent", ["escalations"])
    make_user("tech", "agent", ["technical"])
    make_user("bill", "agent", ["billing"])
    ticket = make_ticket(body=ANGRY_EVERYDAY, subject="Export broken")
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.sentiment == "angry" and ticket.tier >= 2
    assert not ticket.team.is_escalation_team, ticket.team
    assert "stays, first in the queue" in ticket.events.get(stage="route").outputs["reason"]
    calm = make_ticket(body="The invoice PDF export does not work for me.", subject="Export")
    run_pipeline(ticket_id=calm.pk)
    calm.refresh_from_db()
    if calm.team_id == ticket.team_id:
        assert ticket.queue_rank_at < calm.queue_rank_at  # anger comes first within the team

    Team.objects.filter(slug=ticket.team.slug).update(escalate_when_angry=True)
    again = make_ticket(body=ANGRY_EVERYDAY + " (again)", subject="Export broken again")
    run_pipeline(ticket_id=again.pk)
    again.refresh_from_db()
    assert again.team.is_escalation_team
    assert "the team hands anger on" in again.events.get(stage="route").outputs["reason"]


def test_a_team_may_hand_p1_tickets_on(config, knowledge):
    make_user("esc", "agent", ["escalations"])
    make_user("tech", "agent", ["technical"])
    Team.objects.filter(slug="technical").update(escalate_p1=True)
    ticket = make_ticket(body="Ledgerly is down, 502 Bad Gateway for everyone")
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.urgency == "P1" and ticket.team.slug == "escalations"
