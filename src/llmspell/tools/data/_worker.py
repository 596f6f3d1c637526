"""Child process of `_common.run_isolated`: one jq query or template render, under rlimits.

Run as a script (`python -I -S _worker.py`), it reads one JSON request on stdin and writes one
JSON answer on stdout: `{"ok": value}` or `{"error": message, "kind": ...}`. It imports only the
standard library before the limits are set, and never touches files: templates and partials
arrive in the request.
"""

from __future__ import annotations

import json
import sys
from typing import Any


class OutputTooLarge(Exception):
    pass


def _limit(cpu_seconds: int, memory: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: the parent's timeout still applies
        return
    for kind, value in ((resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_AS, memory)):
        try:
            _soft, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, hard))
        except (ValueError, OSError):
            pass


def _jq(req: dict[str, Any]) -> list[list[Any]]:
    import jq

    program = jq.compile(req["query"])
    limit, size = req["max_output"], 0
    answers: list[list[Any]] = []
    for value in req["inputs"]:
        outputs: list[Any] = []
        for item in program.input_value(value):
            size += len(json.dumps(item, ensure_ascii=False))
            if size > limit:
                raise OutputTooLarge(f"the query's output passed the {limit:,}-byte limit")
            outputs.append(item)
        answers.append(outputs)
    return answers


def _jinja(req: dict[str, Any]) -> str:
    from jinja2 import DictLoader, StrictUndefined, Undefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=DictLoader(req["templates"]),
        autoescape=bool(req["autoescape"]),
        undefined=StrictUndefined if req["strict"] else Undefined,
        keep_trailing_newline=True,
    )
    template = env.get_template(req["main"])
    return _collect(template.generate(req["context"]), req["max_output"])


def _collect(chunks: Any, limit: int) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise OutputTooLarge(f"the rendered output passed the {limit:,}-character limit")
        parts.append(chunk)
    return "".join(parts)


class _Truthy:
    """A section value that renders its block once and adds nothing to the lookup scopes."""

    def __getitem__(self, key: Any) -> Any:
        raise KeyError(key)


def _mustache(req: dict[str, Any]) -> str:
    """Mustache via chevron, with Handlebars' `#if`, `#unless`, `#each` and `#with` blocks
    (the caller rewrote `{{else}}` and closing tags to name the full block key)."""
    import chevron.renderer as renderer

    plain_get = renderer._get_key

    def get_key(key: str, scopes: list[Any], warn: bool = False) -> Any:
        helper, _, arg = key.partition(" ")
        if helper in ("if", "unless", "each", "with") and arg:
            value = plain_get(arg.strip(), scopes, warn)
            if helper == "each" and isinstance(value, dict):
                return list(value.values())
            if helper in ("each", "with"):
                return value
            return _Truthy() if bool(value) == (helper == "if") else False
        return plain_get(key, scopes, warn)

    renderer._get_key = get_key
    if not req["autoescape"]:
        renderer._html_escape = lambda text: text

    class Partials(dict[str, str]):
        def __missing__(self, key: str) -> str:
            raise LookupError(
                f"partial {key!r} was not found (partials need a template file given by path)"
            )

    text = renderer.render(
        req["template"], req["context"], partials_path=None, partials_dict=Partials(req["partials"])
    )
    if len(text) > req["max_output"]:
        raise OutputTooLarge(
            f"the rendered output passed the {req['max_output']:,}-character limit"
        )
    return text


def main() -> None:
    req = json.load(sys.stdin)
    sys.path[:0] = req.pop("sys_path")
    _limit(req["cpu_seconds"], req["memory"])
    kind = req["kind"]
    try:
        run = {"jq": _jq, "jinja2": _jinja, "handlebars": _mustache}[kind]
        answer: dict[str, Any] = {"ok": run(req)}
    except OutputTooLarge as exc:
        answer = {"error": str(exc), "kind": "output"}
    except MemoryError:
        answer = {"error": "ran out of memory", "kind": "memory"}
    except RecursionError:
        answer = {"error": "recursed too deeply", "kind": "error"}
    except Exception as exc:
        kind_name = "security" if type(exc).__name__ == "SecurityError" else "error"
        answer = {"error": _describe(exc), "kind": kind_name}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False, default=str))


def _describe(exc: Exception) -> str:
    lineno = getattr(exc, "lineno", None)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    name = type(exc).__name__
    if name == "TemplateSyntaxError" and lineno:
        return f"syntax error at line {lineno}: {message}"
    if name == "TemplateNotFound":
        return f"template {message!r} was not found (includes need a template file given by path)"
    if name == "ChevronError":
        return f"syntax error: {message}"
    return message.strip()


if __name__ == "__main__":
    main()
