"""Tenant quotas and usage, kept in the vector store's SQLite file.

Each tenant has limits (the `[rag.tenancy]` defaults, overridden per tenant by
`RAG.configure{tenant_id=..., limits={...}}` and persisted) and a usage row of counters
(queries, embedding tokens, ingests, deletes, last access) updated in `BEGIN IMMEDIATE`
transactions, so several processes sharing a home count correctly. Stored vectors and bytes are
not counted here: the caller measures them in the store, which also sees deletions and expiry.
Queries per minute use a sliding 60-second window of timestamps.

Operations without a tenant are counted under the owner `""` (reported as the whole store's
counters) and have no quotas.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from llmspell.config.rag import RagTenancyConfig
from llmspell.core.errors import QuotaExceeded, ValidationError
from llmspell.storage.sqlite import Database, Migration

__all__ = ["LIMIT_NAMES", "Tenancy", "TenantLimits", "TenantUsage"]

WINDOW_SECONDS = 60.0
NO_TENANT = ""
LIMIT_NAMES = ("max_vectors", "max_storage_bytes", "max_queries_per_minute", "max_embedding_tokens")
_COUNTERS = ("queries", "embedding_tokens", "embeddings", "ingests", "deletes")

MIGRATIONS = (
    Migration(
        "001_tenancy",
        """
        CREATE TABLE rag_tenant_limits (
            tenant TEXT PRIMARY KEY, limits TEXT NOT NULL, updated_at REAL NOT NULL);
        CREATE TABLE rag_tenant_usage (
            tenant TEXT PRIMARY KEY,
            queries INTEGER NOT NULL DEFAULT 0,
            embedding_tokens INTEGER NOT NULL DEFAULT 0,
            embeddings INTEGER NOT NULL DEFAULT 0,
            ingests INTEGER NOT NULL DEFAULT 0,
            deletes INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            last_access REAL NOT NULL);
        CREATE TABLE rag_tenant_queries (tenant TEXT NOT NULL, at REAL NOT NULL);
        CREATE INDEX rag_tenant_queries_at ON rag_tenant_queries (tenant, at)
        """,
    ),
)

_WHAT = {
    "max_vectors": ("vector", "stored", "delete documents or raise the quota"),
    "max_storage_bytes": ("storage", "bytes stored", "delete documents or raise the quota"),
    "max_queries_per_minute": (
        "query rate",
        "searches in the last 60 seconds",
        "wait a moment or raise the quota",
    ),
    "max_embedding_tokens": (
        "embedding token",
        "tokens embedded",
        "raise the quota to embed more",
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantLimits:
    """One tenant's effective quotas; None means unlimited."""

    max_vectors: int | None = None
    max_storage_bytes: int | None = None
    max_queries_per_minute: int | None = None
    max_embedding_tokens: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantUsage:
    """A tenant's counters since its first operation."""

    queries: int = 0
    embedding_tokens: int = 0
    embeddings: int = 0
    ingests: int = 0
    deletes: int = 0
    created_at: float | None = None
    last_access: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_limits(raw: Any, *, where: str) -> dict[str, int | None]:
    """A script's `limits` table as overrides; `false` or `"unlimited"` lifts one."""
    if not isinstance(raw, Mapping):
        raise ValidationError(
            f"{where}: limits must be a table like {{max_vectors = 1000}}, got {raw!r}"
        )
    out: dict[str, int | None] = {}
    for key, value in raw.items():
        if key not in LIMIT_NAMES:
            raise ValidationError(
                f"{where}: unknown limit {key!r}", hint=f"Known limits: {', '.join(LIMIT_NAMES)}."
            )
        if value is False or value == "unlimited":
            out[key] = None
        elif isinstance(value, int) and not isinstance(value, bool) and value > 0:
            out[key] = value
        elif isinstance(value, float) and value.is_integer() and value > 0:
            out[key] = int(value)
        else:
            raise ValidationError(
                f"{where}: limit {key} must be a positive integer "
                f'(or false / "unlimited"), got {value!r}'
            )
    return out


class Tenancy:
    """Quotas and usage counters of every tenant, in `<store>/rag.db`."""

    def __init__(
        self,
        path: Path,
        defaults: RagTenancyConfig,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = Database(path, component="rag_tenancy", migrations=MIGRATIONS)
        self._defaults = defaults
        self._clock = clock

    def close(self) -> None:
        self._db.close()

    # Limits -----------------------------------------------------------------------------------

    def limits(self, tenant: str) -> TenantLimits:
        base = {name: getattr(self._defaults, name) for name in LIMIT_NAMES}
        base.update(self._overrides(tenant))
        return TenantLimits(**base)

    def _overrides(self, tenant: str) -> dict[str, int | None]:
        row = (
            self._db.connection()
            .execute("SELECT limits FROM rag_tenant_limits WHERE tenant = ?", (tenant,))
            .fetchone()
        )
        return json.loads(row[0]) if row else {}

    def set_limits(self, tenant: str, overrides: Mapping[str, int | None]) -> TenantLimits:
        """Merge `overrides` into the tenant's stored limits (persisted)."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT limits FROM rag_tenant_limits WHERE tenant = ?", (tenant,)
            ).fetchone()
            merged = {**(json.loads(row[0]) if row else {}), **overrides}
            conn.execute(
                "INSERT INTO rag_tenant_limits (tenant, limits, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (tenant) DO UPDATE SET limits = excluded.limits, "
                "updated_at = excluded.updated_at",
                (tenant, json.dumps(merged), self._clock()),
            )
        return self.limits(tenant)

    def _key(self, tenant: str, name: str) -> str:
        if name in self._overrides(tenant):
            return f"the limit set for this tenant with RAG.configure (`{name}`)"
        return f"`rag.tenancy.{name}`"

    def _refuse(self, tenant: str, name: str, used: int, limit: int, extra: str = "") -> None:
        what, unit, fix = _WHAT[name]
        raise QuotaExceeded(
            f"Tenant {tenant!r} is over its {what} quota: {used} of "
            f"{self._key(tenant, name)} = {limit} {unit}{extra}; {fix}.",
            tenant=tenant,
            quota=name,
            used=used,
            limit=limit,
            hint=f"Raise it with RAG.configure{{tenant_id = {tenant!r}, "
            f"limits = {{{name} = ...}}}} or `[rag.tenancy] {name}`.",
        )

    # Checks -----------------------------------------------------------------------------------

    def check_storage(
        self, tenant: str, *, vectors: int, storage_bytes: int, add_vectors: int, add_bytes: int
    ) -> None:
        """Refuse an ingest that would take the tenant past its vector or byte quota."""
        if tenant == NO_TENANT:
            return
        limits = self.limits(tenant)
        if limits.max_vectors is not None and vectors + add_vectors > limits.max_vectors:
            self._refuse(
                tenant,
                "max_vectors",
                vectors,
                limits.max_vectors,
                f", and this ingest adds {add_vectors}",
            )
        if (
            limits.max_storage_bytes is not None
            and storage_bytes + add_bytes > limits.max_storage_bytes
        ):
            self._refuse(
                tenant,
                "max_storage_bytes",
                storage_bytes,
                limits.max_storage_bytes,
                f", and this ingest adds {add_bytes}",
            )

    def check_tokens(self, tenant: str, tokens: int) -> None:
        """Refuse embedding `tokens` more when the tenant's token quota would be passed."""
        if tenant == NO_TENANT:
            return
        limit = self.limits(tenant).max_embedding_tokens
        if limit is None:
            return
        used = self.usage(tenant).embedding_tokens
        if used + tokens > limit:
            self._refuse(
                tenant,
                "max_embedding_tokens",
                used,
                limit,
                f", and this call needs about {tokens} more",
            )

    def admit_query(self, tenant: str) -> None:
        """Count one search in the sliding window, or refuse it when the window is full."""
        now = self._clock()
        limit = None if tenant == NO_TENANT else self.limits(tenant).max_queries_per_minute
        with self._db.transaction() as conn:
            if limit is not None:
                conn.execute(
                    "DELETE FROM rag_tenant_queries WHERE tenant = ? AND at <= ?",
                    (tenant, now - WINDOW_SECONDS),
                )
                (count,) = conn.execute(
                    "SELECT COUNT(*) FROM rag_tenant_queries WHERE tenant = ?", (tenant,)
                ).fetchone()
                if count >= limit:
                    self._refuse(tenant, "max_queries_per_minute", count, limit)
                conn.execute(
                    "INSERT INTO rag_tenant_queries (tenant, at) VALUES (?, ?)", (tenant, now)
                )
            self._bump(conn, tenant, now, queries=1)

    # Usage ------------------------------------------------------------------------------------

    def record(self, tenant: str, **counts: int) -> None:
        """Add to counters: queries, embedding_tokens, embeddings, ingests, deletes."""
        unknown = set(counts) - set(_COUNTERS)
        if unknown:
            raise ValueError(f"unknown usage counters {sorted(unknown)}")
        with self._db.transaction() as conn:
            self._bump(conn, tenant, self._clock(), **counts)

    @staticmethod
    def _bump(conn: Any, tenant: str, now: float, **counts: int) -> None:
        names = [name for name in _COUNTERS if counts.get(name)]
        sets = "".join(f", {name} = {name} + ?" for name in names)
        conn.execute(
            "INSERT INTO rag_tenant_usage (tenant, created_at, last_access) VALUES (?, ?, ?) "
            "ON CONFLICT (tenant) DO NOTHING",
            (tenant, now, now),
        )
        conn.execute(
            f"UPDATE rag_tenant_usage SET last_access = ?{sets} WHERE tenant = ?",
            (now, *(counts[name] for name in names), tenant),
        )

    def usage(self, tenant: str) -> TenantUsage:
        row = (
            self._db.connection()
            .execute(
                "SELECT queries, embedding_tokens, embeddings, ingests, deletes, created_at, "
                "last_access FROM rag_tenant_usage WHERE tenant = ?",
                (tenant,),
            )
            .fetchone()
        )
        if row is None:
            return TenantUsage()
        return TenantUsage(**dict(zip([f.name for f in fields(TenantUsage)], row, strict=True)))

    def total_usage(self) -> TenantUsage:
        """Counters summed over every tenant and the untenanted owner."""
        row = (
            self._db.connection()
            .execute(
                "SELECT COALESCE(SUM(queries), 0), COALESCE(SUM(embedding_tokens), 0), "
                "COALESCE(SUM(embeddings), 0), COALESCE(SUM(ingests), 0), "
                "COALESCE(SUM(deletes), 0), MIN(created_at), MAX(last_access) "
                "FROM rag_tenant_usage"
            )
            .fetchone()
        )
        return TenantUsage(**dict(zip([f.name for f in fields(TenantUsage)], row, strict=True)))

    def tenants(self) -> list[str]:
        """Tenants that have limits or usage recorded."""
        rows = self._db.connection().execute(
            "SELECT tenant FROM rag_tenant_usage WHERE tenant != '' "
            "UNION SELECT tenant FROM rag_tenant_limits ORDER BY 1"
        )
        return [row[0] for row in rows]

    def forget(self, tenant: str) -> None:
        """Drop a tenant's usage rows and limits (after all its data was deleted)."""
        with self._db.transaction() as conn:
            for table in ("rag_tenant_usage", "rag_tenant_limits", "rag_tenant_queries"):
                conn.execute(f"DELETE FROM {table} WHERE tenant = ?", (tenant,))
