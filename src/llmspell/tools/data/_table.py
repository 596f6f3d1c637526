"""The table behind csv_analyzer: parsing, typed values, column profiles, sorting, grouping
and transforms. Expressions are parsed, never evaluated."""

from __future__ import annotations

import csv
import datetime as dt
import io
import operator
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
_FLOAT = re.compile(r"^[+-]?((0|[1-9]\d*)(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_BOOLS = {"true": True, "false": False, "yes": True, "no": False}
_AGGS = {"count", "sum", "mean", "avg", "min", "max", "median", "unique"}
_ARITH = re.compile(r"^\s*(\S+)\s*([-+*/])\s*(\S+)\s*$")
_MATH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


@dataclass(slots=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    delimiter: str
    errors: list[str]

    def index(self, name: str) -> int:
        return find(self.columns, name)

    def with_rows(self, rows: list[list[str]]) -> Table:
        return Table(self.columns, rows, self.delimiter, self.errors)

    def records(self) -> list[dict[str, Any]]:
        return [{c: typed(v) for c, v in zip(self.columns, row, strict=False)} for row in self.rows]

    def to_csv(self, delimiter: str | None = None) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter or self.delimiter, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buffer.getvalue()


def find(columns: list[str], name: str) -> int:
    try:
        return columns.index(name)
    except ValueError:
        raise ValueError(f"no column {name!r}; the columns are: {', '.join(columns)}") from None


def typed(text: str) -> Any:
    """A cell as int, float, bool, None (empty) or the string itself ('007' stays a string)."""
    value = text.strip()
    if not value:
        return None
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return _BOOLS.get(value.lower(), text) if value.lower() in ("true", "false") else text


def kind_of(value: str) -> str:
    if _INT.match(value):
        return "integer"
    if _FLOAT.match(value):
        return "float"
    if value.lower() in _BOOLS:
        return "boolean"
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return "string"
    return "date" if len(value) == 10 and parsed.time() == dt.time() else "datetime"


def column_type(kinds: set[str]) -> str:
    if len(kinds) <= 1:
        return next(iter(kinds), "string")
    if kinds <= {"integer", "float"}:
        return "float"
    return "datetime" if kinds <= {"date", "datetime"} else "mixed"


def parse_table(text: str, delimiter: str | None, has_header: bool) -> Table:
    if delimiter in ("tab", "\\t"):
        delimiter = "\t"
    if delimiter is not None and len(delimiter) != 1:
        raise ValueError(f"'delimiter' must be one character or 'tab', got {delimiter!r}")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        raw = [
            r
            for r in csv.reader(io.StringIO(text), delimiter=delimiter)
            if any(c.strip() for c in r)
        ]
    except csv.Error as exc:
        raise ValueError(f"the CSV cannot be parsed: {exc}") from None
    if not raw:
        return Table([], [], delimiter, [])
    header = raw[0] if has_header else [""] * len(raw[0])
    columns: list[str] = []
    for i, name in enumerate(header, 1):
        name = name.strip() or f"Column_{i}"
        columns.append(name if name not in columns else f"{name}_{i}")
    rows, errors = [], []
    for n, row in enumerate(raw[1:] if has_header else raw, 1):
        if len(row) != len(columns):
            if len(errors) < 10:
                errors.append(f"row {n}: {len(row)} field(s), expected {len(columns)}")
            row = (row + [""] * len(columns))[: len(columns)]
        rows.append(row)
    return Table(columns, rows, delimiter, errors)


def column_stats(name: str, values: list[str], top: int) -> dict[str, Any]:
    present = [v.strip() for v in values if v.strip()]
    dtype = column_type({kind_of(v) for v in present})
    counts = Counter(present)
    info: dict[str, Any] = {
        "name": name,
        "data_type": dtype,
        "null_count": len(values) - len(present),
        "non_null_count": len(present),
        "unique_count": len(counts),
        "min_value": min(present, default=None),
        "max_value": max(present, default=None),
        "mean": None,
        "median": None,
        "std_dev": None,
        "top_values": [{"value": typed(v), "count": c} for v, c in counts.most_common(top)],
        "sample_values": present[:5],
    }
    if dtype in ("integer", "float") and present:
        numbers = [typed(v) for v in present]
        info.update(
            min_value=min(numbers),
            max_value=max(numbers),
            mean=statistics.fmean(numbers),
            median=statistics.median(numbers),
            std_dev=statistics.pstdev(numbers),
        )
    return info


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def sort_rows(table: Table, names: list[str], descending: bool) -> list[list[str]]:
    indexes = [table.index(n) for n in names]

    def key(row: list[str]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for i in indexes:
            value = typed(row[i])
            number = is_number(value)
            parts.append(
                (
                    (value is None) != descending,
                    0 if number else 1,
                    value if number else row[i].strip(),
                )
            )
        return tuple(parts)

    return sorted(table.rows, key=key, reverse=descending)


def _aggregate(func: str, cells: list[str]) -> Any:
    values = [typed(c) for c in cells if c.strip()]
    if func == "count":
        return len(values)
    if func == "unique":
        return len({str(v) for v in values})
    if not values:
        return None
    if func in ("min", "max") and not all(is_number(v) for v in values):
        return (min if func == "min" else max)(str(v) for v in values)
    if not all(is_number(v) for v in values):
        raise ValueError(f"aggregate: {func} needs numbers, but the column has text values")
    return {
        "sum": sum,
        "mean": statistics.fmean,
        "min": min,
        "max": max,
        "median": statistics.median,
    }[func](values)


def aggregate(table: Table, group_by: list[str], aggregations: dict[str, Any] | None) -> Table:
    keys = [table.index(g) for g in group_by]
    plan: list[tuple[str, str]] = []
    if aggregations:
        for column, funcs in aggregations.items():
            for func in funcs if isinstance(funcs, list) else str(funcs).split(","):
                func = {"avg": "mean", "average": "mean", "distinct": "unique"}.get(
                    func.strip().lower(), func.strip().lower()
                )
                if func not in _AGGS:
                    raise ValueError(
                        f"aggregate: unknown function {func!r}; use {', '.join(sorted(_AGGS))}"
                    )
                plan.append((column, func))
    else:
        for i, name in enumerate(table.columns):
            kind = column_type({kind_of(r[i].strip()) for r in table.rows if r[i].strip()})
            if i not in keys and kind in ("integer", "float"):
                plan += [(name, "sum"), (name, "mean")]
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for row in table.rows:
        groups.setdefault(tuple(row[k].strip() for k in keys), []).append(row)
    columns = [*group_by, "count", *(f"{c}_{f}" for c, f in plan if c != "*")]
    rows = []
    for key, members in groups.items():
        cells = [*key, str(len(members))]
        for column, func in plan:
            if column != "*":
                value = _aggregate(func, [r[table.index(column)] for r in members])
                cells.append("" if value is None else str(value))
        rows.append(cells)
    return Table(columns, rows, table.delimiter, table.errors)


def transform(table: Table, rename: dict[str, str], add: dict[str, Any], drop: list[str]) -> Table:
    columns, rows = list(table.columns), [list(r) for r in table.rows]
    for name, value in add.items():
        match = _ARITH.match(value) if isinstance(value, str) else None
        if match and (match[1] in columns or match[3] in columns):
            left, op, right = match[1], match[2], match[3]
            for row in rows:
                a = typed(row[columns.index(left)]) if left in columns else typed(left)
                b = typed(row[columns.index(right)]) if right in columns else typed(right)
                ok = is_number(a) and is_number(b) and not (op == "/" and b == 0)
                row.append(format(_MATH[op](a, b), ".10g") if ok else "")
        else:
            text = (
                str(value).lower()
                if isinstance(value, bool)
                else ""
                if value is None
                else str(value)
            )
            for row in rows:
                row.append(text)
        columns.append(name)
    for old, new in rename.items():
        columns[find(columns, old)] = str(new)
    dropped = {columns[find(columns, name)] for name in drop}
    keep = [i for i, c in enumerate(columns) if c not in dropped]
    return Table(
        [columns[i] for i in keep],
        [[r[i] for i in keep] for r in rows],
        table.delimiter,
        table.errors,
    )
