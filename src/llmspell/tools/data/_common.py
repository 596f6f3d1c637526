"""Shared by the data tools: inputs read through the sandbox, JSON limits, the isolated worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import SecurityError, ToolExecutionError

if TYPE_CHECKING:
    from llmspell.tools.context import ToolContext

DEPTH_KEY = "tools.data.max_json_depth"
TIMEOUT_KEY = "tools.data.processing_timeout_seconds"
SIZE_KEY = "tools.file_operations.max_file_size"
#: address space of the worker process; jq and Jinja bombs hit this instead of the machine
WORKER_MEMORY = 1 << 30
_WORKER = Path(__file__).with_name("_worker.py")


def empty_to_list(value: Any) -> Any:
    """Lua's `{}` arrives as an empty dict; where a list is expected it means an empty list."""
    return [] if value == {} else value


def read_text(ctx: ToolContext, path: str, *, limit: int | None = None, key: str = SIZE_KEY) -> str:
    """A sandboxed file as text (UTF-8, else Latin-1), refused above `limit` bytes."""
    resolved = ctx.check_path(path, "r")
    if limit is not None and resolved.is_file():
        size = resolved.stat().st_size
        if size > limit:
            raise ToolExecutionError(
                f"{path!r} is {size:,} bytes, over the {limit:,}-byte limit (`{key}`)"
            )
    return decode(ctx.read_bytes(path))


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def check_text_size(text: str, limit: int, key: str, what: str) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise ToolExecutionError(
            f"{what} is {size:,} bytes, over the {limit:,}-byte limit (`{key}`)"
        )


def depth_of(value: Any) -> int:
    """Nesting depth of lists and dicts (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def check_depth(value: Any, limit: int, what: str) -> Any:
    depth = depth_of(value)
    if depth > limit:
        raise ToolExecutionError(
            f"{what} is nested {depth} levels deep, over the limit of {limit} (`{DEPTH_KEY}`)"
        )
    return value


def parse_json(text: str, what: str, limit: int) -> Any:
    """JSON text to a value, with the position of a syntax error and the depth limit."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ToolExecutionError(f"{what} is nested too deeply (`{DEPTH_KEY}`)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    return check_depth(value, limit, what)


def json_value(value: Any, what: str, limit: int, *, strict: bool = False) -> Any:
    """A table stays as it is; a string is parsed as JSON (kept as a plain string unless `strict`
    or it looks like a JSON document)."""
    if isinstance(value, str):
        if strict or value.lstrip()[:1] in ("{", "[", '"'):
            return parse_json(value, what, limit)
        try:
            return check_depth(json.loads(value), limit, what)
        except json.JSONDecodeError:
            return value
    return check_depth(value, limit, what)


def dumps(value: Any, indent: int | None = 2) -> str:
    separators = (",", ": ") if indent is not None else (",", ":")
    return json.dumps(value, indent=indent, ensure_ascii=False, separators=separators, default=str)


def run_isolated(ctx: ToolContext, request: dict[str, Any], what: str, tool: str) -> Any:
    """Run a jq query or a template render in a child Python with CPU, memory, time and output
    limits, so a runaway expression cannot stall the runtime (jq holds the GIL while it runs).

    Failures raise builtin errors, which the registry reports as `Tool '<tool>' execution
    failed: ...`; a sandbox refusal raises SecurityError naming `tool`.
    """
    data = ctx.config.data
    timeout = max(1.0, min(float(ctx.timeout), float(data.processing_timeout_seconds)))
    limit = ctx.config.file_operations.max_file_size
    payload = {
        **request,
        "sys_path": [p for p in sys.path if p],
        "cpu_seconds": int(timeout) + 1,
        "memory": WORKER_MEMORY,
        "max_output": limit,
    }
    env = {k: os.environ[k] for k in ("PATH", "SYSTEMROOT", "LD_LIBRARY_PATH") if k in os.environ}
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-X", "utf8", str(_WORKER)],
            input=json.dumps(payload, default=str).encode(),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"{what} ran longer than {timeout:g} s and was stopped (`{TIMEOUT_KEY}`)"
        ) from None
    try:
        answer = json.loads(proc.stdout.decode())
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        reason = "ran out of memory or CPU time" if proc.returncode else "gave no answer"
        raise RuntimeError(
            f"{what} {reason} and was stopped (exit status {proc.returncode}; limits: "
            f"{WORKER_MEMORY >> 20} MiB of memory, {timeout:g} s `{TIMEOUT_KEY}`)"
        )
    if "error" in answer:
        kind = answer.get("kind")
        if kind == "output":
            raise ValueError(f"{what} refused: {answer['error']} (`{SIZE_KEY}`)")
        if kind == "memory":
            raise RuntimeError(f"{what} {answer['error']} ({WORKER_MEMORY >> 20} MiB limit)")
        if kind == "security":
            raise SecurityError(f"Tool '{tool}' refused the {what}: {answer['error']}")
        raise ValueError(f"{what} failed: {answer['error']}")
    return answer["ok"]
