"""The Content-Security-Policy holds on every page: nothing inline, nothing from elsewhere."""

import pytest

from tests.browser.conftest import login
from triage.models import Draft, Ticket

pytestmark = pytest.mark.browser

PAGES = {
    "anonymous": ["/login/", "/support/new"],
    "admin": [
        "/",
        "/?q=invoice",
        "/triage/",
        "/sla/",
        "/metrics/",
        "/canned/",
        "/canned/new/",
        "/knowledge/",
        "/knowledge/needs-review/",
        "/auto-send/",
        "/evaluation/",
        "/password/",
        "/admin/",
        "/admin/triage/ticket/",
    ],
}


def test_every_page_loads_under_the_policy_with_no_violation(page, live_server, demo_world):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Refused to load: CSP ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    for path in PAGES["anonymous"]:
        response = page.goto(f"{live_server.url}{path}")
        assert "script-src 'self'" in response.headers["content-security-policy"]
    login(page, live_server, "admin", "deskpilot-admin")
    ticket = Ticket.objects.filter(drafts__status=Draft.Status.PROPOSED).first()
    paths = [*PAGES["admin"], f"/tickets/{ticket.pk}/"]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # The ticket page's HTMX parts: the insert list, the history's stages toggle.
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.get_by_text("Insert a greeting, canned reply").click()
    page.wait_for_selector("#insert-options li")
    page.keyboard.press("Escape")
    page.locator("body").click()
    page.keyboard.press("t")
    page.wait_for_load_state("networkidle")
    assert violations == [], violations
