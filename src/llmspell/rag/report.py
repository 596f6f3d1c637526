"""Stats tables: sizes from the store, usage counters and limits from tenancy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmspell.rag.namespaces import parse_namespace
from llmspell.rag.store import VectorStore
from llmspell.rag.tenancy import NO_TENANT, Tenancy

__all__ = ["namespace_row", "stats_table"]


def namespace_row(name: str, stats: Mapping[str, Any]) -> dict[str, Any]:
    """One collection: its namespace parts and sizes."""
    keys = ("vectors", "documents", "bytes", "dimension", "model", "expires_at")
    return {**parse_namespace(name).as_dict(), **{k: stats[k] for k in keys}}


def stats_table(
    store: VectorStore, tenancy: Tenancy, prefix: str, owner: str, *, exact: bool
) -> dict[str, Any]:
    """Namespaces under `prefix` (only the one named `prefix` when `exact`), with the usage
    counters of `owner` (a tenant; untenanted calls for a scope; everything for the store)."""
    found = store.stats(prefix)
    names = {k: v for k, v in found["namespaces"].items() if not exact or k == prefix}
    whole = owner == NO_TENANT and prefix == ""
    usage = tenancy.total_usage() if whole else tenancy.usage(owner)
    out: dict[str, Any] = {
        "success": True,
        "total_vectors": sum(s["vectors"] for s in names.values()),
        "total_documents": sum(s["documents"] for s in names.values()),
        "total_storage_bytes": sum(s["bytes"] for s in names.values()),
        "embeddings_generated": usage.embeddings,
        "embedding_tokens": usage.embedding_tokens,
        "searches_performed": usage.queries,
        "ingests": usage.ingests,
        "deletes": usage.deletes,
        "last_access": usage.last_access,
        "namespaces": [namespace_row(name, s) for name, s in names.items()],
    }
    if owner != NO_TENANT:
        out["tenant_id"] = owner
        out["limits"] = tenancy.limits(owner).as_dict()
    return out
