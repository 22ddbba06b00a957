"""Fixtures shared with the dashboard's tests: people in their teams, a processed billing ticket."""

from tests.dashboard.conftest import billing_ticket, people  # noqa: F401 -- fixtures
