"""Text to vectors for RAG: the packaged local model or any provider with an embeddings API.

`EmbeddingService` picks the embedder (`local`, or `ProviderRegistry.embedder(provider, model)`
for OpenAI-compatible servers and Ollama), sends texts in batches of `rag.embedding.batch_size`,
caches vectors by (provider, model, text) with LRU eviction and a TTL, and returns float32
unit-length vectors whatever the provider sent. Remote embedders get `rag.embedding.timeout_seconds`
and `max_retries` in place of the provider's own settings.

Token counts (for usage and quotas) cover only the texts sent to a model, so cache hits and
repeats within one call cost nothing. The local model reports its tokenizer's count (special
tokens included, after truncation at 256); for remote providers, whose `Embedder` protocol
returns no usage, the count is estimated with `chunking.count_tokens` (word runs and single
punctuation characters), which is close to, usually a little below, a BPE tokenizer's count.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from llmspell.core.errors import ProviderError, ProviderTimeout, ValidationError
from llmspell.rag.chunking import count_tokens
from llmspell.rag.local_embedder import (
    DIMENSIONS,
    LOCAL_MODEL,
    LOCAL_PROVIDER,
    LocalEmbedder,
    local_model_name,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from llmspell.config.rag import EmbeddingConfig
    from llmspell.providers.registry import ProviderRegistry

__all__ = [
    "DIMENSIONS",
    "LOCAL_MODEL",
    "LOCAL_PROVIDER",
    "EmbedResult",
    "EmbeddingService",
    "LocalEmbedder",
    "TextEmbedder",
]

_PROBE_TEXT = "dimension probe"
_CacheKey = tuple[str, str, str]


class TextEmbedder(Protocol):
    """What the service calls: `providers.base.Embedder`, or one returning a numpy array."""

    provider: str
    model: str

    def embed(self, texts: list[str]) -> list[list[float]] | NDArray[np.float32]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbedResult:
    """Vectors (n, dim) float32, L2-normalised, in input order, and what they cost."""

    vectors: NDArray[np.float32]
    provider: str
    model: str
    tokens: int
    cached: int
    truncated: int = 0

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return int(self.vectors.shape[0])


class _VectorCache:
    """LRU with a time-to-live; `capacity` 0 stores nothing, `ttl` 0 never expires; thread-safe."""

    def __init__(self, capacity: int, ttl: float, clock: Callable[[], float]) -> None:
        self._entries: OrderedDict[_CacheKey, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock
        self.capacity = capacity
        self.ttl = ttl
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: Sequence[_CacheKey]) -> list[Any]:
        """The vector for each key, or None for a miss (expired entries are dropped)."""
        now = self._clock()
        found: list[Any] = []
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is not None and self.ttl and now - entry[0] >= self.ttl:
                    del self._entries[key]
                    entry = None
                if entry is None:
                    self.misses += 1
                    found.append(None)
                else:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    found.append(entry[1])
        return found

    def put_many(self, items: Sequence[tuple[_CacheKey, Any]]) -> None:
        if self.capacity <= 0:
            return
        now = self._clock()
        with self._lock:
            for key, vector in items:
                self._entries[key] = (now, vector)
                self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def resize(self, capacity: int, ttl: float) -> None:
        with self._lock:
            self.capacity = capacity
            self.ttl = ttl
            while len(self._entries) > max(capacity, 0):
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class EmbeddingService:
    """Embeddings for RAG with batching and a cache; thread-safe; nothing loads until used."""

    def __init__(
        self,
        config: EmbeddingConfig,
        providers: Callable[[], ProviderRegistry],
        *,
        clock: Callable[[], float] = time.monotonic,
        local_threads: int | None = None,
    ) -> None:
        self._config = config
        self._providers = providers
        self._local_threads = local_threads
        self._local: LocalEmbedder | None = None
        self._lock = threading.Lock()
        self._dimensions: dict[tuple[str, str], int] = {}
        self._cache = _VectorCache(config.cache_size, config.cache_ttl_seconds, clock)

    @property
    def config(self) -> EmbeddingConfig:
        return self._config

    def configure(self, config: EmbeddingConfig) -> None:
        """Use `config` from now on; cached vectors stay valid (the key names the model)."""
        with self._lock:
            self._config = config
            if self._local is not None and self._local.batch_size != config.batch_size:
                self._local = None
        self._cache.resize(config.cache_size, config.cache_ttl_seconds)

    def embed(
        self, texts: Sequence[str], *, provider: str | None = None, model: str | None = None
    ) -> EmbedResult:
        """Vectors for `texts` from `provider`/`model` (unset: `rag.embedding` settings)."""
        import numpy as np

        items = _check_texts(texts)
        embedder = self._embedder(provider, model)
        name, model_name = embedder.provider, embedder.model
        if not items:
            width = self._known_dimensions(embedder) or 0
            empty = np.zeros((0, width), dtype=np.float32)
            return EmbedResult(vectors=empty, provider=name, model=model_name, tokens=0, cached=0)
        config = self._config
        use_cache = config.cache_enabled and config.cache_size > 0
        keys = [(name, model_name, text) for text in items]
        found = self._cache.get_many(keys) if use_cache else [None] * len(items)
        cached = sum(v is not None for v in found)
        uncached = list(
            dict.fromkeys(text for text, v in zip(items, found, strict=True) if v is None)
        )
        fresh: dict[str, Any] = {}
        tokens = truncated = 0
        if uncached:
            vectors, tokens, truncated = self._run(embedder, uncached)
            fresh = dict(zip(uncached, vectors, strict=True))
            if use_cache:
                self._cache.put_many([((name, model_name, t), fresh[t]) for t in uncached])
        rows = [v if v is not None else fresh[t] for t, v in zip(items, found, strict=True)]
        width = int(rows[0].shape[0])
        if any(int(r.shape[0]) != width for r in rows):
            raise ProviderError(
                f"Embedding model {model_name!r} of provider {name!r} returned vectors of "
                f"different sizes ({sorted({int(r.shape[0]) for r in rows})}); clear the "
                f"embedding cache if the model behind this name changed",
                provider=name,
                model=model_name,
            )
        self._dimensions[(name, model_name)] = width
        return EmbedResult(
            vectors=np.stack(rows).astype(np.float32, copy=False),
            provider=name,
            model=model_name,
            tokens=tokens,
            cached=cached,
            truncated=truncated,
        )

    def embed_one(
        self, text: str, *, provider: str | None = None, model: str | None = None
    ) -> NDArray[np.float32]:
        """The vector of one text (e.g. a search query), shape (dim,)."""
        return self.embed([text], provider=provider, model=model).vectors[0]

    def dimensions(self, provider: str | None = None, model: str | None = None) -> int:
        """Vector size of `provider`/`model`: known for `local`, else from one probe request."""
        embedder = self._embedder(provider, model)
        known = self._known_dimensions(embedder)
        if known is not None:
            return known
        return self.embed([_PROBE_TEXT], provider=provider, model=model).dimensions

    def resolve(self, provider: str | None = None, model: str | None = None) -> tuple[str, str]:
        """The (provider, model) names vectors are stored under; builds, never calls, a model."""
        embedder = self._embedder(provider, model)
        return embedder.provider, embedder.model

    def list_providers(self) -> list[str]:
        """`local`, then configured or key-usable providers whose API has embeddings."""
        registry = self._providers()
        names = [LOCAL_PROVIDER]
        for name in registry.names():
            if name == LOCAL_PROVIDER or not registry.is_available(name):
                continue
            capabilities = registry.capabilities(name) or {}
            if capabilities.get("supports_embeddings"):
                names.append(name)
        return names

    def cache_stats(self) -> dict[str, int]:
        cache = self._cache
        return {
            "entries": len(cache),
            "capacity": cache.capacity,
            "hits": cache.hits,
            "misses": cache.misses,
        }

    def clear_cache(self) -> None:
        self._cache.clear()

    # Internals --------------------------------------------------------------------------------

    def _embedder(self, provider: str | None, model: str | None) -> TextEmbedder:
        config = self._config
        name = provider or config.default_provider
        if model is None and name == config.default_provider:
            model = config.model
        if name.strip().lower() == LOCAL_PROVIDER:
            local_model_name(model)
            return self._local_embedder()
        return self._providers().embedder(
            name, model, timeout=config.timeout_seconds, max_retries=config.max_retries
        )

    def _known_dimensions(self, embedder: TextEmbedder) -> int | None:
        key = (embedder.provider, embedder.model)
        known = self._dimensions.get(key)
        if known is None:
            declared = getattr(embedder, "dimensions", None)
            if isinstance(declared, int) and not isinstance(declared, bool) and declared > 0:
                known = self._dimensions.setdefault(key, declared)
        return known

    def _local_embedder(self) -> LocalEmbedder:
        with self._lock:
            if self._local is None:
                self._local = LocalEmbedder(
                    batch_size=self._config.batch_size, threads=self._local_threads
                )
            return self._local

    def _run(self, embedder: TextEmbedder, texts: list[str]) -> tuple[list[Any], int, int]:
        """Unit vectors for `texts` (all misses, no repeats), tokens spent, texts truncated."""
        if isinstance(embedder, LocalEmbedder):
            done = embedder.embed_with_tokens(texts)
            done.vectors.flags.writeable = False
            return list(done.vectors), done.tokens, done.truncated
        size = self._config.batch_size
        out: list[Any] = []
        for start in range(0, len(texts), size):
            batch = texts[start : start + size]
            try:
                raw = embedder.embed(batch)
            except ProviderTimeout as exc:
                raise ProviderTimeout(
                    f"Embedding request to {embedder.provider}/{embedder.model} timed out "
                    f"after {self._config.timeout_seconds:g} s "
                    f"(`rag.embedding.timeout_seconds`)",
                    provider=exc.provider,
                    model=exc.model,
                    hint="Raise `rag.embedding.timeout_seconds`, embed fewer texts per request "
                    "(`rag.embedding.batch_size`) or try again.",
                ) from exc
            out.extend(_unit_rows(embedder, batch, raw))
        return out, sum(count_tokens(t) for t in texts), 0


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ValidationError(
            f"texts must be a list of strings, got {type(texts).__name__}",
            hint="Pass a single text as a one-element list.",
        )
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValidationError(f"texts[{i}] must be a string, got {type(text).__name__}")
        if not text.strip():
            raise ValidationError(f"texts[{i}] is empty; there is nothing to embed")
    return list(texts)


def _unit_rows(embedder: TextEmbedder, batch: list[str], raw: Any) -> list[Any]:
    import numpy as np

    try:
        matrix = np.asarray(raw, dtype=np.float32)
    except (TypeError, ValueError):
        matrix = None
    if matrix is None or matrix.ndim != 2 or matrix.shape[0] != len(batch) or not matrix.shape[1]:
        shape = getattr(matrix, "shape", None)
        raise ProviderError(
            f"Embedding model {embedder.model!r} of provider {embedder.provider!r} returned "
            f"{shape if shape is not None else type(raw).__name__} for {len(batch)} texts, "
            f"not one vector per text",
            provider=embedder.provider,
            model=embedder.model,
        )
    if not np.isfinite(matrix).all():
        raise ProviderError(
            f"Embedding model {embedder.model!r} of provider {embedder.provider!r} returned "
            f"vectors with NaN or infinite values",
            provider=embedder.provider,
            model=embedder.model,
        )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.maximum(norms, np.float32(1e-12))
    matrix.flags.writeable = False
    return list(matrix)
