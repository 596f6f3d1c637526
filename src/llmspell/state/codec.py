"""Stored State values: JSON text that round-trips every value a script can hold, exactly.

Plain JSON carries strings, integers versus floats (`1` vs `1.0`), booleans, null, lists and
string-keyed maps. A tag object `{"$t": kind, "v": ...}` appears only where plain JSON cannot:

- `bytes` (binary Lua strings): `{"$t": "bytes", "v": "<base64>"}`
- NaN and the infinities: `{"$t": "float", "v": "nan" | "inf" | "-inf"}`
- a map with a non-string key (Lua `{[10] = "x"}`) or with a `"$t"` key of its own:
  `{"$t": "map", "v": [[key, value], ...]}`

So stored values stay readable (`sqlite3 state.db`, `llmspell state export`) and exact.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from llmspell.core.errors import StateError

TAG = "$t"
MAX_DEPTH = 200

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_loads = json.loads


def encode(value: Any) -> str:
    """The stored text of `value`; StateError for what cannot be stored (a function, say)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return _dumps(value)
    return _dumps(_tagged(value, 0))


def decode(text: str) -> Any:
    """The value stored as `text` (the inverse of `encode`)."""
    value = _loads(text)
    if '"$t"' in text:
        return _untagged(value)
    return value


def is_plain_json(value: Any) -> bool:
    """Whether `value` is what `encode` emits for a value: JSON with well-formed tags."""
    try:
        _untagged(value)
    except (StateError, ValueError, TypeError, KeyError, IndexError):
        return False
    return True


def _tagged(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        if math.isfinite(value):
            return value
        return {TAG: "float", "v": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if depth >= MAX_DEPTH:
        raise StateError(
            f"State value nested deeper than {MAX_DEPTH} levels (does it contain itself?)"
        )
    if isinstance(value, dict):
        if all(type(k) is str for k in value) and TAG not in value:
            return {k: _tagged(v, depth + 1) for k, v in value.items()}
        return {TAG: "map", "v": [[_key(k), _tagged(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [_tagged(v, depth + 1) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return {TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _tagged(float(value), depth)
    if callable(value):
        raise StateError("a function cannot be stored in State; store data (tables, strings, ...)")
    raise StateError(f"a {type(value).__name__} value cannot be stored in State")


def _key(key: Any) -> Any:
    if isinstance(key, str | int | float | bytes):
        return _tagged(key, 0)
    raise StateError(f"a table key of type {type(key).__name__} cannot be stored in State")


def _untagged(value: Any) -> Any:
    if isinstance(value, list):
        return [_untagged(v) for v in value]
    if not isinstance(value, dict):
        return value
    if TAG not in value:
        return {k: _untagged(v) for k, v in value.items()}
    kind, payload = value[TAG], value.get("v")
    if kind == "bytes" and isinstance(payload, str):
        return base64.b64decode(payload.encode("ascii"), validate=True)
    if kind == "float" and payload in ("nan", "inf", "-inf"):
        return float(payload)
    if kind == "map" and isinstance(payload, list):
        out: dict[Any, Any] = {}
        for pair in payload:
            if not isinstance(pair, list) or len(pair) != 2:
                raise StateError(f"malformed stored map entry {pair!r}")
            key = _untagged(pair[0])
            if isinstance(key, list | dict):
                raise StateError(f"malformed stored map key {pair[0]!r}")
            out[key] = _untagged(pair[1])
        return out
    raise StateError(f"unknown stored value tag {value!r}")
