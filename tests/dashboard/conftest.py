import pytest

from tests.conftest import make_ticket, make_user
from triage.ingest.service import CustomerInput
from triage.models import Outbound
from triage.pipeline.run import run_pipeline
from triage.review.outbound import send_outbound


@pytest.fixture
def people(config):
    return {
        "agent": make_user("ann", "agent", ["billing"]),
        "other": make_user("tom", "agent", ["technical"]),
        "lead": make_user("lee", "lead", ["billing", "technical"]),
        "admin": make_user("ada", "admin"),
    }


@pytest.fixture
def billing_ticket(knowledge, people):
    """A processed billing ticket with a draft, in the billing team, reviewed by ann."""
    ticket = make_ticket(
        body="I was charged twice for my subscription this month, please help.",
        subject="Charged twice",
        customer=CustomerInput(email="jane@customer.example", name="Jane Doe"),
    )
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.team.slug == "billing" and ticket.drafts.first().text
    ticket.reviewer = people["agent"]
    ticket.save(update_fields=["reviewer"])
    return ticket


@pytest.fixture
def tech_ticket(knowledge, people):
    ticket = make_ticket(
        body="Our API returns 401 invalid_api_key for every request since this morning.",
        subject="API 401",
        customer=CustomerInput(email="dev@customer.example", name="Dev"),
    )
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.team.slug == "technical"
    return ticket


def run_outbox() -> list[Outbound]:
    """Do what the worker does with the sends that approving queued (on commit, which a test's
    wrapping transaction never reaches): deliver every pending reply once."""
    pending = list(
        Outbound.objects.filter(status=Outbound.Status.PENDING).values_list("pk", flat=True)
    )
    return [row for pk in pending if (row := send_outbound(outbound_id=pk)) is not None]
