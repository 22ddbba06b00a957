import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pgvector.django import CosineDistance

from knowledge.models import KnowledgeEntry
from knowledge.retrieval import nearest_entries

# Below a few thousand rows a sequential scan is cheaper and PostgreSQL rightly picks it.
ROWS = 5000


@pytest.mark.django_db
def test_nearest_neighbour_search_uses_the_hnsw_index():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(ROWS, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    KnowledgeEntry.objects.bulk_create(
        (
            KnowledgeEntry(text=f"entry {i}", category="billing", embedding=v, retired=i % 100 == 0)
            for i, v in enumerate(vectors)
        ),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        # Earlier tests rolled back their own vectors, but an HNSW index keeps the dead entries
        # until a VACUUM; rebuild it so this test sees the graph production would have.
        cursor.execute("REINDEX INDEX entry_embedding_hnsw")
        cursor.execute("ANALYZE knowledge_knowledgeentry")

    plain = KnowledgeEntry.objects.order_by(CosineDistance("embedding", vectors[5]))[:5]
    assert "entry_embedding_hnsw" in plain.explain()
    assert list(plain.values_list("text", flat=True))[0] == "entry 5"

    # the retrieval query itself, with its filter on retired rows, walks the index too
    with CaptureQueriesContext(connection) as ctx:
        rows = nearest_entries(vectors[7], category=None, limit=20)
    assert rows[0].text == "entry 7"
    select = next(
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and "<=>" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + select)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using entry_embedding_hnsw" in plan, plan


@pytest.mark.django_db
def test_vector_extension_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
    assert tuple(int(p) for p in version.split(".")[:2]) >= (0, 8)
