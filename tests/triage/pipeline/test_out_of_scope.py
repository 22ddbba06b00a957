"""A ticket unlike anything in the taxonomy goes to human triage with the reason and is not drafted
(auto-send refusing one: tests/triage/review/test_auto_send.py)."""

from __future__ import annotations

from tests.conftest import make_ticket
from tests.triage.engines.test_scope import FAR, USUAL
from triage.models import Draft, Ticket
from triage.pipeline.run import run_pipeline


def test_a_ticket_far_from_every_category_goes_to_human_triage_and_is_not_drafted(knowledge):
    far = make_ticket(body=FAR, subject="Baking question")
    usual = make_ticket(body=USUAL, subject="Charged twice")
    assert run_pipeline(ticket_id=far.pk) and run_pipeline(ticket_id=usual.pk)
    far.refresh_from_db()
    classification = far.classifications.first()
    assert classification.out_of_scope and far.needs_human_triage
    assert classification.scope_reason.startswith("unlike anything in the taxonomy")
    assert len(classification.nearest) == 3 and classification.embedding is not None
    draft = far.drafts.get()
    assert draft.kind == Draft.Kind.NONE and not draft.text
    assert draft.no_answer_reason.startswith("out of scope (unlike anything in the taxonomy")
    route = far.events.get(stage="route")
    assert route.outputs["human_triage"] and route.outputs["out_of_scope"]
    usual_classification = Ticket.objects.get(pk=usual.pk).classifications.first()
    assert not usual_classification.out_of_scope and usual_classification.embedding is None
    assert Ticket.objects.get(pk=usual.pk).drafts.get().text
