"""Fixtures shared with the dashboard's review tests and the worker tests."""

from tests.dashboard.conftest import billing_ticket, people  # noqa: F401 -- fixtures
from tests.triage.pipeline.test_worker import worker_broker  # noqa: F401 -- fixture
