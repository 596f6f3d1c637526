"""Values shown the way the standalone `lua` prompt shows them, with tables rendered compactly.

`format_values([1, "a", {"b": [1, 2]}])` gives `1\ta\t{b = {1, 2}}`: several values are
tab-separated, a top-level string is shown as-is, strings inside tables are quoted, floats use
Lua's `%.14g` (`1.0`, `0.3`, `1e+100`), and tables sort their keys and stop at `MAX_DEPTH`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

#: Tables nested deeper than this are shown as `{...}`.
MAX_DEPTH = 4
#: Entries shown per table before `...`.
MAX_ITEMS = 50

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED = (
    "and break do else elseif end false for function goto if in local nil not or repeat "
    "return then true until while"
)
_KEYWORDS = frozenset(_RESERVED.split())
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def format_values(values: Sequence[Any]) -> str | None:
    """The line shown for an input's results, or None when it returned nothing."""
    if not values:
        return None
    return "\t".join(format_value(v) for v in values)


def format_value(value: Any) -> str:
    """One result as the prompt shows it: strings unquoted, everything else as `lua_repr`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return lua_repr(value)


def short_repr(value: Any, width: int = 60) -> str:
    """`lua_repr` cut to `width` characters, for listings such as `.vars`."""
    text = lua_repr(value, depth=2)
    return text if len(text) <= width else text[: width - 3] + "..."


def lua_number(number: float) -> str:
    """A float as Lua 5.4 prints it (`%.14g`, with `.0` kept on integral values)."""
    if math.isnan(number):
        return "-nan" if math.copysign(1.0, number) < 0 else "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    text = f"{number:.14g}"
    if text.lstrip("-").isdigit():
        text += ".0"
    return text


def lua_repr(value: Any, depth: int = MAX_DEPTH) -> str:
    """A value as Lua source-like text: strings quoted, tables as `{a = 1, b = {1, 2}}`."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return lua_number(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, bytes):
        return _quote(value.decode(errors="replace"))
    if isinstance(value, Mapping | list | tuple):
        return _table(value, depth)
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return f"<{name}>"
    if callable(value):
        return "<function>"
    return f"<{type(value).__name__}>"


def _quote(text: str) -> str:
    out = []
    for ch in text:
        escaped = _ESCAPES.get(ch)
        if escaped is None and (ord(ch) < 32 or ch == "\x7f"):
            escaped = f"\\{ord(ch)}"
        out.append(escaped or ch)
    return '"' + "".join(out) + '"'


def _table(table: Mapping[Any, Any] | list[Any] | tuple[Any, ...], depth: int) -> str:
    if not table:
        return "{}"
    if depth <= 0:
        return "{...}"
    positional: list[Any]
    keyed: list[tuple[Any, Any]]
    if isinstance(table, Mapping):
        int_keys = {k for k in table if type(k) is int}
        count = 0
        while count + 1 in int_keys:
            count += 1
        positional = [table[i] for i in range(1, count + 1)]
        rest = [k for k in table if not (type(k) is int and 1 <= k <= count)]
        keyed = [(k, table[k]) for k in sorted(rest, key=_key_order)]
    else:
        positional, keyed = list(table), []
    parts = [lua_repr(v, depth - 1) for v in positional]
    parts += [f"{_key(k)} = {lua_repr(v, depth - 1)}" for k, v in keyed]
    if len(parts) > MAX_ITEMS:
        parts = [*parts[:MAX_ITEMS], "..."]
    return "{" + ", ".join(parts) + "}"


def _key_order(key: Any) -> tuple[int, Any]:
    if isinstance(key, bool):
        return (2, str(key))
    if isinstance(key, int | float):
        return (0, key)
    if isinstance(key, str):
        return (1, key)
    return (3, repr(key))


def _key(key: Any) -> str:
    if isinstance(key, str) and _IDENTIFIER.match(key) and key not in _KEYWORDS:
        return key
    return f"[{lua_repr(key, depth=1)}]"
