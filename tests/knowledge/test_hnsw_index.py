import numpy as np
import pytest
from django.db import connection
from pgvector.django import CosineDistance

from knowledge.models import KnowledgeEntry


@pytest.mark.django_db
def test_nearest_neighbour_search_uses_the_hnsw_index():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(2000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    KnowledgeEntry.objects.bulk_create(
        KnowledgeEntry(text=f"entry {i}", category="billing", embedding=v) for i, v in enumerate(vectors)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_knowledgeentry")
    query = vectors[5]
    qs = KnowledgeEntry.objects.order_by(CosineDistance("embedding", query))[:5]
    plan = qs.explain()
    assert "entry_embedding_hnsw" in plan, plan
    assert list(qs.values_list("text", flat=True))[0] == "entry 5"


@pytest.mark.django_db
def test_vector_extension_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
    assert tuple(int(p) for p in version.split(".")[:2]) >= (0, 8)
