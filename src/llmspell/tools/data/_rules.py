"""The rule checks behind data_validation: field paths, rule shapes, types and formats."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_CUSTOM = {
    "phone": re.compile(r"^\+?[1-9]\d{1,14}$"),
    "uuid": re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"),
    "alphanumeric": re.compile(r"^[A-Za-z0-9]+$"),
}
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "str": (str,),
    "integer": (int,),
    "int": (int,),
    "number": (int, float),
    "float": (int, float),
    "boolean": (bool,),
    "bool": (bool,),
    "array": (list,),
    "list": (list,),
    "object": (dict,),
    "table": (dict,),
    "dict": (dict,),
    "null": (type(None),),
    "nil": (type(None),),
}
_KINDS = {
    "required",
    "type",
    "length",
    "range",
    "pattern",
    "enum",
    "email",
    "url",
    "date",
    "custom",
    "array",
    "object",
}
_PATH = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def lookup(data: Any, field: str) -> tuple[bool, Any]:
    """(present, value) of `a.b[0].c` (or `a.b.0.c`) in data."""
    value = data
    for index, key in _PATH.findall(field):
        if isinstance(value, list) and (index or key.isdigit()):
            position = int(index or key)
            if position >= len(value):
                return False, None
            value = value[position]
        elif isinstance(value, dict) and (key or index) in value:
            value = value[key or index]
        else:
            return False, None
    return True, value


_RULE_KEYS = {
    "field",
    "type",
    "expected",
    "required",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "regex",
    "enum",
    "values",
    "email",
    "url",
    "date",
    "format",
    "custom",
    "name",
    "properties",
    "item_rules",
    "min_items",
    "max_items",
    "unique",
    "additional_properties",
    "message",
}


def normalise(rules: Any) -> list[tuple[str | None, dict[str, Any]]]:
    """Every accepted rule shape as (field or None for the whole value, rule table):
    a list of rules, `{rules = [...]}`, one rule, a table field -> rule(s), or a type name."""
    if isinstance(rules, dict) and isinstance(rules.get("rules"), list):
        rules = rules["rules"]
    elif isinstance(rules, str):
        rules = [{"type": rules}]
    elif isinstance(rules, dict) and not any(
        key in _RULE_KEYS and (not isinstance(value, dict) or key in ("properties", "item_rules"))
        for key, value in rules.items()
    ):
        return [(str(field), rule) for field, spec in rules.items() for _, rule in normalise(spec)]
    if isinstance(rules, dict):
        rules = [rules]
    if isinstance(rules, list) and all(isinstance(r, dict) for r in rules):
        return [(r.get("field"), r) for r in rules]
    raise ValueError(
        "'rules' must be a list of rule tables, one rule table, or a table of field -> rule"
    )


def is_type(value: Any, expected: str) -> bool:
    if expected in ("integer", "int"):
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if expected in ("boolean", "bool"):
        return isinstance(value, bool)
    return isinstance(value, _TYPES[expected]) and not isinstance(value, bool)


class Checker:
    def __init__(self, limit: int, fail_fast: bool) -> None:
        self.errors: list[dict[str, Any]] = []
        self.limit = 1 if fail_fast else limit

    @property
    def full(self) -> bool:
        return len(self.errors) >= self.limit

    def fail(self, field: str, value: Any, rule: str, message: str, spec: dict[str, Any]) -> None:
        if not self.full:
            self.errors.append(
                {
                    "field": field,
                    "value": value,
                    "rule": rule,
                    "message": spec.get("message") or message,
                }
            )

    def check(self, label: str, present: bool, value: Any, spec: dict[str, Any]) -> None:
        """Apply one rule table to the value at `label` (`present` is false when it is absent)."""
        kind = str(spec.get("type") or "").lower()
        required = spec.get("required") is True or kind == "required"
        if required and (not present or value is None or value == ""):
            return self.fail(label, value, "required", f"{label} is required", spec)
        if not present or value is None:
            return None
        expected = str(spec.get("expected", "")).lower() if kind == "type" else kind
        if expected in _TYPES and not is_type(value, expected):
            return self.fail(
                label,
                value,
                "type",
                f"{label} must be of type {expected}, got {_type_name(value)}",
                spec,
            )
        if kind and kind not in _KINDS and kind not in _TYPES:
            raise ValueError(f"rule for {label!r}: unknown type {kind!r}")
        self._bounds(label, value, spec, kind)
        self._formats(label, value, spec, kind)
        if isinstance(value, list):
            self._array(label, value, spec)
        if isinstance(value, dict):
            self._object(label, value, spec)
        return None

    def _bounds(self, label: str, value: Any, spec: dict[str, Any], kind: str) -> None:
        low, high = spec.get("min_length"), spec.get("max_length")
        if kind == "length":
            low, high = spec.get("min", low), spec.get("max", high)
        elif spec.get("min") is not None or spec.get("max") is not None:
            if not isinstance(value, int | float) or isinstance(value, bool):
                self.fail(label, value, "range", f"{label} must be a number", spec)
            elif spec.get("min") is not None and value < spec["min"]:
                self.fail(label, value, "range", f"{label} must be at least {spec['min']}", spec)
            elif spec.get("max") is not None and value > spec["max"]:
                self.fail(label, value, "range", f"{label} must be at most {spec['max']}", spec)
        if (low is not None or high is not None) and isinstance(value, str | list | dict):
            if low is not None and len(value) < low:
                self.fail(
                    label, value, "length", f"{label} must have a length of at least {low}", spec
                )
            elif high is not None and len(value) > high:
                self.fail(
                    label, value, "length", f"{label} must have a length of at most {high}", spec
                )

    def _formats(self, label: str, value: Any, spec: dict[str, Any], kind: str) -> None:
        pattern = spec.get("pattern") or spec.get("regex")
        if pattern is not None and isinstance(value, str):
            try:
                matched = re.search(str(pattern), value)
            except re.error as exc:
                raise ValueError(f"rule for {label!r}: bad pattern {pattern!r}: {exc}") from None
            if not matched:
                self.fail(label, value, "pattern", f"{label} does not match {pattern}", spec)
        choices = spec.get("enum", spec.get("values") if kind == "enum" else None)
        if choices is not None and value not in choices:
            self.fail(label, value, "enum", f"{label} must be one of {choices}", spec)
        if (spec.get("email") or kind == "email") and not (
            isinstance(value, str) and _EMAIL.match(value)
        ):
            self.fail(label, value, "email", f"{label} is not a valid email address", spec)
        if (spec.get("url") or kind == "url") and not _is_url(value):
            self.fail(label, value, "url", f"{label} is not a valid URL", spec)
        date = spec.get("date") or (spec.get("format", True) if kind == "date" else None)
        if date and not _is_date(value, date if isinstance(date, str) else None):
            shape = date if isinstance(date, str) else "an ISO 8601 date"
            self.fail(label, value, "date", f"{label} is not a date in the form {shape}", spec)
        name = spec.get("name") if kind == "custom" else spec.get("custom")
        if name is not None:
            self._custom(label, value, str(name), spec)

    def _custom(self, label: str, value: Any, name: str, spec: dict[str, Any]) -> None:
        if name == "credit_card":
            ok = isinstance(value, str) and _luhn(value)
        elif name in _CUSTOM:
            ok = isinstance(value, str) and bool(_CUSTOM[name].match(value))
        else:
            raise ValueError(
                f"rule for {label!r}: unknown custom check {name!r}; "
                f"known: credit_card, {', '.join(_CUSTOM)}"
            )
        if not ok:
            self.fail(
                label, value, "custom", f"{label} is not a valid {name.replace('_', ' ')}", spec
            )

    def _array(self, label: str, value: list[Any], spec: dict[str, Any]) -> None:
        low, high = spec.get("min_items"), spec.get("max_items")
        if low is not None and len(value) < low:
            self.fail(label, value, "array", f"{label} must have at least {low} items", spec)
        if high is not None and len(value) > high:
            self.fail(label, value, "array", f"{label} must have at most {high} items", spec)
        if spec.get("unique") and len({repr(v) for v in value}) != len(value):
            self.fail(label, value, "array", f"{label} must not repeat items", spec)
        if spec.get("item_rules") is not None:
            for i, item in enumerate(value):
                self._nested(f"{label}[{i}]", item, spec["item_rules"])

    def _object(self, label: str, value: dict[str, Any], spec: dict[str, Any]) -> None:
        required = spec.get("required")
        for key in required if isinstance(required, list) else ():
            if key not in value:
                self.fail(f"{label}.{key}", None, "required", f"{label}.{key} is required", spec)
        properties = spec.get("properties") or {}
        for key, rules in properties.items():
            if key in value:
                self._nested(f"{label}.{key}", value[key], rules)
            else:
                self._nested(f"{label}.{key}", None, rules, present=False)
        if spec.get("additional_properties") is False:
            for key in value.keys() - properties.keys():
                self.fail(
                    f"{label}.{key}", value[key], "object", f"{label}.{key} is not allowed", spec
                )

    def _nested(self, label: str, value: Any, rules: Any, *, present: bool = True) -> None:
        for field, rule in normalise(rules):
            found, inner = lookup(value, field) if field and present else (present, value)
            self.check(f"{label}.{field}" if field else label, found, inner, rule)


def _type_name(value: Any) -> str:
    for name in ("boolean", "integer", "number", "string", "array", "object", "null"):
        if isinstance(value, _TYPES[name]) and (name == "boolean" or not isinstance(value, bool)):
            return name
    return type(value).__name__


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in ("mailto", "urn", "data"))


def _is_date(value: Any, fmt: str | None) -> bool:
    if not isinstance(value, str):
        return False
    try:
        if fmt:
            dt.datetime.strptime(value, fmt)
        else:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _luhn(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 12 or any(not (c.isdigit() or c in " -") for c in number):
        return False
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits))
    )
    return total % 10 == 0
