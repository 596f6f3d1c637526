"""Per-runtime RAG settings: the `[rag]` config, then whatever `RAG.configure{...}` changed.

Keys the original's scripts pass that have no effect here (`dimensions`, `vector_dimensions`:
a collection takes the dimension of the model that first fills it) are accepted and logged;
other unknown keys are logged as warnings, never fatal, as the original ignored them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llmspell.config.rag import EmbeddingConfig, RagConfig, RagSearchConfig
from llmspell.core.errors import ConfigError, ValidationError
from llmspell.rag.chunking import chunk_text
from llmspell.rag.namespaces import resolve
from llmspell.rag.options import ChunkSettings, integer, k_value, number

__all__ = ["CONFIGURE_KEYS", "RuntimeSettings"]

log = logging.getLogger("llmspell.rag")

_CHUNK_KEYS = ("chunking", "chunk_size", "overlap", "chunk_overlap", "strategy",
               "min_chunk_size", "max_chunk_size")  # fmt: skip
_SEARCH_KEYS = ("search_limit", "default_k", "max_k", "mode", "vector_weight", "keyword_weight",
                "hybrid")  # fmt: skip
_CACHE = {"enable_cache": "cache_enabled", "cache_enabled": "cache_enabled",
          "cache_ttl": "cache_ttl_seconds", "cache_ttl_seconds": "cache_ttl_seconds",
          "cache_size": "cache_size", "batch_size": "batch_size"}  # fmt: skip
_IGNORED = ("dimensions", "vector_dimensions")
CONFIGURE_KEYS = (
    *_CHUNK_KEYS, *_SEARCH_KEYS, *_CACHE, *_IGNORED, "collection", "default_collection",
    "default_provider", "provider", "model", "embedding_model", "session_ttl",
)  # fmt: skip


@dataclass(slots=True, kw_only=True)
class RuntimeSettings:
    chunking: ChunkSettings
    collection: str
    provider: str | None
    model: str | None
    search: RagSearchConfig
    session_ttl: float
    embedding: dict[str, Any]

    @classmethod
    def from_config(cls, config: RagConfig) -> RuntimeSettings:
        return cls(
            chunking=ChunkSettings.from_config(config.chunking),
            collection="default",
            provider=None,
            model=None,
            search=config.search,
            session_ttl=float(config.tenancy.session_ttl_seconds),
            embedding={},
        )

    def update(self, opts: Mapping[str, Any]) -> None:
        """Apply a `RAG.configure` table; every value is checked before any is kept."""
        where = "RAG.configure"
        for key in opts:
            if key in _IGNORED:
                log.info("%s: %s is taken from the embedding model; %r ignored", where, key,
                         opts[key])  # fmt: skip
            elif key not in CONFIGURE_KEYS:
                log.warning("%s: ignoring unknown option %r (known: %s)", where, key,
                            ", ".join(CONFIGURE_KEYS))  # fmt: skip
        chunking = self.chunking
        if any(opts.get(k) is not None for k in _CHUNK_KEYS):
            chunking = self.chunking.merged(opts, where)
            chunk_text("probe", **_chunk_args(chunking))
        collection = opts.get("collection", opts.get("default_collection"))
        if collection is not None:
            collection = resolve(collection=collection).collection
        provider = opts.get("default_provider", opts.get("provider"))
        model = opts.get("model", opts.get("embedding_model"))
        for name, value in (("provider", provider), ("model", model)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ValidationError(f"{where}: {name} must be a non-empty string")
        search = self._search(opts, where)
        ttl = opts.get("session_ttl")
        if ttl is not None and number(ttl, "session_ttl", where) < 0:
            raise ValidationError(f"{where}: session_ttl must be >= 0, got {ttl}")
        embedding = dict(self.embedding)
        for key, target in _CACHE.items():
            if opts.get(key) is not None:
                value = opts[key]
                if target == "cache_enabled":
                    if not isinstance(value, bool):
                        raise ValidationError(f"{where}: {key} must be true or false")
                else:
                    value = integer(value, key, where, minimum=1 if target == "batch_size" else 0)
                embedding[target] = value
        self.chunking = chunking
        self.collection = collection or self.collection
        if provider is not None:
            self.provider, self.model = provider, model
        elif model is not None:
            self.model = model
        self.search = search
        if ttl is not None:
            self.session_ttl = float(ttl)
        self.embedding = embedding

    def _search(self, opts: Mapping[str, Any], where: str) -> RagSearchConfig:
        changes: dict[str, Any] = {}
        if opts.get("max_k") is not None:
            changes["max_k"] = integer(opts["max_k"], "max_k", where, minimum=1)
        limit = opts.get("search_limit", opts.get("default_k"))
        if limit is not None:
            changes["default_k"] = k_value(limit, changes.get("max_k", self.search.max_k), where)
        if opts.get("mode") is not None:
            changes["mode"] = opts["mode"]
        elif opts.get("hybrid") is not None:
            changes["mode"] = "hybrid" if opts["hybrid"] else "vector"
        for key in ("vector_weight", "keyword_weight"):
            if opts.get(key) is not None:
                changes[key] = number(opts[key], key, where)
        if not changes:
            return self.search
        try:
            return self.search.replace(**changes)
        except ConfigError as exc:
            raise ValidationError(f"{where}: {exc.message}") from None

    def embedding_changes(self, current: EmbeddingConfig) -> EmbeddingConfig | None:
        """The embedding config with the cache and batch settings changed, if any changed."""
        changed = {k: v for k, v in self.embedding.items() if getattr(current, k) != v}
        return current.replace(**changed) if changed else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "collection": self.collection,
            "default_provider": self.provider,
            "model": self.model,
            "chunking": _chunk_args(self.chunking),
            "search": self.search.to_partial(),
            "session_ttl": self.session_ttl,
        }


def _chunk_args(chunking: ChunkSettings) -> dict[str, Any]:
    return {
        "strategy": chunking.strategy,
        "chunk_size": chunking.chunk_size,
        "overlap": chunking.overlap,
        "min_chunk_size": chunking.min_chunk_size,
        "max_chunk_size": chunking.max_chunk_size,
    }
