"""Other helpdesks' anonymisation marks are blanks to fill: never HTML, never sent as they are."""

import pytest

from triage.review.composer import blanks_left
from triage.text.guards import check_output
from triage.text.placeholders import foreign_placeholders, normalise_foreign_placeholders

REUSED = (
    "Hi <name>, we have updated account <acc_num>. Call us on <tel_num> or quote [ORDER_ID] "
    "and card XXXX."
)


def test_marks_become_our_blanks_and_html_and_our_placeholders_stay():
    assert normalise_foreign_placeholders(REUSED) == (
        "Hi {{Name}}, we have updated account {{Acc Num}}. Call us on {{Tel Num}} or quote "
        "{{Order Id}} and card {{Redacted}}."
    )
    kept = "Write to [EMAIL_1]. <b>Bold</b> stays markup, Xerox and XXL stay words."
    assert normalise_foreign_placeholders(kept) == kept


def test_a_reply_reused_from_such_an_export_is_not_unsafe_output_but_has_blanks_to_fill():
    assert check_output(REUSED, allowed_placeholders=set()) == []
    assert foreign_placeholders(REUSED) == [
        "<name>",
        "<acc_num>",
        "<tel_num>",
        "[ORDER_ID]",
        "XXXX",
    ]
    assert set(blanks_left(REUSED)) == {"<name>", "<acc_num>", "<tel_num>", "[ORDER_ID]", "XXXX"}


@pytest.mark.parametrize("markup", ["<b>", "<script>", '<a href="https://x.example">', "<p>"])
def test_real_html_is_still_flagged(markup):
    flags = check_output(f"Hello {markup}there", allowed_placeholders=set())
    assert any(f.code == "unsafe_output" and "HTML" in f.message for f in flags)
