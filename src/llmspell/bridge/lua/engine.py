"""The Lua 5.4 engine: one lupa runtime, sandboxed and limited, hosting llmspell's globals."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lupa.lua54 as lupa

from llmspell.bridge.globals.base import Multi, ScriptGlobal, ScriptObject, script_methods
from llmspell.bridge.lua.convert import Converter
from llmspell.bridge.lua.errors import (
    from_failure,
    memory_error,
    restore_chunk_name,
    script_error,
)
from llmspell.bridge.lua.limits import RunLimits, UsageKind
from llmspell.bridge.lua.sandbox import SecurityLevel
from llmspell.core.errors import (
    LLMSpellError,
    ScriptError,
    ScriptExit,
    ScriptMemoryError,
    ScriptTimeout,
)
from llmspell.core.output import ConsoleSink, OutputSink
from llmspell.runtime.script_thread import ScriptThread
from llmspell.security.paths import PathPolicy

log = logging.getLogger("llmspell.lua")

_PRELUDE = (Path(__file__).parent / "prelude.lua").read_text(encoding="utf-8")

#: `on_limit(limit, setting, value, message)`: a run is about to fail on a limit
LimitCallback = Callable[[str, str, Any, str], None]
#: `on_usage(kind, used, limit, setting)`: a run passed `warn_fraction` of a limit
UsageCallback = Callable[[UsageKind, float, float, str], None]


@dataclass(slots=True, kw_only=True)
class EngineOptions:
    security_level: SecurityLevel = "safe"
    stdlib: str = "standard"
    allow_process_spawn: bool = False
    timeout_seconds: float | None = 300.0
    timeout_key: str = "runtime.script_timeout_seconds"
    max_memory_bytes: int | None = 50_000_000
    memory_key: str = "engines.lua.max_memory_bytes"
    warn_fraction: float = 0.8
    paths: PathPolicy = field(default_factory=lambda: PathPolicy.build(allowed_paths=["/tmp"]))
    module_dirs: tuple[Path, ...] = ()


class _StopRun(BaseException):
    """Unwinds Python frames between nested Lua calls once the run must stop."""


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    raise AttributeError("Python attributes are not reachable from a spell")


def _signature_message(label: str, fn: Callable[..., Any], given: int) -> str:
    """`Debug.timer: missing argument 'name'; usage: Debug.timer(name)`, in script terms."""
    import inspect

    params = list(inspect.signature(fn).parameters.values())[1:]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p.name for p in positional if p.default is p.empty]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
    usage = ", ".join(
        (p.name if p.default is p.empty else f"{p.name}?")
        if p.kind is not p.VAR_POSITIONAL
        else "..."
        for p in params
        if p.kind is not p.VAR_KEYWORD
    )
    if given < len(required):
        names = required[given:]
        plural = "s" if len(names) > 1 else ""
        problem = f"missing argument{plural} " + ", ".join(repr(name) for name in names)
    elif not variadic and given > len(positional):
        most = len(positional)
        problem = f"expected at most {most} argument{'s' if most != 1 else ''}, got {given}"
    else:
        problem = "wrong arguments"
    return f"{label}: {problem}; usage: {label}({usage})"


class LuaEngine:
    """Runs spells; also the `ScriptHost` that globals ask for stack frames and memory.

    `on_limit` hears of a call stopped by its time or memory limit just before the error is
    raised; the stopped run is over by then, so it may call Lua again (a new call under fresh
    limits), and what it raises is logged and ignored. `on_usage` hears once per top-level
    run and kind when the run passes `warn_fraction` of its time or memory limit, from the
    count hook (see RunLimits).
    """

    def __init__(
        self,
        options: EngineOptions | None = None,
        *,
        sink: OutputSink | None = None,
        script_thread: ScriptThread | None = None,
        on_limit: LimitCallback | None = None,
        on_usage: UsageCallback | None = None,
    ) -> None:
        self.options = options or EngineOptions()
        self.sink = sink or ConsoleSink()
        self.script_thread = script_thread or ScriptThread()
        self.on_limit = on_limit
        self._reporting = False
        self.limits = RunLimits(
            timeout_seconds=self.options.timeout_seconds,
            warn_fraction=self.options.warn_fraction,
            memory_limit=self.options.max_memory_bytes or None,
        )
        self._lua = lupa.LuaRuntime(
            encoding=None,
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_filter=_deny_attributes,
            max_memory=self.options.max_memory_bytes or 0,
        )
        self._classes: dict[type, Any] = {}
        self._depth = 0
        host = self._lua.table_from(
            {
                b"tick": self.limits.tick,
                b"write_out": self._write_out,
                b"write_err": self._write_err,
                b"check_path": self._check_path,
                b"request_exit": self.limits.request_exit,
                b"note_stop": self.limits.note_stop,
                b"run_command": self._run_command,
            }
        )
        opts = self._lua.table_from(
            {
                b"level": self.options.security_level.encode(),
                b"allow_spawn": self.options.allow_process_spawn,
                b"stdlib": self.options.stdlib.encode(),
                b"package_path": self._package_path().encode(),
            }
        )
        prelude = self._lua.execute(_PRELUDE, host, opts, name="=llmspell", mode="t")
        self._p = prelude
        self._err = prelude[b"ERR"]
        self._multi_marker = prelude[b"MULTI"]
        self._abort = prelude[b"ABORT"]
        self._make_class = prelude[b"make_class"]
        self._new_object = prelude[b"new_object"]
        self._lazy_global = prelude[b"lazy_global"]
        self._fill = prelude[b"fill"]
        self._pending: dict[str, tuple[Any, Callable[[], ScriptGlobal]]] = {}
        self._pack = prelude[b"multi"]
        self._run = prelude[b"run"]
        self._compile = prelude[b"compile"]
        self._frames = prelude[b"frames"]
        self._arm = prelude[b"arm"]
        self._disarm = prelude[b"disarm"]
        self.convert = Converter(self, self._lua.table, self.object_to_lua)
        self._globals = self._lua.globals()
        self.limits.memory_used = self._lua.get_memory_used
        self._on_usage: UsageCallback | None = None
        self.on_usage = on_usage

    @property
    def on_usage(self) -> UsageCallback | None:
        return self._on_usage

    @on_usage.setter
    def on_usage(self, callback: UsageCallback | None) -> None:
        self._on_usage = callback
        self.limits.warn = self._usage if callback is not None else None

    def _usage(self, kind: UsageKind, used: float, limit: float) -> None:
        callback = self._on_usage
        if callback is None:
            return
        key = self.options.timeout_key if kind == "time" else self.options.memory_key
        try:
            callback(kind, used, limit, key)
        except Exception:
            log.warning("the %s usage callback failed", kind, exc_info=True)

    # Globals -------------------------------------------------------------------------------

    def install(self, script_global: ScriptGlobal) -> None:
        """Expose a global under its `name`, methods bound eagerly."""
        table = self._object_table(script_global, eager=True)
        self._globals[script_global.name.encode()] = table

    def install_lazy(self, name: str, factory: Callable[[], ScriptGlobal]) -> None:
        """Expose a global built by `factory` the first time a script touches it.

        Spells that never use a global never pay for importing or building it.
        """
        table = self._lazy_global(name.encode(), self._materialize)
        self._pending[name] = (table, factory)
        self._globals[name.encode()] = table

    def _materialize(self, name: bytes) -> None:
        table, factory = self._pending.pop(name.decode())
        script_global = factory()
        mt = self._class_metatable(script_global)
        fields = script_global.script_fields()
        names = self._lua.table(*[n.encode() for n in script_methods(type(script_global))])
        self._fill(table, mt, script_global, self.convert.to_lua(fields) if fields else None, names)

    def set_global(self, name: str, value: Any) -> None:
        self._globals[name.encode()] = self.convert.to_lua(value)

    def get_global(self, name: str) -> Any:
        return self.convert.to_py(self._globals[name.encode()])

    def global_names(self) -> list[str]:
        return sorted(k.decode() for k in self._globals if isinstance(k, bytes))

    def object_to_lua(self, obj: ScriptObject) -> Any:
        return self._object_table(obj, eager=False)

    def _class_metatable(self, obj: ScriptObject) -> Any:
        cls = type(obj)
        mt = self._classes.get(cls)
        if mt is None:
            label = getattr(obj, "name", None) or cls.__name__
            methods = {
                name.encode(): self._bind(fn, f"{label}.{name}")
                for name, fn in script_methods(cls).items()
            }
            index = getattr(cls, "script_index", None)
            fallback = self._bind(index, f"{label}.index") if index is not None else None
            mt = self._make_class(str(label).encode(), self._lua.table_from(methods), fallback)
            self._classes[cls] = mt
        return mt

    def _object_table(self, obj: ScriptObject, *, eager: bool) -> Any:
        cls = type(obj)
        mt = self._class_metatable(obj)
        fields = obj.script_fields()
        fields_table = self.convert.to_lua(fields) if fields else None
        names = None
        if eager:
            names = self._lua.table(*[n.encode() for n in script_methods(cls)])
        return self._new_object(mt, obj, fields_table, names, id(obj))

    def _bind(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        """The Python half of a script method: convert, call, convert back, report errors."""
        to_py = self.convert.to_py
        to_lua = self.convert.to_lua
        err = self._err
        multi_marker = self._multi_marker
        pack = self._pack

        def call(obj: Any, *args: Any) -> Any:
            try:
                result = fn(obj, *map(to_py, args))
                if type(result) is Multi:
                    return multi_marker, pack(*[to_lua(v) for v in result])
                return to_lua(result)
            except LLMSpellError as exc:
                return err, str(exc).encode()
            except lupa.LuaMemoryError:
                error = memory_error(self.options.max_memory_bytes, self.options.memory_key)
                return err, str(self._reported(error)).encode()
            except TypeError as exc:
                if exc.__traceback__ is not None and exc.__traceback__.tb_next is None:
                    return err, _signature_message(label, fn, len(args)).encode()
                return err, f"TypeError: {exc}".encode()
            except Exception as exc:
                return err, f"{type(exc).__name__}: {exc}".encode()

        return call

    # Running -------------------------------------------------------------------------------

    def compile(self, code: str | bytes, chunk_name: str) -> Any:
        """A compiled chunk, or ScriptError for a syntax error."""
        source = code.encode() if isinstance(code, str) else code
        compiled = self._compile(source, chunk_name.encode())
        if isinstance(compiled, tuple):
            error = script_error(compiled[1].decode(errors="replace"))
            restore_chunk_name(error, chunk_name)
            raise error
        return compiled

    def execute(
        self, code: str | bytes, *, chunk_name: str = "=spell", args: Sequence[Any] = ()
    ) -> list[Any]:
        """Run a chunk under the limits; its return values, converted to Python."""
        chunk = self.compile(code, chunk_name)
        try:
            return self._call(chunk, args, top_level=True)
        except ScriptError as exc:
            restore_chunk_name(exc, chunk_name)
            raise

    def call_function(self, fn: Any, args: Iterable[Any]) -> Any:
        """Call a Lua function from Python (a callback); one result, or Multi for several."""
        if not self.script_thread.on_script_thread():
            return self.script_thread.call(self.call_function, fn, tuple(args))
        results = self._call(fn, tuple(args), top_level=self._depth == 0)
        if not results:
            return None
        if len(results) == 1:
            return results[0]
        return Multi(results)

    def _call(self, fn: Any, args: Sequence[Any], *, top_level: bool) -> list[Any]:
        lua_args = [self.convert.to_lua(a) for a in args]
        if top_level:
            self.limits.start()
            self._arm()
        self._depth += 1
        try:
            outcome = self._run(fn, *lua_args)
        except lupa.LuaMemoryError:
            outcome = (False, b"not enough memory")
        finally:
            self._depth -= 1
            if top_level:
                self.limits.finish()
                self._disarm()
        if not isinstance(outcome, tuple):
            outcome = (outcome,)
        stop = self.limits.stop
        if stop is not None:
            # Even a spell that caught the stop (resume of a coroutine, say) ends here.
            if not top_level:
                raise _StopRun()
            raise self._reported(self._stop_error(stop))
        ok = outcome[0]
        if ok:
            return [self.convert.to_py(v) for v in outcome[1:]]
        payload = outcome[1] if len(outcome) > 1 else None
        if payload == self._abort:
            raise _StopRun()
        error = from_failure(
            self.convert.to_py(payload), self.options.max_memory_bytes, self.options.memory_key
        )
        raise self._reported(error)

    def _reported(self, error: BaseException) -> BaseException:
        """`error`, after `on_limit` has heard about it when it is a time or memory limit."""
        callback = self.on_limit
        if callback is None or self._reporting:
            return error
        opts = self.options
        if isinstance(error, ScriptTimeout):
            limit, setting, value = "time", opts.timeout_key, opts.timeout_seconds
        elif isinstance(error, ScriptMemoryError):
            limit, setting, value = "memory", opts.memory_key, opts.max_memory_bytes
        else:
            return error
        self._reporting = True
        try:
            callback(limit, setting, value, str(error))
        except Exception:
            log.warning("the %s limit callback failed", limit, exc_info=True)
        finally:
            self._reporting = False
        return error

    def _stop_error(self, stop: str) -> BaseException:
        if stop == "exit":
            return ScriptExit(self.limits.exit_code)
        if stop == "interrupt":
            return KeyboardInterrupt()
        seconds = self.options.timeout_seconds or 0
        chunk, line = self.limits.stop_chunk, self.limits.stop_line
        where = f"{chunk}:{line}: " if chunk else ""
        return ScriptTimeout(
            f"{where}script timed out after {seconds:g} s (`{self.options.timeout_key}`). "
            "Raise the limit in llmspell.toml or make the spell finish sooner.",
            chunk=chunk,
            line=line,
        )

    def interrupt(self) -> None:
        """Stop the running spell at its next checkpoint (safe from a signal handler)."""
        self.limits.interrupt()

    # Output and sandbox callbacks ----------------------------------------------------------

    def _write_out(self, data: bytes) -> None:
        self.sink.write_stdout(data.decode(errors="replace"))

    def _write_err(self, data: bytes) -> None:
        self.sink.write_stderr(data.decode(errors="replace"))

    def _check_path(self, path: bytes, mode: bytes) -> bytes | None:
        reason = self.options.paths.refusal(os.fsdecode(path), mode.decode())
        return reason.encode() if reason else None

    def _run_command(self, command: bytes, stdin: bytes | None) -> tuple[bytes, bytes, int]:
        """`io.popen` when the sandbox allows it: a shell command, bounded by the deadline."""
        import subprocess

        remaining = None
        if self.limits.deadline is not None:
            remaining = max(0.05, self.limits.deadline - time.monotonic())
        try:
            proc = subprocess.run(
                os.fsdecode(command),
                shell=True,
                input=stdin,
                stdout=subprocess.PIPE,
                timeout=remaining,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            return exc.stdout or b"", b"signal", 9
        if proc.returncode < 0:
            return proc.stdout, b"signal", -proc.returncode
        return proc.stdout, b"exit", proc.returncode

    def _package_path(self) -> str:
        dirs = [*self.options.module_dirs, Path.cwd()]
        seen: list[str] = []
        for d in dirs:
            for pattern in ("?.lua", "?/init.lua"):
                entry = str(Path(d) / pattern)
                if entry not in seen:
                    seen.append(entry)
        return ";".join(seen)

    # ScriptHost ----------------------------------------------------------------------------

    def write_stdout(self, text: str) -> None:
        self.sink.write_stdout(text)

    def write_stderr(self, text: str) -> None:
        self.sink.write_stderr(text)

    def stack_frames(
        self, max_depth: int = 50, *, with_locals: bool = False
    ) -> list[dict[str, Any]]:
        frames = self.convert.to_py(self._frames(max_depth, with_locals))
        return frames if isinstance(frames, list) else []

    def memory_used(self) -> int:
        return int(self._lua.get_memory_used())

    def memory_limit(self) -> int | None:
        return self.options.max_memory_bytes or None

    def collect_garbage(self) -> None:
        self._lua.execute("collectgarbage('collect')")


__all__ = ["EngineOptions", "LuaEngine", "ScriptError"]
