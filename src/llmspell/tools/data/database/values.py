"""Database values as JSON-friendly data, the same for every driver.

- integers, strings, booleans and NULL stay as they are; JSON columns stay objects and arrays;
- a float stays a float; NaN and infinities become the strings "NaN", "Infinity", "-Infinity";
- a Decimal (NUMERIC, DECIMAL) becomes an integer when whole, a float when a float holds it
  exactly, else a string with every digit (money keeps its cents);
- dates, times and timestamps become ISO 8601 strings; an interval (timedelta) becomes seconds;
- bytes become `{"type": "bytes", "base64": "..."}` (the same shape is accepted in `params`);
- arrays become arrays; sets (MySQL SET) sorted arrays; UUIDs, addresses, ranges and anything
  else their string form.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from decimal import Decimal
from typing import Any

_MAX_SAFE_INT = 2**53


def plain(value: Any) -> Any:
    """`value` as JSON-friendly data (see the module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return {"type": "bytes", "base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return str(value)


def _decimal(value: Decimal) -> Any:
    if not value.is_finite():
        return str(value)
    if value == value.to_integral_value() and abs(value) < _MAX_SAFE_INT:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def unique_columns(names: list[str]) -> list[str]:
    """Column names made unique for row objects (`id`, `id` -> `id`, `id_2`)."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        candidate, n = name or "?column?", 1
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out
