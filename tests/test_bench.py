"""`make bench` loads, and its preprocessing measure runs (speed targets live in the bench)."""

import io

from django.core.management import call_command


def test_the_preprocess_measure_runs_without_a_database():
    out = io.StringIO()
    call_command("bench", "--only", "preprocess", stdout=out)
    assert "preprocess (clean, mask, language, sentiment, injection)" in out.getvalue()
    assert "tickets/s" in out.getvalue()
