from datetime import timedelta

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from knowledge import retrieval
from knowledge.models import KnowledgeEntry
from knowledge.retrieval import exact_nearest_entry_ids, retrieve
from knowledge.services import save_article


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def basis(i: int) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[i] = 1.0
    return v


def near(i: int, j: int, weight: float) -> np.ndarray:
    """A unit vector mostly along axis i, tilted towards axis j by ``weight``."""
    return unit(basis(i) + weight * basis(j))


@pytest.mark.django_db
def test_nearest_neighbours_come_back_in_order():
    now = timezone.now()
    for name, weight in [("far", 0.9), ("close", 0.1), ("middle", 0.4)]:
        KnowledgeEntry.objects.create(
            text=name, category="billing", embedding=near(0, 1, weight), resolved_at=now
        )
    KnowledgeEntry.objects.create(
        text="orthogonal", category="billing", embedding=basis(2), resolved_at=now
    )
    results = retrieve(vector=basis(0), k=4, include_chunks=False)
    assert [r.title for r in results] == ["close", "middle", "far", "orthogonal"]
    assert results[0].distance < results[1].distance < results[2].distance


@pytest.mark.parametrize("path", ["exact", "hnsw_iterative"])
@pytest.mark.django_db
def test_category_filter_returns_k_even_for_a_rare_category(path, monkeypatch):
    if (
        path == "hnsw_iterative"
    ):  # force the graph walk, as for a category too large to scan exactly
        monkeypatch.setattr(retrieval, "EXACT_FILTER_MAX_ROWS", 0)
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(5000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = [
        KnowledgeEntry(
            text=f"e{i}",
            category="rare" if i % 50 == 0 else "common",
            embedding=v,
            resolved_at=timezone.now(),
        )
        for i, v in enumerate(vectors)
    ]
    KnowledgeEntry.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_knowledgeentry")
    assert KnowledgeEntry.objects.filter(category="rare").count() == 100  # 2% of the rows
    query = unit(rng.normal(size=384))
    results = retrieve(vector=query, category="rare", k=10, include_chunks=False)
    assert len(results) == 10
    assert {r.category for r in results} == {"rare"}
    exact = exact_nearest_entry_ids(query, category="rare", k=10)
    assert len({r.id for r in results} & set(exact)) >= 9


@pytest.mark.django_db
def test_newer_resolution_beats_an_older_one_of_similar_distance():
    now = timezone.now()
    KnowledgeEntry.objects.create(
        text="old",
        category="billing",
        embedding=near(0, 1, 0.10),
        resolved_at=now - timedelta(days=720),
    )
    KnowledgeEntry.objects.create(
        text="new",
        category="billing",
        embedding=near(0, 1, 0.12),
        resolved_at=now - timedelta(days=5),
    )
    results = retrieve(vector=basis(0), k=2, include_chunks=False, now=now)
    assert [r.title for r in results] == ["new", "old"]


@pytest.mark.django_db
def test_recency_does_not_beat_a_clearly_closer_source():
    now = timezone.now()
    KnowledgeEntry.objects.create(
        text="new but far", category="billing", embedding=near(0, 1, 0.5), resolved_at=now
    )
    KnowledgeEntry.objects.create(
        text="old but exact",
        category="billing",
        embedding=basis(0),
        resolved_at=now - timedelta(days=720),
    )
    assert [r.title for r in retrieve(vector=basis(0), k=2, include_chunks=False, now=now)] == [
        "old but exact",
        "new but far",
    ]


@pytest.mark.django_db
def test_gold_entry_beats_a_plain_one_of_similar_distance():
    now = timezone.now()
    KnowledgeEntry.objects.create(
        text="plain", category="billing", embedding=near(0, 1, 0.10), resolved_at=now
    )
    KnowledgeEntry.objects.create(
        text="gold", category="billing", embedding=near(0, 1, 0.15), resolved_at=now, is_gold=True
    )
    assert [r.title for r in retrieve(vector=basis(0), k=2, include_chunks=False, now=now)] == [
        "gold",
        "plain",
    ]


@pytest.mark.django_db
def test_retired_entries_never_appear():
    now = timezone.now()
    KnowledgeEntry.objects.create(
        text="retired",
        category="billing",
        embedding=basis(0),
        resolved_at=now,
        retired=True,
        is_gold=True,
    )
    KnowledgeEntry.objects.create(
        text="live", category="billing", embedding=near(0, 1, 0.5), resolved_at=now
    )
    for category in (None, "billing"):
        titles = [
            r.title for r in retrieve(vector=basis(0), category=category, k=5, include_chunks=False)
        ]
        assert titles == ["live"]


@pytest.mark.django_db
def test_text_query_finds_the_matching_article_chunk_with_its_citation():
    article = save_article(
        slug="refunds",
        title="Refund policy",
        kind="policy",
        category="billing",
        body="# Refund policy\n\n## Duplicate charges\nDuplicate charges are always "
        "refunded.\n\n## Timing\nRefunds take 5 to 10 business days.",
    )
    save_article(
        slug="sso",
        title="SSO",
        kind="howto",
        category="account",
        body="# SSO\n\n## Setup\nConfigure SAML with Okta.",
    )
    results = retrieve("how long until my refund arrives", k=1, include_entries=False)
    assert results[0].kind == "chunk" and results[0].article_id == article.pk
    assert results[0].title == "Refund policy › Timing"
    assert results[0].as_citation()["version"] == 1
