import pytest

from tests.triage.pipeline.guard_cases import CASES
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
