"""The one place that renders results and errors: text, JSON or pretty (rich)."""

from __future__ import annotations

import sys
from typing import Any

import click

from llmspell.core.errors import ConfigError, LLMSpellError, ScriptError


def jsonable(value: Any) -> Any:
    """A JSON-safe copy: binary becomes base64 text, functions and objects their names."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, bytes):
        import base64

        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if callable(value):
        return "<function>"
    return f"<{type(value).__name__}>"


def script_value(values: list[Any]) -> Any:
    """A spell's return values as one value: nil, the value, or a list of several."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return list(values)


def emit_json(document: dict[str, Any]) -> None:
    import json

    click.echo(json.dumps(document, ensure_ascii=False))


def render_value(value: Any, output: str) -> None:
    """Print a command's product on stdout in the chosen mode."""
    if output == "json":
        emit_json(jsonable(value) if isinstance(value, dict) else {"result": jsonable(value)})
    elif output == "pretty":
        import json

        from rich.console import Console
        from rich.json import JSON

        Console(soft_wrap=True).print(JSON(json.dumps(jsonable(value), ensure_ascii=False)))
    elif isinstance(value, dict | list):
        import json

        click.echo(json.dumps(jsonable(value), indent=2, ensure_ascii=False))
    elif value is not None:
        click.echo(value)


def error_document(exc: BaseException) -> dict[str, Any]:
    detail: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, ScriptError):
        detail.update(file=exc.chunk, line=exc.line, traceback=exc.traceback)
    if isinstance(exc, ConfigError):
        detail.update(file=exc.file, key=exc.key)
    return {"status": "error", "error": {k: v for k, v in detail.items() if v is not None}}


def render_error(exc: BaseException, output: str) -> None:
    """Errors: a JSON document on stdout in JSON mode, always a readable line on stderr."""
    if output == "json":
        emit_json(error_document(exc))
    if isinstance(exc, LLMSpellError):
        text = f"Error: {exc}"
        if isinstance(exc, ScriptError) and exc.traceback:
            text += "\n" + exc.traceback
    else:
        text = f"Error: {type(exc).__name__}: {exc}\nRerun with `--trace debug` for details."
    click.echo(text, err=True)
    sys.stderr.flush()
