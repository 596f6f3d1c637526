"""All tools by name: built-ins imported on first use, tools registered by scripts, and invoke."""

from __future__ import annotations

import difflib
import importlib
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import (
    LLMSpellError,
    SecurityError,
    ToolExecutionError,
    ToolNotFound,
    ToolParameterError,
)
from llmspell.hooks import points as hp
from llmspell.hooks.registry import HookContext, new_correlation_id, notify
from llmspell.tools.base import LEVEL_ORDER, Tool, ToolResult
from llmspell.tools.builtin import BUILTIN_TOOLS

if TYPE_CHECKING:
    from llmspell.config.tools import ToolsConfig
    from llmspell.hooks import HookRegistry, Outcome
    from llmspell.tools.context import ToolContext


_BEFORE, _AFTER, _ERROR = "BeforeToolExecution", "AfterToolExecution", "ToolError"


def fold(name: str) -> str:
    """Lookup key: case-insensitive, `-` and `_` the same."""
    return name.strip().lower().replace("-", "_")


@dataclass(frozen=True, slots=True)
class ToolInfo:
    name: str
    description: str
    category: str
    version: str
    security_level: str
    tags: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "version": self.version,
            "security_level": self.security_level,
            "tags": list(self.tags),
        }


def info_of(tool: type[Tool[Any]] | Tool[Any]) -> ToolInfo:
    return ToolInfo(
        name=tool.name,
        description=tool.description,
        category=tool.category,
        version=tool.version,
        security_level=tool.security_level,
        tags=tuple(tool.tags),
    )


class _RateLimiter:
    """At most `limit` calls in any 60-second window."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._calls and now - self._calls[0] > 60:
                self._calls.popleft()
            if len(self._calls) >= self.limit:
                return False
            self._calls.append(now)
            return True


FILE_TOOLS = ("file_operations", "file_search", "file_converter", "file_watcher", "archive_handler")


def switched_off(config: ToolsConfig) -> dict[str, str]:
    """Built-in tools whose own section has `enabled = false`, each with that key."""
    off: dict[str, str] = {}
    if not config.file_operations.enabled:
        off.update(dict.fromkeys(FILE_TOOLS, "tools.file_operations.enabled"))
    if not config.http_request.enabled:
        off["http_request"] = "tools.http_request.enabled"
    if not config.web_search.enabled:
        off["web_search"] = "tools.web_search.enabled"
    return off


class ToolRegistry:
    def __init__(self, config: ToolsConfig) -> None:
        self.config = config
        #: built-in tools switched off by their own section, with the key that did it
        self._off = {fold(name): key for name, key in switched_off(config).items()}
        self._builtin_names = {
            fold(name): name for name in BUILTIN_TOOLS if fold(name) not in self._off
        }
        self._instances: dict[str, Tool[Any]] = {}
        self._custom: dict[str, Tool[Any]] = {}
        self._limiter = (
            _RateLimiter(config.rate_limit_per_minute) if config.rate_limit_per_minute else None
        )
        self.context: ToolContext | None = None
        self.hooks: HookRegistry | None = None

    # Lookup --------------------------------------------------------------------------------

    def names(self) -> list[str]:
        builtins = list(self._builtin_names.values()) if self.config.enabled else []
        return sorted([*builtins, *(tool.name for tool in self._custom.values())])

    def exists(self, name: str) -> bool:
        key = fold(name)
        return key in self._custom or (self.config.enabled and key in self._builtin_names)

    def get(self, name: str) -> Tool[Any]:
        key = fold(name)
        custom = self._custom.get(key)
        if custom is not None:
            return custom
        if self.config.enabled and key in self._builtin_names:
            tool = self._instances.get(key)
            if tool is None:
                tool = load_builtin(self._builtin_names[key])()
                self._instances[key] = tool
            return tool
        raise ToolNotFound(self._not_found(name))

    def _not_found(self, name: str) -> str:
        if not self.config.enabled and fold(name) in self._builtin_names:
            return f"Tool '{name}' not found: built-in tools are off (`tools.enabled = false`)."
        if fold(name) in self._off:
            return f"Tool '{name}' is switched off (`{self._off[fold(name)]} = false`)."
        close = difflib.get_close_matches(name, self.names(), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return f"Tool '{name}' not found.{hint} See `llmspell tool list`."

    def info(self, name: str) -> ToolInfo:
        key = fold(name)
        if key in self._custom:
            return info_of(self._custom[key])
        if self.config.enabled and key in self._builtin_names:
            return info_of(load_builtin(self._builtin_names[key]))
        raise ToolNotFound(self._not_found(name))

    def list(self) -> list[ToolInfo]:
        return [self.info(name) for name in self.names()]

    def _discovering(self, how: str, **query: Any) -> bool:
        """BeforeToolDiscovery; False when a hook cancels."""
        out = notify(self.hooks, "BeforeToolDiscovery", "tool", "registry", how=how, **query)
        return out is None or out.kind != "cancel"

    def _discovered(self, how: str, found: list[ToolInfo]) -> list[ToolInfo]:
        notify(
            self.hooks,
            "AfterToolDiscovery",
            "tool",
            "registry",
            how=how,
            tools=[i.name for i in found],
            count=len(found),
        )
        return found

    def categories(self) -> list[str]:
        return sorted({info.category for info in self.list()})

    def discover(self, *, category: str | None = None, tag: str | None = None) -> list[ToolInfo]:
        if not self._discovering("discover", category=category, tag=tag):
            return []
        return self._discovered("discover", self._discover(category, tag))

    def list_tools(self) -> list[ToolInfo]:
        """`list()` with the discovery points fired."""
        if not self._discovering("list"):
            return []
        return self._discovered("list", self.list())

    def _discover(self, category: str | None, tag: str | None) -> list[ToolInfo]:
        found = []
        for info in self.list():
            if category and info.category != category:
                continue
            if tag:
                needle = tag.lower()
                if not any(needle in t.lower() for t in info.tags) and needle not in (
                    info.description.lower()
                ):
                    continue
            found.append(info)
        return found

    def search(self, words: Iterable[str]) -> list[ToolInfo]:
        needles = [w.lower() for w in words]
        if not self._discovering("search", words=needles):
            return []
        return self._discovered("search", self._search(needles))

    def _search(self, needles: list[str]) -> list[ToolInfo]:
        return [
            info
            for info in self.list()
            if all(
                n in f"{info.name} {info.description} {' '.join(info.tags)}".lower()
                for n in needles
            )
        ]

    # Registration --------------------------------------------------------------------------

    def register(self, tool: Tool[Any], *, replace: bool = False) -> None:
        key = fold(tool.name)
        if not replace and (key in self._custom or key in self._builtin_names):
            raise ToolParameterError(
                f"Tool.register: a tool named {tool.name!r} already exists; choose another name"
            )
        self._custom[key] = tool

    def unregister(self, name: str) -> bool:
        return self._custom.pop(fold(name), None) is not None

    # Invocation ----------------------------------------------------------------------------

    def invoke(self, name: str, params: dict[str, Any] | None = None) -> ToolResult:
        """Validate, check the rules, run. Refusals and failures raise; see docs/tools.md.

        With hooks: BeforeToolExecution may change the parameters (modified), refuse the call
        (cancel), answer it (replace), skip it (an empty success) or send it to another tool
        (redirect); AfterToolExecution may change or replace the result; ToolError may retry
        once, replace the result or skip.
        """
        hooks = self.hooks
        if hooks is None or not hooks.any(_BEFORE, _AFTER, _ERROR):
            return self._invoke(name, params)
        return self._invoke_hooked(hooks, name, dict(params or {}))

    def _invoke_hooked(self, hooks: HookRegistry, name: str, params: dict[str, Any]) -> ToolResult:
        tool_name = self.get(name).name

        def context(point: str, subject: str, **data: Any) -> HookContext:
            return HookContext(
                point=point,
                component_type="tool",
                component_name=tool_name,
                data={"tool": tool_name, "tool_name": tool_name, "params": params, **data},
                subject=subject,
                correlation_id=correlation,
            )

        correlation = new_correlation_id()
        if hooks.has(hp.BEFORE_TOOL):
            before = hooks.fire(hp.BEFORE_TOOL, context(hp.BEFORE_TOOL, "params"))
            if before.modified and isinstance(before.data, dict):
                params = before.data
            early = _early(before, tool_name, "before")
            if early is not None:
                return early
            if before.kind == "redirect":
                target = self.get(before.result.target).name
                return self._invoke(target, params)
        started = time.perf_counter()
        try:
            result = self._invoke(tool_name, params)
        except LLMSpellError as exc:
            if not hooks.has(hp.TOOL_ERROR):
                raise
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            failed = hooks.fire(
                hp.TOOL_ERROR,
                context(hp.TOOL_ERROR, "error", error=str(exc), duration_ms=elapsed),
            )
            if failed.kind == "retry":
                _pause(failed.result.delay)
                result = self._invoke(tool_name, params)
            else:
                early = _early(failed, tool_name, "error")
                if early is None:
                    raise
                return early
        if hooks.has(hp.AFTER_TOOL):
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            after = hooks.fire(
                hp.AFTER_TOOL,
                context(hp.AFTER_TOOL, "output", output=result.to_dict(), duration_ms=elapsed),
            )
            if after.kind == "retry":
                _pause(after.result.delay)
                return self._invoke(tool_name, params)
            early = _early(after, tool_name, "after")
            if early is not None:
                return early
            if after.modified:
                result = as_tool_result(after.data, tool_name, base=result)
        return result

    def _invoke(self, name: str, params: dict[str, Any] | None) -> ToolResult:
        tool = self.get(name)
        try:
            self._check_allowed(tool)
        except SecurityError as exc:
            self._violation(tool.name, exc)
            raise
        validated = _validate(tool, params or {})
        hooks = self.hooks
        if hooks is not None and hooks.has("ToolValidation"):
            out = notify(hooks, "ToolValidation", "tool", tool.name, tool=tool.name, params=params)
            if out is not None and out.kind == "cancel":
                reason = getattr(out.result, "reason", None) or "refused by a ToolValidation hook"
                raise ToolExecutionError(f"Tool '{tool.name}' refused: {reason}")
        if self.context is None:
            raise ToolExecutionError("the tool registry has no context")
        started = time.perf_counter()
        try:
            result = tool.run(validated, self.context)
        except ToolExecutionError as exc:
            if f"'{tool.name}'" in str(exc):
                raise
            raise ToolExecutionError(f"Tool '{tool.name}' execution failed: {exc}") from exc
        except SecurityError as exc:
            self._violation(tool.name, exc)
            if f"'{tool.name}'" in str(exc):
                raise
            raise type(exc)(f"Tool '{tool.name}' refused: {exc}") from exc
        except LLMSpellError:
            raise
        except Exception as exc:  # the tool boundary: any failure becomes one clear error
            raise ToolExecutionError(
                f"Tool '{tool.name}' execution failed: {_describe(exc)}"
            ) from exc
        result.metadata.setdefault("tool", tool.name)
        result.metadata["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return result

    def _violation(self, tool: str, exc: Exception) -> None:
        notify(self.hooks, "SecurityViolation", "tool", tool, tool=tool, error=str(exc))

    def _check_allowed(self, tool: Tool[Any]) -> None:
        ceiling = self.config.max_security_level
        if LEVEL_ORDER[tool.security_level] > LEVEL_ORDER[ceiling]:
            raise SecurityError(
                f"Tool '{tool.name}' needs security level '{tool.security_level}', above "
                f"`tools.max_security_level` = '{ceiling}'"
            )
        if self._limiter is not None and not self._limiter.acquire():
            limit = self._limiter.limit
            message = (
                f"Tool '{tool.name}' refused: {limit} tool calls per minute "
                "reached (`tools.rate_limit_per_minute`)"
            )
            notify(
                self.hooks,
                "ResourceLimitExceeded",
                "system",
                "tools",
                limit="tool_rate",
                setting="tools.rate_limit_per_minute",
                value=limit,
                message=message,
                tool=tool.name,
            )
            raise SecurityError(message)


def _pause(delay: float) -> None:
    if delay > 0:
        time.sleep(delay)


def _early(outcome: Outcome, tool: str, where: str) -> ToolResult | None:
    """The result a hook decided instead of running (or keeping) the call, if any."""
    kind = outcome.kind
    if kind == "cancel":
        raise ToolExecutionError(f"Tool '{tool}' cancelled by a hook: {outcome.result.reason}")
    if kind == "replace":
        return as_tool_result(outcome.result.data, tool)
    if kind == "skipped":
        skipped = ToolResult.ok("", None)
        skipped.metadata.update({"tool": tool, "skipped": True, "reason": outcome.result.reason})
        return skipped
    return None


def as_tool_result(value: Any, tool: str, *, base: ToolResult | None = None) -> ToolResult:
    """A hook's value as a ToolResult: a result-shaped table keeps its fields, a string is
    the text, anything else the `result`."""
    if isinstance(value, ToolResult):
        return value
    if isinstance(value, dict) and {"success", "text", "result"} & value.keys():
        success = bool(value.get("success", True))
        text = value.get("text")
        error = value.get("error")
        out = ToolResult(
            success=success,
            text=str(text) if text is not None else (base.text if base else ""),
            result=value.get("result", base.result if base else None),
            error=str(error) if error is not None else (None if success else "failed"),
            metadata=dict(value.get("metadata") or (base.metadata if base else {})),
        )
        skip = {"success", "text", "result", "error", "metadata"}
        out.extra.update({k: v for k, v in value.items() if k not in skip})
    elif isinstance(value, str):
        out = ToolResult.ok(value, value)
    else:
        import json

        text = value if value is None else json.dumps(value, default=str, ensure_ascii=False)
        out = ToolResult.ok(text or "", value)
    out.metadata.setdefault("tool", tool)
    out.metadata["hook"] = True
    return out


def load_builtin(name: str) -> type[Tool[Any]]:
    module_name, _, attr = BUILTIN_TOOLS[name].partition(":")
    cls: type[Tool[Any]] = getattr(importlib.import_module(module_name), attr)
    return cls


def _validate(tool: Tool[Any], params: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    try:
        return tool.validate(params)
    except ValidationError as exc:
        raise ToolParameterError(_parameter_message(tool.name, exc)) from None


_TYPE_TAGS = frozenset({"int", "str", "float", "bool", "none", "list", "dict", "bytes"})


def _param_path(loc: tuple[Any, ...]) -> str:
    """`('version', "literal['v1']")` -> `version`: drop pydantic's union-member tags."""
    parts = [
        str(part)
        for part in loc
        if isinstance(part, int) or ("[" not in str(part) and str(part) not in _TYPE_TAGS)
    ]
    return ".".join(parts) or "(parameters)"


def _parameter_message(tool: str, exc: Any) -> str:
    problems: dict[str, str] = {}
    for error in exc.errors():
        where = _param_path(error["loc"])
        if where in problems:
            continue
        kind = error["type"]
        if kind == "missing":
            problems[where] = f"parameter '{where}' is required"
        elif kind == "extra_forbidden":
            problems[where] = f"unknown parameter '{where}'"
        else:
            given = error.get("input")
            shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
            problems[where] = f"parameter '{where}': {error['msg']} (got {shown})"
    return f"Tool '{tool}': " + "; ".join(problems.values())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"no such file or directory: {exc.filename!r}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename!r}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename!r}" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__
