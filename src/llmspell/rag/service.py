"""`RagService`: what the `RAG` global and `llmspell rag` call.

It resolves namespaces (collection, scope, tenant), enforces tenancy (a tenant on every call
when `rag.multi_tenant` is on, quotas, usage), runs ingests (load, chunk, embed, store) and
searches, and keeps per-runtime settings changed by `RAG.configure`. Arguments arrive in script
shapes and are checked in `rag.options` before anything is embedded or stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmspell.config.rag import RagConfig
from llmspell.core.errors import StorageError, ValidationError
from llmspell.rag import ingest as pipeline
from llmspell.rag.embeddings import EmbeddingService
from llmspell.rag.namespaces import GLOBAL, Namespace, resolve, scope_of
from llmspell.rag.options import (
    IngestRequest,
    check_keys,
    ingest_request,
    namespace_of,
    number,
    search_request,
    table,
)
from llmspell.rag.report import namespace_row, stats_table
from llmspell.rag.search import SearchCache, request_key, run_search
from llmspell.rag.sessions import SessionTtls
from llmspell.rag.settings import RuntimeSettings
from llmspell.rag.store import VectorStore
from llmspell.rag.tenancy import NO_TENANT, Tenancy, parse_limits

if TYPE_CHECKING:
    import numpy as np

    from llmspell.events import EventBus
    from llmspell.providers import ProviderRegistry
    from llmspell.security import PathPolicy

__all__ = ["MEMORY_BYTES_PER_FLOAT", "RagService"]

log = logging.getLogger("llmspell.rag")

#: bytes of memory per stored float for `rag.vector_storage.max_memory_mb`: 4 for the float32
#: vector matrix and as much again for the HNSW graph (see `rag.index`)
MEMORY_BYTES_PER_FLOAT = 4 * 2
_MB = 1024 * 1024


class RagService:
    """Ingest, search and manage the vectors under one store directory."""

    def __init__(
        self,
        config: RagConfig,
        *,
        home: Path,
        providers: Callable[[], ProviderRegistry],
        paths: PathPolicy | None = None,
        clock: Callable[[], float] = time.time,
        events: Callable[[], EventBus | None] | None = None,
    ) -> None:
        self.config = config
        self.paths = paths
        #: the runtime's event bus when it has been built (`rag.ingested`, `rag.searched`, ...)
        self._events = events
        custom = config.vector_storage.persistence_path
        self.root = Path(custom).expanduser() if custom else home / "rag"
        self._clock = clock
        self.store = VectorStore(self.root, config.vector_storage, clock=clock)
        db = self.store.db_path
        self.tenancy = Tenancy(db, config.tenancy, clock=clock)
        self.sessions = SessionTtls(db, clock=clock)
        self.embeddings = EmbeddingService(config.embedding, providers)
        self.settings = RuntimeSettings.from_config(config)
        cache = config.cache
        self.search_cache = SearchCache(
            cache.search_cache_size if cache.search_cache_enabled else 0,
            cache.search_cache_ttl_seconds,
            clock,
        )
        self.store.expire()

    # Namespaces and tenancy -------------------------------------------------------------------

    def _tenant_check(self, ns: Namespace | None, tenant: str | None, what: str) -> str:
        """The usage owner of a call; refuses a call without tenant in multi-tenant mode."""
        owner = ns.tenant if ns is not None else tenant
        if self.config.multi_tenant and owner is None:
            raise ValidationError(
                f"RAG.{what}: a tenant_id is required because `rag.multi_tenant` is true",
                hint="Pass tenant_id = '<tenant>' (CLI: --tenant), "
                "or scope = 'tenant', scope_id = '<tenant>'.",
            )
        return owner or NO_TENANT

    def _model_id(self, provider: str, model: str) -> str:
        return f"{provider}/{model}"

    # Ingest -----------------------------------------------------------------------------------

    def ingest(
        self, documents: Any, options: Any = None, *, on_progress: pipeline.Progress | None = None
    ) -> dict[str, Any]:
        """Chunk, embed and store documents; re-ingesting an id replaces its chunks."""
        request = ingest_request(
            documents,
            options,
            chunking=self.settings.chunking,
            default_collection=self.settings.collection,
        )
        pipeline.load_paths(request.docs, self.paths)
        return self._ingest(request, on_progress)

    def ingest_batch(self, documents: Any, options: Any = None) -> dict[str, Any]:
        """`ingest` for many documents at once (one embedding pass over all their chunks)."""
        if isinstance(documents, Mapping) and "documents" in documents:
            documents = documents["documents"]
        return self.ingest(documents, options)

    def ingest_paths(
        self,
        paths: Sequence[str | Path],
        options: Any = None,
        *,
        on_progress: pipeline.Progress | None = None,
    ) -> dict[str, Any]:
        """Files named on the command line (directories recursed); not confined by `paths`."""
        files, walked = pipeline.expand_paths(paths)
        request = ingest_request(
            [{"path": str(f)} for f in files],
            options,
            chunking=self.settings.chunking,
            default_collection=self.settings.collection,
            where="rag ingest",
        )
        skipped = pipeline.load_paths(request.docs, None, optional={str(f) for f in walked})
        result = self._ingest(request, on_progress)
        result["files"] = [doc.path for doc in request.docs]
        result["skipped"] = skipped
        return result

    def _ingest(
        self, request: IngestRequest, on_progress: pipeline.Progress | None
    ) -> dict[str, Any]:
        ns = request.namespace
        owner = self._tenant_check(ns, None, "ingest")
        result: dict[str, Any] = {
            "success": True,
            "documents_processed": 0,
            "vectors_created": 0,
            "total_tokens": 0,
            "document_ids": [],
            "namespace": ns.name,
        }
        if not request.docs:
            return result
        docs = pipeline.chunk_documents(request.docs, request.chunking, request.metadata)
        texts = [chunk.text for doc in docs for chunk in doc.chunks]
        provider, model = self._embedder_for(ns, request.provider, request.model)
        self._check_memory(ns, docs, len(texts))
        self.tenancy.check_tokens(owner, sum(c.tokens for d in docs for c in d.chunks))
        if owner != NO_TENANT:
            self._check_storage(owner, ns, docs, texts, add_bytes_per_vector=None)
        embedded = pipeline.embed_texts(self.embeddings, texts, provider, model, on_progress)
        self.tenancy.record(owner, embedding_tokens=embedded.tokens, embeddings=len(texts))
        if embedded.truncated:
            log.warning(
                "%d of %d chunks are longer than what %s/%s reads; their ends are searchable "
                "by keyword only. Use a smaller `rag.chunking.chunk_size` (about 200 for local).",
                embedded.truncated,
                len(texts),
                embedded.provider,
                embedded.model,
            )
        dim = embedded.dimensions
        if owner != NO_TENANT:
            self._check_storage(owner, ns, docs, texts, add_bytes_per_vector=dim * 4)
        model_id = self._model_id(embedded.provider, embedded.model)
        pipeline.check_collection(
            self.store.info(ns.name),
            ns,
            dim,
            model_id,
            expected=self.config.vector_storage.dimensions,
        )
        self.store.namespace(ns.name, dimension=dim, model=model_id)
        expires_at = self._expiry(ns, request.ttl)
        start = 0
        for doc in docs:
            vectors = embedded.vectors[start : start + len(doc.chunks)]
            start += len(doc.chunks)
            rows = pipeline.stored_chunks(doc, vectors, tenant=ns.tenant, expires_at=expires_at)
            self.store.upsert(ns.name, doc.doc_id, rows, doc.metadata)
            result["document_ids"].append(doc.doc_id)
        self.tenancy.record(owner, ingests=len(docs))
        result.update(
            documents_processed=len(docs),
            vectors_created=len(texts),
            total_tokens=embedded.tokens or sum(c.tokens for d in docs for c in d.chunks),
        )
        self._publish(
            "rag.ingested",
            namespace=ns.name,
            tenant=ns.tenant,
            documents=len(docs),
            vectors=len(texts),
            tokens=result["total_tokens"],
            model=model_id,
        )
        return result

    def _publish(self, event_type: str, **data: Any) -> None:
        """A `rag.*` lifecycle event, when the bus exists and something would receive it."""
        bus = self._events() if self._events is not None else None
        if bus is not None and bus.wants(event_type):
            bus.publish(event_type, data, source="rag")

    def _embedder_for(
        self, ns: Namespace, provider: str | None, model: str | None
    ) -> tuple[str, str]:
        """Per-call choice, else the collection's own model, else the configured default."""
        if provider is None and model is None:
            info = self.store.info(ns.name)
            if info is not None and "/" in info.model:
                stored_provider, _, stored_model = info.model.partition("/")
                return stored_provider, stored_model
            provider, model = self.settings.provider, self.settings.model
        return self.embeddings.resolve(provider, model)

    def _check_storage(
        self,
        owner: str,
        ns: Namespace,
        docs: list[pipeline.PreparedDoc],
        texts: list[str],
        *,
        add_bytes_per_vector: int | None,
    ) -> None:
        limits = self.tenancy.limits(owner)
        if limits.max_vectors is None and limits.max_storage_bytes is None:
            return
        stats = self.store.stats(f"tenant:{owner}/")
        replaced = {d.doc_id for d in docs}
        old_vectors = old_bytes = 0
        if ns.name in stats["namespaces"]:
            for info in self.store.documents(ns.name):
                if info.doc_id in replaced:
                    old_vectors += info.chunks
                    old_bytes += info.bytes
        text_bytes = sum(len(t.encode()) for t in texts)
        per_vector = add_bytes_per_vector or 0
        self.tenancy.check_storage(
            owner,
            vectors=stats["vectors"] - old_vectors,
            storage_bytes=stats["bytes"] - old_bytes,
            add_vectors=len(texts),
            add_bytes=text_bytes + per_vector * len(texts),
        )

    def _check_memory(self, ns: Namespace, docs: list[pipeline.PreparedDoc], adding: int) -> None:
        """Refuse an ingest that would take the estimated vector memory past the budget."""
        limit_mb = self.config.vector_storage.max_memory_mb
        info = self.store.info(ns.name)
        dim = info.dimension if info is not None else self.config.vector_storage.dimensions
        replaced = self.store.document_chunks(ns.name, [d.doc_id for d in docs])
        current = self.store.memory_floats() * MEMORY_BYTES_PER_FLOAT
        projected = current + (adding - replaced) * dim * MEMORY_BYTES_PER_FLOAT
        if adding <= replaced or projected <= limit_mb * _MB:
            return
        raise StorageError(
            f"RAG.ingest: the vectors in memory would grow from {_mb(current)} MB to "
            f"{_mb(projected)} MB ({adding} vectors of {dim} dimensions, "
            f"{MEMORY_BYTES_PER_FLOAT} bytes per value for the vectors and their HNSW graph), "
            f"more than `rag.vector_storage.max_memory_mb` = {limit_mb:g}; nothing was stored",
            hint="Raise `rag.vector_storage.max_memory_mb`, delete documents or collections "
            "you no longer need (RAG.delete, RAG.cleanup_scope, `llmspell rag delete`), or "
            "use larger chunks (`rag.chunking.chunk_size`).",
        )

    def _expiry(self, ns: Namespace, ttl: float | None) -> float | None:
        if ttl is None and ns.session_id is not None:
            ttl = self.sessions.get(ns.scope_prefix)
            if ttl is None:
                ttl = self.settings.session_ttl
        if not ttl:
            return None
        return self._clock() + ttl

    # Search -----------------------------------------------------------------------------------

    def search(self, query: Any, options: Any = None) -> dict[str, Any]:
        """`{success, total, results}`; each hit `{id, text, content, score, metadata, ...}`."""
        request = search_request(
            query,
            options,
            search=self.settings.search,
            default_collection=self.settings.collection,
        )
        owner = self._tenant_check(request.namespace, None, "search")
        self.tenancy.admit_query(owner)
        ns = request.namespace
        version = self.store.version(ns.name)
        if version is None:
            return {"success": True, "total": 0, "results": [], "namespace": ns.name}
        ns_id, generation, next_expiry = version
        key = (
            ns_id,
            generation,
            request_key(request),
            self.settings.provider,
            self.settings.model,
        )
        cached = self.search_cache.get(key)
        if cached is not None:
            self._publish(
                "rag.searched",
                namespace=ns.name,
                tenant=ns.tenant,
                mode=request.mode,
                k=request.k,
                results=len(cached),
                cached=True,
            )
            return {"success": True, "total": len(cached), "results": cached, "namespace": ns.name}

        def embed_query() -> np.ndarray:
            provider, model = self._embedder_for(ns, request.provider, request.model)
            self.tenancy.check_tokens(owner, len(request.query.split()) + 2)
            done = self.embeddings.embed([request.query], provider=provider, model=model)
            self.tenancy.record(owner, embedding_tokens=done.tokens)
            info = self.store.info(ns.name)
            if info is not None and info.dimension != done.dimensions:
                raise ValidationError(
                    f"RAG.search: the query embedding of {done.provider}/{done.model} has "
                    f"{done.dimensions} dimensions, but collection {ns.name!r} holds "
                    f"{info.dimension}-dimensional vectors of {info.model}",
                    hint="Leave provider and model unset to search with the collection's model.",
                )
            return done.vectors[0]

        results = run_search(self.store, request, embed_query)
        self.search_cache.put(key, results, until=next_expiry)
        self._publish(
            "rag.searched",
            namespace=ns.name,
            tenant=ns.tenant,
            mode=request.mode,
            k=request.k,
            results=len(results),
            cached=False,
        )
        return {"success": True, "total": len(results), "results": results, "namespace": ns.name}

    # Deleting ---------------------------------------------------------------------------------

    def delete(self, document_id: Any, options: Any = None) -> dict[str, Any]:
        """Delete one document's chunks from a collection."""
        opts = table(options, "RAG.delete: options")
        check_keys(opts, ("collection", "scope", "scope_id", "tenant_id", "tenant"), "RAG.delete")
        if isinstance(document_id, int | float) and not isinstance(document_id, bool):
            document_id = str(int(document_id))
        if not isinstance(document_id, str) or not document_id:
            raise ValidationError(f"RAG.delete: give a document id (a string), got {document_id!r}")
        ns = self._namespace(opts)
        owner = self._tenant_check(ns, None, "delete")
        deleted = self.store.delete_document(ns.name, document_id)
        if deleted:
            self.tenancy.record(owner, deletes=1)
            self._publish(
                "rag.deleted", namespace=ns.name, tenant=ns.tenant, document_id=document_id
            )
        return {"success": True, "deleted": deleted, "document_id": document_id}

    def delete_collection(self, options: Any = None) -> dict[str, Any]:
        ns = self._namespace(table(options, "delete_collection: options"))
        owner = self._tenant_check(ns, None, "delete")
        deleted = self.store.delete_namespace(ns.name)
        if deleted:
            self.tenancy.record(owner, deletes=1)
        return {"success": True, "deleted": deleted, "namespace": ns.name}

    def cleanup_scope(
        self, scope: str, scope_id: str | None = None, *, tenant: str | None = None
    ) -> int:
        """Delete every collection of a scope (`"session", "42"` or `"session:42"`); vectors."""
        prefix, owner = self._scope_prefix(scope, scope_id, tenant, "cleanup_scope")
        if not prefix:
            raise ValidationError("RAG.cleanup_scope: give a scope, e.g. ('session', id)")
        removed = 0
        for name in self.store.stats(prefix)["namespaces"]:
            removed += self.store.delete_namespace(name)
        self.sessions.forget(prefix)
        if removed:
            self.tenancy.record(owner, deletes=1)
        return removed

    def _scope_prefix(
        self, scope: str | None, scope_id: str | None, tenant: str | None, what: str
    ) -> tuple[str, str]:
        if scope == "tenant":
            tenant, scope, scope_id = scope_id or tenant, None, None
            if tenant is None:
                raise ValidationError(f'RAG.{what}: scope "tenant" needs the tenant id')
        owner = self._tenant_check(None, tenant, what)
        base = f"tenant:{tenant}/" if tenant else ""
        if scope is None:
            return base, owner
        return f"{base}{scope_of(scope, scope_id)}/", owner

    def expire(self) -> int:
        """Delete expired vectors and session collections now; how many vectors."""
        return self.store.expire()

    # Reporting --------------------------------------------------------------------------------

    def get_stats(
        self, scope: str | None = None, scope_id: str | None = None, *, tenant: str | None = None
    ) -> dict[str, Any]:
        """Sizes of a scope, a tenant, a collection name or the whole store, with usage."""
        self.store.expire()
        bare = scope is not None and scope_id is None and scope not in (GLOBAL, "tenant")
        if bare and ":" not in scope:  # `RAG.get_stats("my_collection")` in the original's examples
            ns = resolve(collection=scope, tenant_id=tenant)
            owner = self._tenant_check(ns, tenant, "get_stats")
            return stats_table(self.store, self.tenancy, ns.name, owner, exact=True)
        prefix, owner = self._scope_prefix(scope, scope_id, tenant, "get_stats")
        return stats_table(self.store, self.tenancy, prefix, owner, exact=False)

    def list_collections(self, *, tenant: str | None = None) -> list[dict[str, Any]]:
        owner = self._tenant_check(None, tenant, "list_collections")
        prefix = "" if owner == NO_TENANT else f"tenant:{owner}/"
        self.store.expire()
        return [namespace_row(n, s) for n, s in self.store.stats(prefix)["namespaces"].items()]

    def list_providers(self) -> list[str]:
        return self.embeddings.list_providers()

    def describe(self) -> dict[str, Any]:
        """The settings in effect (`RAG.config` in scripts)."""
        return {
            "enabled": True,
            "multi_tenant": self.config.multi_tenant,
            "store": str(self.root),
            **self.settings.as_dict(),
        }

    # Settings ---------------------------------------------------------------------------------

    def configure(self, options: Any) -> dict[str, Any]:
        """Per-runtime settings; `{tenant_id, limits}` sets a tenant's quotas (persisted)."""
        opts = table(options, "RAG.configure: options")
        tenant = opts.pop("tenant_id", opts.pop("tenant", None))
        limits = opts.pop("limits", None)
        out: dict[str, Any] = {"success": True}
        if limits is not None:
            if tenant is None:
                raise ValidationError("RAG.configure: limits need a tenant_id")
            parsed = parse_limits(limits, where="RAG.configure")
            out["limits"] = self.tenancy.set_limits(str(tenant), parsed).as_dict()
            out["tenant_id"] = str(tenant)
        self.settings.update(opts)
        embedding = self.settings.embedding_changes(self.embeddings.config)
        if embedding is not None:
            self.embeddings.configure(embedding)
        out.update(self.describe())
        return out

    def create_session_collection(
        self, session_id: Any, ttl: Any = None, *, tenant: str | None = None
    ) -> dict[str, Any]:
        """A session scope whose vectors expire `ttl` seconds after ingest (default config)."""
        ns = resolve(scope="session", scope_id=session_id, tenant_id=tenant)
        self._tenant_check(ns, tenant, "create_session_collection")
        where = "RAG.create_session_collection"
        seconds = self.settings.session_ttl if ttl is None else number(ttl, "ttl", where)
        if seconds < 0:
            raise ValidationError(f"{where}: ttl must be >= 0, got {ttl}")
        self.sessions.set(ns.scope_prefix, seconds)
        return {
            "success": True,
            "session_id": ns.session_id,
            "namespace": f"session_{ns.session_id}",
            "scope": ns.scope,
            "collection": ns.name,
            "ttl": seconds,
            "created": True,
        }

    def configure_session(self, options: Any) -> dict[str, Any]:
        opts = table(options, "RAG.configure_session: options")
        check_keys(opts, ("session_id", "vector_ttl", "ttl", "tenant_id"), "RAG.configure_session")
        if opts.get("session_id") is None:
            raise ValidationError("RAG.configure_session: session_id is required")
        ttl = opts.get("vector_ttl", opts.get("ttl"))
        made = self.create_session_collection(opts["session_id"], ttl, tenant=opts.get("tenant_id"))
        return {
            "success": True,
            "session_id": made["session_id"],
            "vector_ttl": made["ttl"],
            "configured": True,
        }

    def _namespace(self, opts: Mapping[str, Any]) -> Namespace:
        return namespace_of(opts, self.settings.collection)

    # Lifetime ---------------------------------------------------------------------------------

    def rebuild(self, options: Any = None) -> dict[str, Any]:
        """Rebuild index files from the stored vectors (one collection, or all when None)."""
        if options is None:
            names = [info.name for info in self.store.namespaces()]
        else:
            names = [self._namespace(table(options, "rebuild: options")).name]
        vectors = sum(self.store.rebuild(name) for name in names)
        return {"success": True, "rebuilt": len(names), "vectors": vectors}

    def save(self) -> dict[str, Any]:
        return {"success": True, "saved": self.store.save()}

    def close(self) -> None:
        try:
            self.store.close()
        finally:
            self.tenancy.close()
            self.sessions.close()


def _mb(size: float) -> str:
    """Bytes as MB, readable for budgets both tiny (tests) and large."""
    mb = size / _MB
    return f"{mb:,.1f}" if mb >= 100 else f"{mb:.3g}"
