import pytest

from tests.conftest import make_ticket
from tests.triage.pipeline.guard_cases import CASES
from triage.models import Draft
from triage.pipeline.guard import case_evidence, draft_flags
from triage.pipeline.preprocess import preprocess_ticket
from triage.text.guards import check_output, run_guards


def flagged(text: str, actions: set[str], policy: str) -> bool:
    flags = run_guards(
        text, actions=actions, policy_texts=[policy] if policy else [], allowed_placeholders=set()
    )
    return any(
        f.code in {"unbacked_claim", "unsupported_promise", "internal_shorthand"} for f in flags
    )


def test_the_case_set_has_forty_drafts_half_bad():
    assert len(CASES) == 40 and sum(c[3] for c in CASES) == 20


def test_guard_precision_and_recall_on_the_hand_written_set(capsys):
    tp = fp = fn = tn = 0
    misses = []
    for text, actions, policy, should in CASES:
        got = flagged(text, actions, policy)
        tp += got and should
        fp += got and not should
        fn += should and not got
        tn += not got and not should
        if got != should:
            misses.append((text, should))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    with capsys.disabled():
        print(
            f"\nguards on {len(CASES)} hand-written drafts: precision {precision:.2f}, recall "
            f"{recall:.2f} (tp {tp}, fp {fp}, fn {fn}, tn {tn})"
        )
    assert recall >= 0.95 and precision >= 0.9, misses


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("See <a href='https://evil.example'>here</a>", "Contains HTML"),
        ("Download the fix from https://evil.example/fix.exe", "not an allowed domain"),
        ("Write to [EMAIL_7] for help", "another ticket's masked data"),
    ],
)
def test_output_safety(settings, text, flag):
    assert any(flag in f.message for f in check_output(text, allowed_placeholders={"[EMAIL_1]"}))


def test_allowed_links_and_own_placeholders_pass(settings):
    assert (
        check_output(
            "Status: https://status.ledgerly.example and ledgerly.example/pricing; we wrote to "
            "[EMAIL_1].",
            allowed_placeholders={"[EMAIL_1]"},
            allowed_domains=["ledgerly.example"],
        )
        == []
    )


def test_internal_shorthand_is_quoted():
    flags = run_guards(
        "This is tracked in JIRA-552 and the billing console.",
        actions=set(),
        policy_texts=[],
        allowed_placeholders=set(),
    )
    assert {f.quote for f in flags} >= {"JIRA-552", "billing console"}


@pytest.mark.django_db
def test_a_cause_copied_from_a_resolved_ticket_the_draft_was_given_is_flagged_with_its_words():
    ticket = make_ticket(
        body="Since Friday my fibre keeps dropping in Leeds. I swapped the cable, same thing."
    )
    preprocess_ticket(ticket=ticket, run=1)
    other = {
        "kind": "entry",
        "id": 7,
        "text": "My fibre drops every evening in Leeds.",
        "response": "The drops came from a fault in a fibre cable at the Leeds exchange, fixed.",
    }
    text = "Hello,\n\nThe drops are due to a fault in a fibre cable at the Leeds exchange."
    given = Draft.objects.create(
        ticket=ticket, kind="reply", text=text, engine="local", context={"sources": [other]}
    )
    bare = Draft.objects.create(ticket=ticket, kind="reply", text=text, engine="local", context={})
    flags = [f for f in draft_flags(ticket=ticket, draft=given) if f["code"] == "unsupported_fact"]
    assert len(flags) == 1 and "another customer's ticket (fault, exchange)" in flags[0]["message"]
    # Without that ticket among its sources, the customer's own words carry the clause.
    assert not [
        f for f in draft_flags(ticket=ticket, draft=bare) if f["code"] == "unsupported_fact"
    ]


@pytest.mark.django_db
def test_the_accounts_fields_back_a_reply_that_names_them():
    """ "Your plan is Fibre 300" is backed by the account's plan: field name and value."""
    ticket = make_ticket(body="Why is my bill higher this month?")
    ticket.customer.plan = "Fibre 300"
    ticket.customer.save(update_fields=["plan"])
    preprocess_ticket(ticket=ticket, run=1)
    assert "plan Fibre 300" in " ".join(case_evidence(ticket))
    draft = Draft.objects.create(
        ticket=ticket, kind="reply", engine="local", text="Hello,\n\nYour plan is Fibre 300."
    )
    assert not [
        f for f in draft_flags(ticket=ticket, draft=draft) if f["code"] == "unsupported_fact"
    ]
