"""Row filters and column checks of csv_analyzer: conditions are parsed, never evaluated."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from llmspell.tools.data._table import Table, is_number, kind_of, typed

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_CLAUSE = re.compile(
    r"""^\s*("[^"]*"|'[^']*'|`[^`]*`|[^\s=!<>~]+)\s*"""
    r"""(==|!=|<>|>=|<=|=|>|<|~|(?:contains|startswith|endswith|matches|in)\b)\s*(?![=<>!~])(.*?)\s*$""",
    re.I | re.S,
)
_OPS = {
    "==": "==",
    "=": "==",
    "eq": "==",
    "!=": "!=",
    "<>": "!=",
    "ne": "!=",
    ">": ">",
    "gt": ">",
    ">=": ">=",
    "ge": ">=",
    "gte": ">=",
    "<": "<",
    "lt": "<",
    "<=": "<=",
    "le": "<=",
    "lte": "<=",
    "contains": "contains",
    "startswith": "startswith",
    "starts_with": "startswith",
    "endswith": "endswith",
    "ends_with": "endswith",
    "~": "~",
    "matches": "~",
    "in": "in",
}
_ORDER = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _value(text: str) -> tuple[Any, bool]:
    """A filter value: (value, quoted). Unquoted null/none/nil/empty mean an empty cell."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        return text[1:-1], True
    return (None, False) if text.lower() in ("null", "none", "nil", "empty") else (text, False)


def _condition(
    table: Table, column: str, op: str, value: Any, quoted: bool
) -> Callable[[list[str]], bool]:
    index = table.index(column.strip("\"'`"))
    op = _OPS.get(op.lower(), "")
    if not op:
        raise ValueError(
            f"filter: unknown operator; use one of {', '.join(sorted(set(_OPS.values())))}"
        )
    if op == "in":
        items = (
            value
            if isinstance(value, list)
            else [_value(v)[0] for v in str(value).strip("()[]").split(",")]
        )
        return lambda row: any(_equal(row[index], item, quoted) for item in items)
    if op == "~":
        pattern = re.compile(str(value))
        return lambda row: pattern.search(row[index]) is not None
    if op in ("contains", "startswith", "endswith"):
        needle = str(value)
        test = {
            "contains": str.__contains__,
            "startswith": str.startswith,
            "endswith": str.endswith,
        }[op]
        return lambda row: test(row[index].strip(), needle)
    if op in ("==", "!="):
        want = op == "=="
        return lambda row: _equal(row[index], value, quoted) is want
    other = value if quoted or not isinstance(value, str) else typed(value)
    compare = _ORDER[op]

    def ordered(row: list[str]) -> bool:
        cell = typed(row[index])
        if cell is None or other is None:
            return False
        if is_number(cell) and is_number(other):
            return bool(compare(cell, other))
        return bool(compare(row[index].strip(), str(other)))

    return ordered


def _equal(cell: str, value: Any, quoted: bool) -> bool:
    if quoted:
        return cell.strip() == value
    left, right = typed(cell), typed(value) if isinstance(value, str) else value
    if right is None or left is None:
        return left is None and right is None
    if is_number(left) and is_number(right):
        return bool(left == right)
    return str(left) == str(right) if not isinstance(left, bool) else left is right


def row_filter(table: Table, spec: Any) -> Callable[[list[str]], bool]:
    """An OR of ANDs from 'a > 1 and b == x or c ~ y', {column = value} or [{column, op, value}]."""
    groups: list[list[Callable[[list[str]], bool]]] = []
    if isinstance(spec, str):
        for part in re.split(r"\s+(?:or|\|\|)\s+", spec, flags=re.I):
            group = []
            for clause in re.split(r"\s+(?:and|&&)\s+", part, flags=re.I):
                match = _CLAUSE.match(clause)
                if not match:
                    raise ValueError(
                        f"filter: cannot read {clause.strip()!r}; "
                        "write 'column op value', e.g. \"age >= 18\""
                    )
                group.append(_condition(table, match[1], match[2], *_value(match[3])))
            groups.append(group)
    elif isinstance(spec, dict) and not ({"column", "field", "col"} & spec.keys()):
        groups.append(
            [_condition(table, str(k), "==", v, isinstance(v, str)) for k, v in spec.items()]
        )
    else:
        items = spec if isinstance(spec, list) else [spec]
        group = []
        for item in items:
            if not isinstance(item, dict):
                raise ValueError("filter: a list item must be a table {column, op, value}")
            column = item.get("column") or item.get("field") or item.get("col") or ""
            value = item.get("value")
            group.append(
                _condition(
                    table,
                    str(column),
                    str(item.get("op") or item.get("operator") or "=="),
                    value,
                    isinstance(value, str),
                )
            )
        groups.append(group)
    return lambda row: any(all(test(row) for test in group) for group in groups)


def _rule(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return spec
    text = str(spec).strip()
    lower = text.lower()
    if lower in ("required", "not_null", "notnull"):
        return {"required": True}
    if lower in ("unique", "email"):
        return {lower: True}
    if lower.startswith("range:"):
        bounds = re.match(r"^range:\s*(-?[\d.]+)\s*(?:-|,|:|\.\.)\s*(-?[\d.]+)$", lower)
        if not bounds:
            raise ValueError(f"validate: write a range as 'range:0-120', got {text!r}")
        return {"min": float(bounds[1]), "max": float(bounds[2])}
    if lower.startswith("pattern:"):
        return {"pattern": text[len("pattern:") :]}
    return {"type": lower}


def _type_ok(kind: str, wanted: str) -> bool:
    if wanted in ("string", "str", "text", "any"):
        return True
    if wanted in ("number", "float", "double"):
        return kind in ("integer", "float")
    if wanted == "datetime":
        return kind in ("date", "datetime")
    return kind == {"int": "integer", "bool": "boolean"}.get(wanted, wanted)


def validate(
    table: Table, expected: Any, types: dict[str, str] | None, rules: dict[str, Any] | None
) -> dict[str, Any]:
    expected = [expected] if isinstance(expected, str) else list(expected or [])
    missing = [c for c in expected if c not in table.columns]
    checks: dict[str, list[dict[str, Any]]] = {}
    for column, kind in (types or {}).items():
        checks.setdefault(column, []).append({"type": str(kind).lower()})
    for column, spec in (rules or {}).items():
        checks.setdefault(column, []).extend(
            _rule(s) for s in (spec if isinstance(spec, list) else [spec])
        )
    missing += [c for c in checks if c not in table.columns and c not in missing]
    errors: list[dict[str, Any]] = []
    count = 0
    for column, specs in checks.items():
        if column not in table.columns:
            continue
        index, seen = table.index(column), set()
        for n, row in enumerate(table.rows, 1):
            cell = row[index].strip()
            for spec in specs:
                problem = _check(cell, spec, seen)
                if problem:
                    count += 1
                    if len(errors) < 100:
                        errors.append(
                            {
                                "row": n,
                                "column": column,
                                "value": cell,
                                "error": problem[1],
                                "rule": problem[0],
                            }
                        )
            seen.add(cell)
    extra = [c for c in table.columns if expected and c not in expected]
    return {
        "valid": not missing and count == 0,
        "errors": errors,
        "error_count": count,
        "total_rows": len(table.rows),
        "missing_columns": missing,
        "extra_columns": extra,
    }


def _check(cell: str, spec: dict[str, Any], seen: set[str]) -> tuple[str, str] | None:
    if not cell:
        return ("required", "value is required") if spec.get("required") else None
    kind = kind_of(cell)
    wanted = str(spec.get("type") or "").lower()
    if wanted and wanted != "email" and not _type_ok(kind, wanted):
        return "type", f"expected {wanted}, got {kind}"
    if (spec.get("email") or wanted == "email") and not _EMAIL.match(cell):
        return "email", "invalid email format"
    if spec.get("min") is not None or spec.get("max") is not None:
        number = typed(cell)
        if not is_number(number):
            return "range", "value is not a number"
        if (spec.get("min") is not None and number < spec["min"]) or (
            spec.get("max") is not None and number > spec["max"]
        ):
            return (
                "range",
                f"value {cell} is outside the range {spec.get('min')} to {spec.get('max')}",
            )
    if spec.get("pattern") and not re.search(str(spec["pattern"]), cell):
        return "pattern", f"value does not match {spec['pattern']}"
    allowed = spec.get("values") or spec.get("enum") or spec.get("allowed")
    if allowed and cell not in [str(v) for v in allowed]:
        return "enum", f"value must be one of {', '.join(str(v) for v in allowed)}"
    if spec.get("unique") and cell in seen:
        return "unique", "value is repeated"
    return None
