"""Script-shaped RAG arguments checked once and turned into requests.

Every alias the original's docs and example scripts use is accepted (`k`/`top_k`/`limit`,
`metadata_filter`/`filters`, `chunk_overlap`/`overlap`, `scope = "tenant"`, ...); any other key
is a `ValidationError` naming it and listing the known ones.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from llmspell.config.rag import ChunkingConfig, RagSearchConfig
from llmspell.core.errors import ValidationError
from llmspell.rag.namespaces import Namespace, resolve

__all__ = [
    "ChunkSettings",
    "DocInput",
    "IngestRequest",
    "SearchRequest",
    "check_keys",
    "ingest_request",
    "search_request",
]

Mode = Literal["vector", "keyword", "hybrid"]
MODES = ("vector", "keyword", "hybrid")

_NAMESPACE_KEYS = ("collection", "scope", "scope_id", "tenant_id", "tenant")
_EMBED_KEYS = ("provider", "model", "embedding_model")
_CHUNK_KEYS = ("strategy", "chunk_size", "overlap", "chunk_overlap", "min_chunk_size",
               "max_chunk_size")  # fmt: skip
INGEST_KEYS = (*_NAMESPACE_KEYS, *_EMBED_KEYS, *_CHUNK_KEYS, "chunking", "metadata", "ttl")
SEARCH_KEYS = (
    "query", "k", "top_k", "limit", "threshold", "min_score", "metadata_filter", "filters",
    "filter", "mode", "hybrid", "keyword", "vector_weight", "keyword_weight", "include_metadata",
    *_NAMESPACE_KEYS, *_EMBED_KEYS,
)  # fmt: skip
_DOC_KEYS = ("content", "text", "id", "metadata", "path")


def script_type(value: Any) -> str:
    """A value's type as a script names it: nil, boolean, number, string, table."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping | list):
        return "table"
    return type(value).__name__


def check_keys(options: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    """Refuse keys that are not in `known`, naming them and the known ones."""
    unknown = [key for key in options if key not in known]
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise ValidationError(
            f"{where}: unknown option{'s' if len(unknown) > 1 else ''} {names}",
            hint=f"Known options: {', '.join(known)}.",
        )


def table(value: Any, where: str) -> dict[str, Any]:
    """An options table (nil and `{}` are empty)."""
    if value is None or value == []:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where} must be a table, got {script_type(value)} {value!r}")
    return dict(value)


def integer(value: Any, name: str, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        adjective = "a positive" if minimum == 1 else "a non-negative"
        raise ValidationError(f"{where}: {name} must be {adjective} integer, got {value!r}")
    return value


def number(value: Any, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValidationError(f"{where}: {name} must be a number, got {value!r}")
    return float(value)


def namespace_of(options: Mapping[str, Any], default_collection: str) -> Namespace:
    return resolve(
        collection=options.get("collection"),
        scope=options.get("scope"),
        scope_id=options.get("scope_id"),
        tenant_id=options.get("tenant_id", options.get("tenant")),
        default_collection=default_collection,
    )


@dataclass(frozen=True, slots=True)
class ChunkSettings:
    strategy: str
    chunk_size: int
    overlap: int
    min_chunk_size: int
    max_chunk_size: int | None

    @classmethod
    def from_config(cls, cfg: ChunkingConfig) -> ChunkSettings:
        return cls(cfg.strategy, cfg.chunk_size, cfg.overlap, cfg.min_chunk_size,
                   cfg.max_chunk_size)  # fmt: skip

    def merged(self, options: Mapping[str, Any], where: str) -> ChunkSettings:
        """These settings with a call's `chunking = {...}` or flat chunk keys applied."""
        given = {**table(options.get("chunking"), f"{where}: chunking")}
        check_keys(given, _CHUNK_KEYS, f"{where}: chunking")
        for key in _CHUNK_KEYS:
            if options.get(key) is not None:
                given.setdefault(key, options[key])
        if "chunk_overlap" in given:
            given.setdefault("overlap", given.pop("chunk_overlap"))
        values = {
            "strategy": self.strategy,
            "chunk_size": self.chunk_size,
            "overlap": self.overlap,
            "min_chunk_size": self.min_chunk_size,
            "max_chunk_size": self.max_chunk_size,
        }
        values.update({k: v for k, v in given.items() if v is not None})
        if "chunk_size" in given and "overlap" not in given:
            values["overlap"] = min(values["overlap"], values["chunk_size"] // 4)
        if values["max_chunk_size"] is not None:
            values["max_chunk_size"] = max(values["max_chunk_size"], values["chunk_size"])
        if "chunk_size" in given and "min_chunk_size" not in given:
            values["min_chunk_size"] = min(values["min_chunk_size"], values["chunk_size"] // 4)
        return ChunkSettings(**values)


@dataclass(slots=True)
class DocInput:
    """One document to ingest: its text, id (None: derived) and metadata."""

    text: str
    id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    path: str | None = None

    def document_id(self) -> str:
        if self.id is not None:
            return self.id
        if self.path is not None:
            return self.path
        return "doc-" + hashlib.sha256(self.text.encode()).hexdigest()[:16]


@dataclass(slots=True)
class IngestRequest:
    docs: list[DocInput]
    namespace: Namespace
    chunking: ChunkSettings
    provider: str | None
    model: str | None
    metadata: dict[str, Any]
    ttl: float | None


@dataclass(slots=True)
class SearchRequest:
    query: str
    k: int
    namespace: Namespace
    threshold: float | None
    filter: dict[str, Any] | None
    mode: Mode
    vector_weight: float
    keyword_weight: float
    provider: str | None
    model: str | None


def _doc(value: Any, where: str) -> DocInput:
    if isinstance(value, str):
        return DocInput(text=_content(value, where))
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{where}: a document must be a string or a table {{content = ..., id?, metadata?}}, "
            f"got {script_type(value)}"
        )
    extra = {k: v for k, v in value.items() if k not in _DOC_KEYS}
    metadata = table(value.get("metadata"), f"{where}: metadata")
    metadata.update({str(k): v for k, v in extra.items()})
    doc_id = value.get("id")
    if doc_id is not None:
        if isinstance(doc_id, int | float) and not isinstance(doc_id, bool):
            doc_id = str(int(doc_id)) if float(doc_id).is_integer() else str(doc_id)
        if not isinstance(doc_id, str) or not doc_id.strip():
            raise ValidationError(f"{where}: id must be a non-empty string, got {doc_id!r}")
    if value.get("path") is not None:
        if not isinstance(value["path"], str) or not value["path"]:
            raise ValidationError(f"{where}: path must be a file path string")
        return DocInput(text="", id=doc_id, metadata=metadata, path=value["path"])
    content = value.get("content", value.get("text"))
    if content is None:
        raise ValidationError(
            f"{where}: the document has no content",
            hint="Give it as {content = '...'} (or text = '...').",
        )
    return DocInput(text=_content(content, where), id=doc_id, metadata=metadata)


def _content(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            f"{where}: content must be a string, got {script_type(value)} {value!r}"
            if not isinstance(value, dict | list)
            else f"{where}: content must be a string, got a table"
        )
    if not value.strip():
        raise ValidationError(f"{where}: content is empty", hint="Give the document some text.")
    return value


def documents(value: Any, where: str) -> list[DocInput]:
    """A string, a document table, or an array of either."""
    if isinstance(value, list):
        return [_doc(item, f"{where}: document {i}") for i, item in enumerate(value, start=1)]
    if isinstance(value, Mapping) and not value:
        return []
    return [_doc(value, where)]


def ingest_request(
    docs: Any,
    options: Any,
    *,
    chunking: ChunkSettings,
    default_collection: str,
    where: str = "RAG.ingest",
) -> IngestRequest:
    opts = table(options, f"{where}: options")
    check_keys(opts, INGEST_KEYS, where)
    ttl = opts.get("ttl")
    return IngestRequest(
        docs=documents(docs, where),
        namespace=namespace_of(opts, default_collection),
        chunking=chunking.merged(opts, where),
        provider=_name(opts.get("provider"), "provider", where),
        model=_name(opts.get("model", opts.get("embedding_model")), "model", where),
        metadata=table(opts.get("metadata"), f"{where}: metadata"),
        ttl=None if ttl is None else number(ttl, "ttl", where),
    )


def _name(value: Any, what: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{where}: {what} must be a non-empty string, got {value!r}")
    return value


def k_value(value: Any, max_k: int, where: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"{where}: k must be a positive integer, got {value!r}")
    if value > max_k:
        raise ValidationError(
            f"{where}: k must be at most {max_k} (`rag.search.max_k`), got {value}"
        )
    return value


def search_request(
    query: Any,
    options: Any,
    *,
    search: RagSearchConfig,
    default_collection: str,
    where: str = "RAG.search",
) -> SearchRequest:
    """`search(query, opts)` or `search{query = ..., ...}` as one request."""
    if isinstance(query, Mapping):
        opts = {**table(options, f"{where}: options"), **query}
        query = opts.get("query")
    else:
        opts = table(options, f"{where}: options")
    check_keys(opts, SEARCH_KEYS, where)
    if query is None:
        raise ValidationError(f"{where}: query is required (a non-empty string)")
    if not isinstance(query, str):
        raise ValidationError(
            f"{where}: query must be a string, got {script_type(query)} {query!r}"
        )
    if not query.strip():
        raise ValidationError(f"{where}: query is empty")
    k = next((opts[key] for key in ("k", "top_k", "limit") if opts.get(key) is not None), None)
    threshold = opts.get("threshold", opts.get("min_score"))
    flt = next((opts[key] for key in ("metadata_filter", "filters", "filter") if key in opts), None)
    if flt is not None and not isinstance(flt, Mapping | list):
        raise ValidationError(
            f"{where}: metadata_filter must be a table like {{category = 'AI'}}, "
            f"got {script_type(flt)} {flt!r}"
        )
    return SearchRequest(
        query=query,
        k=search.default_k if k is None else k_value(k, search.max_k, where),
        namespace=namespace_of(opts, default_collection),
        threshold=None if threshold is None else number(threshold, "threshold", where),
        filter=dict(flt) if flt else None,
        mode=_mode(opts, search.mode, where),
        vector_weight=_weight(opts, "vector_weight", search.vector_weight, where),
        keyword_weight=_weight(opts, "keyword_weight", search.keyword_weight, where),
        provider=_name(opts.get("provider"), "provider", where),
        model=_name(opts.get("model", opts.get("embedding_model")), "model", where),
    )


def _mode(opts: Mapping[str, Any], default: str, where: str) -> Mode:
    mode = opts.get("mode")
    if mode is None:
        if opts.get("hybrid"):
            return "hybrid"
        if opts.get("keyword"):
            return "keyword"
        return default  # type: ignore[return-value]
    if mode not in MODES:
        raise ValidationError(f"{where}: mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode  # type: ignore[no-any-return]


def _weight(opts: Mapping[str, Any], key: str, default: float, where: str) -> float:
    if opts.get(key) is None:
        return default
    value = number(opts[key], key, where)
    if value < 0:
        raise ValidationError(f"{where}: {key} must not be negative, got {value}")
    return value
