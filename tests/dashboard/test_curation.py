"""Curation through the views, as an admin; every page is a 404 for an agent."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from knowledge.models import KnowledgeEntry
from knowledge.services import EntryInput, create_entries, save_article
from tests.conftest import make_ticket, make_user
from triage.models import Draft, Review, SourceUsage


@pytest.fixture
def entries(db):
    return create_entries(
        entries=[
            EntryInput(
                text="I was charged twice for my plan",
                category="billing",
                response="We refunded the duplicate.",
            ),
            EntryInput(
                text="My card was billed two times this month",
                category="billing",
                response="Refunded.",
            ),
            EntryInput(
                text="How do I turn on two-factor authentication?",
                category="account",
                response="Settings, Security.",
            ),
            EntryInput(
                text="<script>alert('x')</script> weird text", category="general", response="ok"
            ),
        ]
    )


@pytest.fixture
def admin_client(client, config):
    client.force_login(make_user("root", "admin"))
    return client


def test_admin_browses_and_searches(admin_client, entries):
    page = admin_client.get("/knowledge/?q=charged").content.decode()
    assert "charged twice" in page and "two-factor" not in page
    assert "&lt;script&gt;" in admin_client.get("/knowledge/").content.decode()
    assert "<script>alert" not in admin_client.get("/knowledge/").content.decode()


def test_similar_to_this_lists_the_nearest_entries(admin_client, entries):
    page = admin_client.get(f"/knowledge/?similar={entries[0].pk}").content.decode()
    assert "billed two times" in page
    assert page.index("billed two times") < page.index("two-factor")


def test_editing_keeps_the_old_version_and_reembeds(admin_client, entries):
    entry = entries[0]
    old_vector = np.array(KnowledgeEntry.objects.get(pk=entry.pk).embedding)
    response = admin_client.post(
        f"/knowledge/entries/{entry.pk}/edit/",
        {
            "text": "I was charged three times",
            "resolution": "",
            "response": "We refunded both duplicates.",
            "category": "billing",
            "subcategory": "double_charge",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.version == 2 and entry.text == "I was charged three times"
    old = entry.versions.get()
    assert (
        old.version == 1
        and old.text == "I was charged twice for my plan"
        and old.edited_by.username == "root"
    )
    assert not np.allclose(np.array(entry.embedding), old_vector)


def test_bad_edit_rerenders_the_form_with_422(admin_client, entries):
    response = admin_client.post(
        f"/knowledge/entries/{entries[0].pk}/edit/",
        {"text": "x", "category": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="entry-form"' in body and "at least 5 characters" in body
    entries[0].refresh_from_db()
    assert entries[0].version == 1


def test_mark_gold_and_retire(admin_client, entries):
    entry = entries[1]
    response = admin_client.post(
        f"/knowledge/entries/{entry.pk}/gold/", {"gold": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'id="entry-status"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.is_gold
    admin_client.post(f"/knowledge/entries/{entry.pk}/retire/", {"retired": "1"})
    entry.refresh_from_db()
    assert entry.retired and not entry.is_gold


def test_entry_page_shows_usage_and_outcomes(admin_client, entries):
    entry = entries[0]
    for decision, distance in [
        ("approved_unchanged", 0.0),
        ("approved_edited", 0.2),
        ("rejected", 1.0),
        ("rejected", 1.0),
        ("approved_edited", 0.6),
    ]:
        ticket = make_ticket(body="charged twice")
        draft = Draft.objects.create(ticket=ticket, text="draft", engine="local")
        SourceUsage.objects.create(draft=draft, entry=entry, version=1, rank=0, distance=0.1)
        Review.objects.create(
            ticket=ticket,
            draft=draft,
            decision=decision,
            edit_distance=distance,
            created_at=timezone.now(),
        )
    # retrieved for another draft that did not use it: counts as retrieved, not as used
    unused = Draft.objects.create(ticket=make_ticket(body="other"), text="draft", engine="local")
    SourceUsage.objects.create(
        draft=unused, entry=entry, version=1, rank=3, distance=0.5, used=False
    )
    Review.objects.create(
        ticket=unused.ticket, draft=unused, decision="rejected", edit_distance=1.0
    )
    page = admin_client.get(f"/knowledge/entries/{entry.pk}/").content.decode()
    assert (
        "<dt>Retrieved for drafts</dt><dd>6</dd>" in page
        and "<dt>Used by drafts</dt><dd>5</dd>" in page
    )
    assert "<dt>Approved unchanged</dt><dd>1</dd>" in page
    assert "<dt>Rejected</dt><dd>2</dd>" in page
    assert "Needs review" in page  # two rejections and a heavy edit
    review_page = admin_client.get("/knowledge/needs-review/").content.decode()
    assert f"/knowledge/entries/{entry.pk}/" in review_page


def test_needs_review_lists_stale_articles(admin_client, db):
    save_article(
        slug="old",
        title="Old policy",
        body="# Old\n\ntext",
        kind="policy",
        last_reviewed=timezone.localdate() - timedelta(days=61),
    )
    save_article(slug="fresh", title="Fresh policy", body="# Fresh\n\ntext", kind="policy")
    page = admin_client.get("/knowledge/needs-review/").content.decode()
    assert "Old policy" in page and "Fresh policy" not in page


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/knowledge/"),
        ("get", "/knowledge/needs-review/"),
        ("get", "/knowledge/entries/{pk}/"),
        ("post", "/knowledge/entries/{pk}/edit/"),
        ("post", "/knowledge/entries/{pk}/gold/"),
        ("post", "/knowledge/entries/{pk}/retire/"),
    ],
)
def test_agents_and_leads_get_404(client, config, entries, method, url):
    for role in ("agent", "lead"):
        client.force_login(make_user(f"u-{role}", role, ["billing"]))
        response = getattr(client, method)(
            url.format(pk=entries[0].pk), {"gold": "1", "retired": "1"}
        )
        assert response.status_code == 404
    entries[0].refresh_from_db()
    assert not entries[0].is_gold and not entries[0].retired
