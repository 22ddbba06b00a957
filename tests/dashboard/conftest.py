import pytest

from tests.conftest import make_ticket, make_user
from triage.ingest.service import CustomerInput
from triage.models import Outbound, TicketAction
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


CHECKED = (
    "Checked billing: the renewal was captured twice because of a retry on the payment "
    "provider's side. Refunded the duplicate payment; banks take 5 to 10 business days."
)


def charged_twice_ticket(people, *, checked: bool):
    """A processed billing ticket with a draft, in the billing team, reviewed by ann. With
    ``checked`` the agent has recorded the check and the refund before the draft, so the reused
    reply's facts are backed and the draft can go out as it is."""
    ticket = make_ticket(
        body="I was charged twice for my subscription this month, please help.",
        subject="Charged twice",
        customer=CustomerInput(email="jane@customer.example", name="Jane Doe"),
    )
    if checked:
        TicketAction.objects.create(ticket=ticket, kind="investigate", note=CHECKED)
        TicketAction.objects.create(ticket=ticket, kind="refund", note=CHECKED)
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.team.slug == "billing" and ticket.drafts.first().text
    ticket.reviewer = people["agent"]
    ticket.save(update_fields=["reviewer"])
    return ticket


@pytest.fixture
def billing_ticket(knowledge, people):
    """The charged-twice ticket with its facts backed: a clean draft."""
    return charged_twice_ticket(people, checked=True)


@pytest.fixture
def unchecked_billing_ticket(knowledge, people):
    """The charged-twice ticket before anyone checked anything: the reused reply's facts and
    claims are [confirm: …] slots."""
    return charged_twice_ticket(people, checked=False)


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
