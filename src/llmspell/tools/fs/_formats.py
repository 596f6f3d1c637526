"""Text decoding with BOM detection, and reading/writing csv, tsv, json, jsonl, yaml and toml."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from datetime import date, datetime, time
from typing import Any

from llmspell.core.errors import ToolExecutionError

BOMS = [  # longest first: a UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
NAMES = {
    "utf8": "utf-8", "utf16": "utf-16", "utf16le": "utf-16-le", "utf16be": "utf-16-be",
    "utf32": "utf-32", "latin1": "latin-1", "iso88591": "latin-1", "windows1252": "cp1252",
    "ascii": "ascii", "utf8sig": "utf-8-sig", "cp1252": "cp1252",
}  # fmt: skip
FORMATS = {"yml": "yaml", "ndjson": "jsonl", "jsonlines": "jsonl"}
_INT = re.compile(r"-?(0|[1-9]\d*)")
_FLOAT = re.compile(r"-?\d+\.\d+([eE][-+]?\d+)?")


def codec(name: str, parameter: str) -> str:
    """A Python codec name for `utf8`, `UTF-16LE`, `windows-1252`, ... or a clear error."""
    key = re.sub(r"[-_ ]", "", name.lower())
    found = NAMES.get(key, name)
    try:
        codecs.lookup(found)
    except LookupError:
        raise ToolExecutionError(
            f"parameter '{parameter}': unknown encoding {name!r}; use utf-8, utf-16, utf-16le, "
            "utf-16be, latin-1, windows-1252 or ascii"
        ) from None
    return found


def decode(data: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """(text, encoding, had_bom): a BOM wins, then the declared encoding, then a guess."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return data.decode(name), name if name != "utf-8-sig" else "utf-8", True
    if declared:
        return data.decode(declared), declared, False
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    even, odd = data[0::2], data[1::2]
    if data and odd.count(0) > len(odd) * 0.3 > even.count(0):
        return data.decode("utf-16-le", "replace"), "utf-16-le", False
    if data and even.count(0) > len(even) * 0.3 > odd.count(0):
        return data.decode("utf-16-be", "replace"), "utf-16-be", False
    try:
        return data.decode("cp1252"), "cp1252", False
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", False


def line_ending(text: str) -> str:
    crlf = text.count("\r\n")
    cr, lf = text.count("\r") - crlf, text.count("\n") - crlf
    kinds = [name for name, n in (("crlf", crlf), ("lf", lf), ("cr", cr)) if n]
    return kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "none")


def parse(fmt: str, text: str, *, delimiter: str | None, infer: bool) -> Any:
    if fmt in ("csv", "tsv"):
        sep = delimiter or ("\t" if fmt == "tsv" else ",")
        rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=sep))
        return [{k: _infer(v) if infer else v for k, v in row.items()} for row in rows]
    import tomllib

    import yaml

    try:
        if fmt == "json":
            return json.loads(text)
        if fmt == "jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        if fmt == "yaml":
            return yaml.safe_load(text)
        return tomllib.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ToolExecutionError(f"the input is not valid {fmt}: {exc}") from None


def dump(fmt: str, data: Any, *, delimiter: str | None, indent: int) -> str:
    if fmt == "json":
        return json.dumps(data, indent=indent or None, ensure_ascii=False, default=_json) + "\n"
    if fmt == "jsonl":
        rows = data if isinstance(data, list) else [data]
        return "".join(json.dumps(r, ensure_ascii=False, default=_json) + "\n" for r in rows)
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if fmt == "toml":
        import tomli_w

        table = data if isinstance(data, dict) else {"items": data}
        return tomli_w.dumps(_no_nulls(table))
    return _csv(data, delimiter or ("\t" if fmt == "tsv" else ","))


def _csv(data: Any, sep: str) -> str:
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(data) == 1 and lists else [data]
    if not isinstance(data, list):
        raise ToolExecutionError("CSV output needs a list of rows (objects or arrays)")
    out = io.StringIO()
    if all(isinstance(row, dict) for row in data):
        fields = list(dict.fromkeys(key for row in data for key in row))
        writer: Any = csv.DictWriter(out, fieldnames=fields, delimiter=sep, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in data)
    else:
        writer = csv.writer(out, delimiter=sep, lineterminator="\n")
        for row in data:
            writer.writerow([_cell(v) for v in row] if isinstance(row, list) else [_cell(row)])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=_json)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _infer(value: str | None) -> Any:
    if value is None:
        return None
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} values cannot be written as JSON")


def _no_nulls(value: Any) -> Any:
    """TOML has no null: keys whose value is None are left out."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value
