"""`JSON`: parse and stringify with llmspell's value rules (sorted keys, `{}` for empty tables)."""

from __future__ import annotations

import json
import math
from typing import Any

from llmspell.bridge.globals.base import ScriptGlobal, ScriptObject, script_type
from llmspell.core.errors import ValidationError

_compact = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, sort_keys=True, allow_nan=False
).encode


def _default(value: Any) -> Any:
    if isinstance(value, bytes):
        raise ValidationError(
            "JSON.stringify: a string holds binary data that is not valid UTF-8 text; "
            "encode it first (for example with the base64 tool)"
        )
    if callable(value):
        raise ValidationError("JSON.stringify: cannot encode a function")
    if isinstance(value, ScriptObject):
        raise ValidationError(
            f"JSON.stringify: cannot encode a {type(value).__name__} object; "
            "pass its fields instead"
        )
    raise ValidationError(f"JSON.stringify: cannot encode a {type(value).__name__} value")


def _plain(value: Any) -> Any:
    """NaN and infinities become null; keys become strings (so mixed keys can be sorted)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {
            str(k).lower() if isinstance(k, bool) else str(k): _plain(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _encoder(indent: int | None, sort_keys: bool) -> json.JSONEncoder:
    return json.JSONEncoder(
        indent=indent,
        separators=(",", ": ") if indent else (",", ":"),
        ensure_ascii=False,
        sort_keys=sort_keys,
        allow_nan=False,
        default=_default,
    )


def _options(opts: Any) -> tuple[int | None, bool]:
    """`true` or `{pretty=true}` -> indent 2; a number or `{indent=n}` -> that indent."""
    if opts is None or opts is False:
        return None, True
    if opts is True:
        return 2, True
    if isinstance(opts, int):
        return opts or None, True
    if isinstance(opts, dict):
        indent = opts.get("indent")
        if indent is None and opts.get("pretty"):
            indent = 2
        return (int(indent) if indent else None), bool(opts.get("sort_keys", True))
    raise ValidationError(
        "JSON.stringify: the second argument must be true (pretty), an indent number, "
        "or a table {pretty=, indent=, sort_keys=}"
    )


class JsonGlobal(ScriptGlobal):
    name = "JSON"

    def parse(self, text: Any = None) -> Any:
        """Decode a JSON text; null becomes nil."""
        if isinstance(text, bytes):
            raise ValidationError("JSON.parse: the text is not valid UTF-8")
        if not isinstance(text, str):
            raise ValidationError(f"JSON.parse: expected a string, got {script_type(text)}")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"JSON parse error at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None

    def stringify(self, value: Any = None, opts: Any = None) -> str:
        """Encode a value; keys sorted, compact unless asked to be pretty."""
        if opts is None:
            try:
                return _compact(value)
            except (ValueError, TypeError):
                pass
        indent, sort_keys = _options(opts)
        encoder = _encoder(indent, sort_keys)
        try:
            return encoder.encode(value)
        except (ValueError, TypeError):
            return encoder.encode(_plain(value))

    decode = parse
    encode = stringify
