"""Namespaces: where a collection's vectors live, from collection, scope and tenant.

A namespace name is `[tenant:<id>/]<scope>/<collection>`, where scope is `global`, or
`<kind>:<id>` (`user:bob`, `session:42`, any custom kind). Tenants are fully apart: every
name of tenant `acme` starts with `tenant:acme/`, and nothing outside it does.

Scripts of the original wrote `scope = "tenant", scope_id = "acme"` for a tenant; that form
is read as `tenant_id = "acme"` in the global scope. The collection name `session_<id>` (the
`namespace` that `create_session_collection` returns) means the scope `session:<id>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from llmspell.core.errors import ValidationError

__all__ = ["DEFAULT_COLLECTION", "GLOBAL", "Namespace", "parse_namespace", "resolve"]

DEFAULT_COLLECTION = "default"
GLOBAL = "global"
#: `create_session_collection` answers `namespace = "session_<id>"`, so scripts pass that back
#: as a collection name: it means the session's default collection.
SESSION_ALIAS = "session_"
_NAME = re.compile(r"[^\s/]{1,200}")
_ID = re.compile(r"[^\s/]{1,200}")


@dataclass(frozen=True, slots=True)
class Namespace:
    """One isolated vector space."""

    collection: str
    scope: str  # "global" or "<kind>:<id>"
    tenant: str | None = None

    @property
    def prefix(self) -> str:
        """The tenant part (with its slash), or "" outside tenants."""
        return f"tenant:{self.tenant}/" if self.tenant else ""

    @property
    def name(self) -> str:
        return f"{self.prefix}{self.scope}/{self.collection}"

    @property
    def scope_prefix(self) -> str:
        """Every collection of this scope (and tenant) starts with this."""
        return f"{self.prefix}{self.scope}/"

    @property
    def session_id(self) -> str | None:
        kind, _, ident = self.scope.partition(":")
        return ident if kind == "session" else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.name,
            "collection": self.collection,
            "scope": self.scope,
            "tenant_id": self.tenant,
        }


def _text(value: Any, what: str, pattern: re.Pattern[str]) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(
            f"RAG: {what} must be a non-empty string without spaces or '/', got {value!r}"
        )
    return value


def scope_of(scope: Any, scope_id: Any) -> str:
    """`global`, `"session:42"`, or `("session", 42)` as one scope string."""
    if scope is None or scope == GLOBAL:
        if scope_id is not None and scope is None:
            raise ValidationError(
                f"RAG: scope_id {scope_id!r} given without a scope",
                hint='Pass scope = "session" (or "user", ...) with it.',
            )
        return GLOBAL
    kind = _text(scope, "scope", _NAME)
    if scope_id is None:
        head, sep, ident = kind.partition(":")
        if sep and head and ident:
            return kind
        raise ValidationError(
            f"RAG: scope {kind!r} needs a scope_id",
            hint=f'Pass scope_id, or write scope = "{kind}:<id>"; or use scope = "global".',
        )
    return f"{kind}:{_text(scope_id, 'scope_id', _ID)}"


def resolve(
    *,
    collection: Any = None,
    scope: Any = None,
    scope_id: Any = None,
    tenant_id: Any = None,
    default_collection: str = DEFAULT_COLLECTION,
) -> Namespace:
    """The namespace for a call's options (`scope = "tenant"` is the original's tenant form)."""
    if scope == "tenant":
        if scope_id is None:
            raise ValidationError('RAG: scope = "tenant" needs scope_id (the tenant id)')
        if tenant_id is not None and str(tenant_id) != str(scope_id):
            raise ValidationError(
                f"RAG: tenant_id {tenant_id!r} and scope_id {scope_id!r} name different tenants"
            )
        tenant_id, scope, scope_id = scope_id, None, None
    if scope is None and isinstance(collection, str) and collection.startswith(SESSION_ALIAS):
        scope, scope_id = "session", collection[len(SESSION_ALIAS) :] or None
        collection = None
    tenant = None if tenant_id is None else _text(tenant_id, "tenant_id", _ID)
    name = default_collection if collection is None else _text(collection, "collection", _NAME)
    return Namespace(collection=name, scope=scope_of(scope, scope_id), tenant=tenant)


def parse_namespace(name: str) -> Namespace:
    """The inverse of `Namespace.name`."""
    tenant = None
    rest = name
    if rest.startswith("tenant:"):
        head, _, rest = rest.partition("/")
        tenant = head[len("tenant:") :]
    scope, _, collection = rest.rpartition("/")
    return Namespace(collection=collection, scope=scope or GLOBAL, tenant=tenant)
