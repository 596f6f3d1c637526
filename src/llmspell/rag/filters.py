"""Metadata filters as SQL over a JSON column, and user text as a safe FTS5 query."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from llmspell.core.errors import ValidationError

__all__ = ["OPERATORS", "compile_filter", "folded", "fts_query", "query_words"]

MAX_TERMS = 64

_RANGE_OPS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
OPERATORS = ("$eq", "$ne", "$in", "$nin", *_RANGE_OPS)


def compile_filter(flt: Any, column: str = "c.metadata") -> tuple[str, list[Any]]:
    """A metadata filter as an SQL condition over `column` and its arguments ("" for none).

    `{key: value}` matches equal values (numbers compare exactly, and an array in the metadata
    matches when it contains the value), `{key: [a, b]}` any of them, `{key: None}` a missing or
    null value, and `{key: {"$gt": 3}}` uses an operator: $eq $ne $in $nin $gt $gte $lt $lte.
    All keys must match.
    """
    if flt is None:
        return "", []
    if not isinstance(flt, Mapping):
        raise ValidationError(
            f"a metadata filter must be a table of key = value pairs, got {type(flt).__name__}"
        )
    parts: list[str] = []
    args: list[Any] = []
    for key, cond in flt.items():
        if not isinstance(key, str) or not key or '"' in key:
            raise ValidationError(f"filter keys must be non-empty strings without '\"': {key!r}")
        path = f'$."{key}"'
        if isinstance(cond, Mapping):
            if not cond:
                raise ValidationError(f"filter condition for {key!r} is an empty table")
            for op, operand in cond.items():
                sql, more = _operator(column, path, key, op, operand)
                parts.append(sql)
                args.extend(more)
        else:
            sql, more = _any_of(
                column, path, key, cond if isinstance(cond, list | tuple) else [cond]
            )
            parts.append(sql)
            args.extend(more)
    return " AND ".join(parts), args


def _operator(column: str, path: str, key: str, op: Any, operand: Any) -> tuple[str, list[Any]]:
    if op == "$eq":
        return _any_of(column, path, key, [operand])
    if op in ("$in", "$nin"):
        if not isinstance(operand, list | tuple):
            raise ValidationError(f"filter {key!r}: {op} needs a list, got {operand!r}")
        sql, args = _any_of(column, path, key, list(operand))
        return (sql, args) if op == "$in" else (f"NOT {sql}", args)
    if op == "$ne":
        sql, args = _any_of(column, path, key, [operand])
        return f"NOT {sql}", args
    if op in _RANGE_OPS:
        sign = _RANGE_OPS[op]
        if isinstance(operand, bool) or not isinstance(operand, int | float | str):
            raise ValidationError(f"filter {key!r}: {op} needs a number or a string")
        if isinstance(operand, str):
            types = "('text')"
        else:
            _finite(operand, key)
            types = "('integer', 'real')"
        return (
            f"(json_type({column}, ?) IN {types} AND json_extract({column}, ?) {sign} ?)",
            [path, path, operand],
        )
    raise ValidationError(
        f"filter {key!r}: unknown operator {op!r}",
        hint=f"Known operators: {', '.join(OPERATORS)}; a nested table is not a value.",
    )


def _any_of(column: str, path: str, key: str, values: list[Any]) -> tuple[str, list[Any]]:
    if not values:
        return "(0)", []
    parts: list[str] = []
    args: list[Any] = []
    for value in values:
        if value is None:
            parts.append(f"json_extract({column}, ?) IS NULL")
            args.append(path)
        elif isinstance(value, bool):
            parts.append(f"json_type({column}, ?) = ?")
            args.extend([path, "true" if value else "false"])
        elif isinstance(value, int | float | str):
            if isinstance(value, float):
                _finite(value, key)
            types = "('text')" if isinstance(value, str) else "('integer', 'real')"
            # the cheap test first; arrays are only parsed when the metadata has one
            parts.append(
                f"((json_extract({column}, ?) = ? AND json_type({column}, ?) IN {types})"
                f" OR (instr({column}, '[') > 0 AND json_type({column}, ?) = 'array'"
                f" AND EXISTS (SELECT 1 FROM json_each({column}, ?) e"
                f" WHERE e.type IN {types} AND e.value = ?)))"
            )
            args.extend([path, value, path, path, path, value])
        else:
            raise ValidationError(
                f"filter {key!r}: values must be strings, numbers, booleans or null, "
                f"got {type(value).__name__}"
            )
    return f"({' OR '.join(parts)})", args


def _finite(value: float, key: str) -> None:
    if not math.isfinite(value):
        raise ValidationError(f"filter {key!r}: {value} is not a finite number")


_WORD = re.compile(r"[^\W_]+")


def query_words(text: str) -> list[str]:
    """The distinct words (runs of letters and digits) of `text`, lower-cased, at most 64."""
    return list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))[:MAX_TERMS]


def fts_query(words: list[str]) -> str:
    """An FTS5 query matching any of `words`, each quoted so none is read as FTS5 syntax."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def folded(word: str) -> str:
    """`word` as FTS5's unicode61 tokenizer (remove_diacritics 2) stores it, for most words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
