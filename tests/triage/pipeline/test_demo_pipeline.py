"""The demo's incoming tickets, through the real broker and a real worker process."""

import pytest

from tests.conftest import wait_for
from triage.demo.load import load_demo
from triage.models import Ticket

STAGES = {"preprocess", "classify", "assess", "retrieve", "draft", "guard", "route", "handoff"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_every_demo_ticket_ends_classified_assessed_drafted_and_routed(worker_broker):
    result = load_demo()  # queues its tickets itself, once it commits
    assert result.loaded and len(result.tickets) >= 40
    done = wait_for(
        lambda: not Ticket.objects.filter(status=Ticket.Status.NEW).exists(), seconds=240
    )
    if not done:
        worker_broker.terminate()
        pytest.fail(
            "worker did not finish:\n" + (worker_broker.communicate(timeout=20)[0] or "")[-5000:]
        )
    for ticket in Ticket.objects.prefetch_related("events", "classifications", "assessments"):
        assert ticket.classifications.count() == 1, ticket
        assert ticket.assessments.count() == 1, ticket
        assert ticket.team_id is not None and ticket.sla_due_at is not None, ticket
        events = {e.stage: e for e in ticket.events.all()}
        assert STAGES <= set(events), (ticket, set(events))
        assert all(not e.error for e in events.values())
        draft = ticket.drafts.get()
        assert draft.text or draft.no_answer_reason, (
            ticket
        )  # a draft, or a documented reason for none
        if ticket.assessments.get().tier >= 2:
            assert draft.handoff_note, ticket
        assert (
            events["classify"].versions["taxonomy"] >= 1
            and "routing" in events["route"].versions
            and "rules" in events["assess"].versions
        )
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses <= {
        Ticket.Status.TRIAGED,
        Ticket.Status.ESCALATED,
        Ticket.Status.IN_REVIEW,
        Ticket.Status.DRAFTED,
    }
    assert Ticket.objects.filter(status=Ticket.Status.ESCALATED).exists()
