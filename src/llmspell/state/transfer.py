"""`llmspell state export|import`: the store as a JSON or TOML document, and back.

JSON files hold each value as JSON (tags only where plain JSON cannot say it, see `codec`);
TOML files hold it as a JSON string (`json = '...'`), since TOML has no null. An import checks
every entry (key rules, value, size) before writing anything, then writes in one transaction.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from llmspell.core.errors import StateError
from llmspell.state import codec
from llmspell.state.backend import Entry
from llmspell.state.keys import check_key, check_scope, check_size

if TYPE_CHECKING:
    from llmspell.state.store import StateStore

FORMAT = "llmspell-state-export"
Format = Literal["json", "toml"]


@dataclass(frozen=True, slots=True)
class ImportPlan:
    entries: list[Entry]
    #: The one scope the file holds (a `--scope` export), or None for the whole store.
    scope: str | None


def export_text(store: StateStore, *, scope: str | None, fmt: Format) -> tuple[str, int]:
    """The document and how many entries it holds."""
    stored = store.entries(scope)
    rows = []
    for entry in stored:
        scope_name, _, key = entry.key.partition(":")
        row: dict[str, Any] = {"scope": scope_name, "key": key}
        if fmt == "json":
            row["value"] = json.loads(entry.value)
        else:
            row["json"] = entry.value
        if entry.expires_at is not None:
            row["expires_at"] = entry.expires_at
        rows.append(row)
    document: dict[str, Any] = {"format": FORMAT, "version": 1, "exported_at": time.time()}
    if scope is not None:
        document["scope"] = check_scope(scope)
    document["entries"] = rows
    if fmt == "toml":
        import tomli_w

        return tomli_w.dumps(document), len(rows)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n", len(rows)


def parse_import(text: str, *, fmt: Format, source: str, max_value_bytes: int) -> ImportPlan:
    """Every entry of an export document, checked; StateError naming the first bad one."""
    document = _parse(text, fmt, source)
    file_scope = document.get("scope")
    if file_scope is not None:
        file_scope = check_scope(file_scope)
    rows = document.get("entries")
    if rows is None and "format" not in document:
        rows = _from_mapping(document, source)
    if not isinstance(rows, list):
        raise StateError(
            f"{source}: expected an `entries` list (as `llmspell state export` writes)"
        )
    entries: list[Entry] = []
    now = time.time()
    for number, row in enumerate(rows, 1):
        where = f"{source}: entry {number}"
        try:
            entry = _entry(row, max_value_bytes)
        except StateError as exc:
            raise StateError(f"{where}: {exc}; nothing was imported") from None
        if file_scope is not None and not entry.key.startswith(file_scope + ":"):
            raise StateError(
                f"{where}: {entry.key!r} is outside the file's scope {file_scope!r}; "
                "nothing was imported"
            )
        if entry.expires_at is None or entry.expires_at > now:
            entries.append(entry)
    return ImportPlan(entries, file_scope)


def apply_import(store: StateStore, plan: ImportPlan, *, merge: bool) -> dict[str, Any]:
    """Write the plan in one transaction; without `merge`, first clear what it replaces."""
    with store.backend.transaction() as tx:
        removed = 0 if merge else tx.clear("" if plan.scope is None else plan.scope + ":")
        for entry in plan.entries:
            tx.put(entry.key, entry.value, expires_at=entry.expires_at)
    return {"imported": len(plan.entries), "replaced": removed, "merge": merge, "scope": plan.scope}


def _parse(text: str, fmt: Format, source: str) -> dict[str, Any]:
    try:
        if fmt == "toml":
            import tomllib

            document = tomllib.loads(text)
        else:
            document = json.loads(text)
    except ValueError as exc:  # JSONDecodeError and TOMLDecodeError are both ValueErrors
        raise StateError(f"{source} is not valid {fmt.upper()}: {exc}") from None
    if not isinstance(document, dict):
        raise StateError(f"{source}: expected a {fmt.upper()} object at the top")
    return document


def _from_mapping(document: dict[str, Any], source: str) -> list[dict[str, Any]]:
    """A hand-written `{"scope": {"key": value}}` document as entry rows."""
    rows = []
    for scope, values in document.items():
        if not isinstance(values, dict):
            raise StateError(f"{source}: scope {scope!r} must map keys to values")
        rows.extend({"scope": scope, "key": key, "value": v} for key, v in values.items())
    return rows


def _entry(row: Any, max_value_bytes: int) -> Entry:
    if not isinstance(row, dict):
        raise StateError("an entry is an object with scope, key and value")
    full = f"{check_scope(row.get('scope'))}:{check_key(row.get('key'))}"
    if "json" in row:
        if not isinstance(row["json"], str):
            raise StateError("`json` must be a string holding the value as JSON")
        try:
            value = codec.decode(row["json"])
        except ValueError as exc:
            raise StateError(f"`json` is not valid JSON ({exc})") from None
    elif "value" in row:
        if not codec.is_plain_json(row["value"]):
            raise StateError(f"malformed value {row['value']!r}")
        value = codec.decode(json.dumps(row["value"]))
    else:
        raise StateError(f"{full!r} has no value")
    if value is None:
        raise StateError(f"{full!r} has a null value (delete the entry instead)")
    encoded = codec.encode(value)
    check_size(full, encoded, max_value_bytes)
    expires_at = row.get("expires_at")
    if expires_at is not None and (
        isinstance(expires_at, bool) or not isinstance(expires_at, int | float)
    ):
        raise StateError(f"expires_at must be a number of epoch seconds, got {expires_at!r}")
    return Entry(full, encoded, None if expires_at is None else float(expires_at))
