"""Pretty-printing plain values (what a script table becomes) for `Debug.dump*`.

Dicts print as `{key = value}`, lists as `[...]`; keys are sorted so a dump is stable whatever
order the engine handed the table over in. Cycles print as `<circular reference>`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any


@dataclass(slots=True, kw_only=True, frozen=True)
class DumpOptions:
    """How deep, how wide and how wordy a dump is."""

    max_depth: int = 10
    indent_size: int = 2
    max_string_length: int = 200
    max_items: int = 50
    show_types: bool = True
    compact: bool = False


COMPACT = DumpOptions(
    max_depth=3, indent_size=0, max_string_length=50, max_items=10, show_types=False, compact=True
)
_DEPTH_CAP = 100  # bounds recursion whatever max_depth a script asks for

VERBOSE = DumpOptions(max_depth=20, indent_size=4, max_string_length=1000, max_items=200)


def dump(value: Any, options: DumpOptions | None = None, *, label: str | None = None) -> str:
    """Render `value`; with a label the result reads `label: <dump>`."""
    text = _Dumper(options or DumpOptions()).render(value)
    return text if label is None else f"{label}: {text}"


def dump_compact(value: Any, *, label: str | None = None) -> str:
    """One line, no types, shallow: the form log messages use for tables."""
    return dump(value, COMPACT, label=label)


def dump_verbose(value: Any, *, label: str | None = None) -> str:
    return dump(value, VERBOSE, label=label)


def options_with(base: DumpOptions | None = None, **changes: Any) -> DumpOptions:
    """`base` (default options if None) with the given fields replaced; None values ignored."""
    return replace(base or DumpOptions(), **{k: v for k, v in changes.items() if v is not None})


def to_text(value: Any) -> str:
    """How a non-string message reads: `nil`, `true`, `42`, `1.5`, tables as compact dumps."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return _scalar(value) if _is_scalar(value) else dump_compact(value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float)


def _scalar(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


class _Dumper:
    def __init__(self, options: DumpOptions) -> None:
        self.o = options
        self._path: set[int] = set()

    def render(self, value: Any, depth: int = 0) -> str:
        o = self.o
        if _is_scalar(value):
            text = _scalar(value)
            kind = _scalar_type(value)
            return f"{text} ({kind})" if o.show_types else text
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            return self._string(value)
        if isinstance(value, Mapping):
            return self._container(value, depth, is_array=False)
        if isinstance(value, Sequence):
            return self._container(value, depth, is_array=True)
        kind = "function" if callable(value) else "userdata"
        return f"<{kind}> ({kind})" if o.show_types else f"<{kind}>"

    def _string(self, s: str) -> str:
        limit = max(self.o.max_string_length, 3)
        shown = s if len(s) <= limit else s[: limit - 3] + "..."
        escaped = shown.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}" (string, {len(s)} chars)' if self.o.show_types else f'"{escaped}"'

    def _container(
        self, value: Mapping[Any, Any] | Sequence[Any], depth: int, *, is_array: bool
    ) -> str:
        o = self.o
        open_, close = ("[", "]") if is_array else ("{", "}")
        count = len(value)
        kind = f" (array, {count} elements)" if is_array else f" (table, {count} pairs)"
        kind = kind if o.show_types else ""
        if id(value) in self._path:
            return "<circular reference>"
        if count == 0:
            return f"{{}}{kind}"
        if depth >= min(o.max_depth, _DEPTH_CAP):
            return f"{open_}...{close}{kind}"
        if is_array:
            items = [(f"[{i}]", v) for i, v in enumerate(value, start=1)]  # type: ignore[arg-type]
        else:
            assert isinstance(value, Mapping)
            items = [(_key(k), value[k]) for k in sorted(value, key=_key_order)]
        shown = items[: max(o.max_items, 0)]
        self._path.add(id(value))
        try:
            bare = is_array and o.compact
            parts = [
                self.render(v, depth + 1) if bare else f"{k} = {self.render(v, depth + 1)}"
                for k, v in shown
            ]
        finally:
            self._path.discard(id(value))
        more = count - len(shown)
        if o.compact:
            tail = ", ..." if more else ""
            return f"{open_}{', '.join(parts)}{tail}{close}{kind}"
        pad = " " * (o.indent_size * (depth + 1))
        lines = [f"{open_}{kind}"] + [f"{pad}{p}," for p in parts]
        if more:
            lines.append(f"{pad}... {more} more {'elements' if is_array else 'pairs'}")
        lines.append(" " * (o.indent_size * depth) + close)
        return "\n".join(lines)


def _scalar_type(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    return "integer" if isinstance(value, int) else "number"


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key if key.isidentifier() and key.isascii() else f'["{key}"]'
    return f"[{_scalar(key)}]" if _is_scalar(key) else f"[{key!r}]"


def _key_order(key: Any) -> tuple[int, float, str]:
    if isinstance(key, int | float) and not isinstance(key, bool):
        return (0, float(key), "")
    return (1, 0.0, str(key))
