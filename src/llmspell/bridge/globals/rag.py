"""`RAG`: ingest documents and search them (llmspell.rag.RagService does the work).

Both search forms work: `RAG.search("q", {k = 5})` and `RAG.search{query = "q", top_k = 5}`.
A search result is one table that is both the array of hits (`results[1].text`, `#results`,
`ipairs(results)`) and a record with `success`, `total` and `results` (SPEC §1.8).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmspell.bridge.globals.base import ScriptGlobal, script_type
from llmspell.core.errors import ValidationError

if TYPE_CHECKING:
    from llmspell.rag.service import RagService


def hits_table(result: Mapping[str, Any]) -> dict[Any, Any]:
    """A search result as one table: hits under 1..n, plus success, total and results."""
    hits = result.get("results") or []
    table: dict[Any, Any] = dict(enumerate(hits, start=1))
    table.update(result)
    return table


def _scope_args(where: str, scope: Any, scope_id: Any) -> tuple[str | None, str | None, str | None]:
    """`(scope, scope_id)`, `("session:1")` or `{scope=, scope_id=, tenant_id=}`."""
    tenant = None
    if isinstance(scope, Mapping):
        opts = scope
        scope, scope_id = opts.get("scope"), opts.get("scope_id", scope_id)
        tenant = opts.get("tenant_id", opts.get("tenant"))
    for name, value in (("scope", scope), ("scope_id", scope_id), ("tenant_id", tenant)):
        if value is not None and not isinstance(value, str | int):
            raise ValidationError(f"{where}: {name} must be a string, got {script_type(value)}")
    return (
        None if scope is None else str(scope),
        None if scope_id is None else str(scope_id),
        None if tenant is None else str(tenant),
    )


class RagGlobal(ScriptGlobal):
    name = "RAG"

    def __init__(self, service: RagService) -> None:
        self._rag = service

    def script_fields(self) -> dict[str, Any]:
        return {"config": self._rag.describe()}

    def ingest(self, documents: Any, options: Any = None) -> dict[str, Any]:
        """A string, `{content|text, id?, metadata?}`, `{path = ...}`, or an array of them."""
        return self._rag.ingest(documents, options)

    def ingest_batch(self, documents: Any, options: Any = None) -> dict[str, Any]:
        return self._rag.ingest_batch(documents, options)

    def search(self, query: Any, options: Any = None) -> dict[Any, Any]:
        return hits_table(self._rag.search(query, options))

    def delete(self, document_id: Any, options: Any = None) -> dict[str, Any]:
        """`RAG.delete(id, opts?)` or `RAG.delete{id = ..., collection = ...}`."""
        if isinstance(document_id, Mapping):
            options = {**(options or {}), **document_id}
            document_id = options.pop("id", options.pop("document_id", None))
        return self._rag.delete(document_id, options)

    def cleanup_scope(self, scope: Any, scope_id: Any = None) -> int:
        """`(scope, scope_id)`, `("session:123")` or `{scope=, scope_id=}`: vectors deleted."""
        scope, scope_id, tenant = _scope_args("RAG.cleanup_scope", scope, scope_id)
        if scope is None:
            raise ValidationError("RAG.cleanup_scope: give a scope, e.g. ('session', id)")
        return self._rag.cleanup_scope(scope, scope_id, tenant=tenant)

    def get_stats(self, scope: Any = None, scope_id: Any = None) -> dict[str, Any]:
        scope, scope_id, tenant = _scope_args("RAG.get_stats", scope, scope_id)
        return self._rag.get_stats(scope, scope_id, tenant=tenant)

    def save(self) -> dict[str, Any]:
        return self._rag.save()

    def configure(self, options: Any = None) -> dict[str, Any]:
        return self._rag.configure(options)

    def create_session_collection(self, session_id: Any, ttl: Any = None) -> dict[str, Any]:
        """`(id, ttl_seconds?)`, `(id, {ttl = ...})` or `{session_id = ..., ttl = ...}`."""
        if isinstance(session_id, Mapping):
            ttl = session_id.get("ttl", session_id.get("vector_ttl", ttl))
            tenant = session_id.get("tenant_id")
            session_id = session_id.get("session_id")
        else:
            tenant = None
        if isinstance(ttl, Mapping):
            tenant = ttl.get("tenant_id", tenant)
            ttl = ttl.get("ttl", ttl.get("vector_ttl"))
        return self._rag.create_session_collection(session_id, ttl, tenant=tenant)

    def configure_session(self, session_id: Any, options: Any = None) -> dict[str, Any]:
        """`{session_id = ..., vector_ttl = ...}` or `(id, {vector_ttl = ...})`."""
        if isinstance(session_id, Mapping):
            options = {**(options or {}), **session_id}
        else:
            options = {**(options or {}), "session_id": session_id}
        return self._rag.configure_session(options)

    def list_providers(self) -> list[str]:
        return self._rag.list_providers()

    def list_collections(self, tenant: Any = None) -> list[dict[str, Any]]:
        if isinstance(tenant, Mapping):
            tenant = tenant.get("tenant_id", tenant.get("tenant"))
        return self._rag.list_collections(tenant=None if tenant is None else str(tenant))

    def expire(self) -> int:
        """Delete expired session vectors now; how many."""
        return self._rag.expire()
