"""One REPL session: a runtime whose globals persist between inputs, fed one line at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import LLMSpellError, ScriptError, ScriptExit
from llmspell.repl.chunks import CHUNK_NAME, InputBuffer
from llmspell.repl.commands import dispatch, is_meta_command
from llmspell.repl.format import format_values, short_repr
from llmspell.repl.history import History

if TYPE_CHECKING:
    from llmspell.bridge.lua.engine import LuaEngine
    from llmspell.core.output import OutputSink
    from llmspell.runtime import Runtime

log = logging.getLogger("llmspell.repl")

#: Globals the runtime sets later (`.run` sets them), never the user's own.
RUNTIME_GLOBALS = frozenset({"ARGS", "arg"})


class ReplSession:
    """Evaluates inputs in one runtime; `exit_code` is set once the session should end.

    `make_runtime` builds a fresh runtime (at start and on `.reset`); results and messages go to
    `sink`. Use as a context manager, or call `close()`: that closes the runtime and saves history.
    """

    def __init__(
        self,
        make_runtime: Callable[[], Runtime],
        *,
        sink: OutputSink,
        history: History | None = None,
        interactive: bool = False,
    ) -> None:
        self._make_runtime = make_runtime
        self.sink = sink
        self.history = history or History()
        self.interactive = interactive
        self.exit_code: int | None = None
        #: Inputs that ran without error, as Lua source, for `.save`.
        self.executed: list[str] = []
        self._buffer = InputBuffer(self._compile)
        self._runtime = make_runtime()
        self._builtins = self._capture_builtins()

    # State ----------------------------------------------------------------------------------

    @property
    def runtime(self) -> Runtime:
        return self._runtime

    @property
    def engine(self) -> LuaEngine:
        return self._runtime.engine()

    @property
    def pending(self) -> bool:
        """True while an unfinished chunk waits for more lines (the `...> ` prompt)."""
        return self._buffer.pending

    def _capture_builtins(self) -> frozenset[str]:
        return frozenset(self._runtime.engine().global_names()) | RUNTIME_GLOBALS

    def user_globals(self) -> list[tuple[str, str]]:
        """Globals defined in this session (not the runtime's own), with short values."""
        engine = self.engine
        out = []
        for name in engine.global_names():
            if name in self._builtins:
                continue
            try:
                shown = short_repr(engine.get_global(name))
            except LLMSpellError:
                shown = "<table>"
            out.append((name, shown))
        return out

    # Input ----------------------------------------------------------------------------------

    def feed(self, line: str) -> None:
        """Take one typed line: a meta command, part of a chunk, or a whole chunk to run."""
        line = line.rstrip("\r\n")
        self.history.add(line)
        if not self.pending:
            if not line.strip():
                return
            if is_meta_command(line):
                dispatch(self, line.strip())
                return
        try:
            chunk = self._buffer.add(line)
        except ScriptError as exc:
            self.report_error(exc)
            return
        if chunk is None:
            return
        record: str | None = chunk.source
        if chunk.kind == "expression" and not self._compiles(chunk.source):
            record = None  # a bare expression only shows a value; a saved script can't hold it
        self.run(lambda: self.engine.execute(chunk.code, chunk_name=CHUNK_NAME), record=record)

    def cancel(self) -> None:
        """Drop an unfinished chunk (Ctrl-C at the prompt)."""
        self._buffer.clear()

    def end_of_input(self) -> None:
        """Ctrl-D or the end of piped input: an unfinished chunk is reported, not run."""
        error = self._buffer.finish()
        if error is not None:
            self.report_error(error)

    def interrupt(self) -> None:
        """Stop the running input at its next checkpoint (safe from a signal handler)."""
        self._runtime.interrupt()

    # Running --------------------------------------------------------------------------------

    def run(self, call: Callable[[], list[Any]], *, record: str | None) -> bool:
        """Run one input; show its values or its error. True when it succeeded."""
        try:
            values = call()
        except ScriptExit as exc:
            self.exit_code = exc.code
            return False
        except KeyboardInterrupt:
            self.write_err("Interrupted.\n")
            return False
        except LLMSpellError as exc:
            self.report_error(exc)
            return False
        if record is not None:
            self.executed.append(record)
        shown = format_values(values)
        if shown is not None:
            self.write_out(shown + "\n")
        return True

    def load_file(self, path: str) -> bool:
        """Run a Lua file in this session (`.load`); `.save` keeps its text as a `do` block."""
        try:
            code = Path(path).read_bytes()
        except OSError as exc:
            self.write_err(f"Cannot read {path}: {exc.strerror}\n")
            return False
        if code.startswith(b"#"):
            code = b"--" + code  # a `#!` line, skipped as `lua FILE` does; line numbers kept
        record = f"-- .load {path}\ndo\n{code.decode(errors='replace').rstrip()}\nend"
        return self.run(lambda: self.engine.execute(code, chunk_name=f"@{path}"), record=record)

    def run_spell(self, path: str, argv: list[str]) -> bool:
        """Run a spell with arguments in this session (`.run`), setting ARGS and arg."""
        note = " ".join(["-- .run", path, *argv]) + " (not replayed)"
        return self.run(lambda: self._runtime.run_file(path, argv), record=note)

    def reset(self) -> None:
        """A fresh runtime: the user's globals and the recorded inputs are gone."""
        self._buffer.clear()
        self._runtime.close()
        self._runtime = self._make_runtime()
        self._builtins = self._capture_builtins()
        self.executed.clear()

    def _compile(self, code: str) -> object:
        return self.engine.compile(code, CHUNK_NAME)

    def _compiles(self, code: str) -> bool:
        try:
            self._compile(code)
        except ScriptError:
            return False
        return True

    # Output ---------------------------------------------------------------------------------

    def write_out(self, text: str) -> None:
        self.sink.write_stdout(text)

    def write_err(self, text: str) -> None:
        self.sink.write_stderr(text)

    def report_error(self, exc: LLMSpellError) -> None:
        """`chunk:line: message` and the Lua traceback on stderr, as the `lua` prompt shows them."""
        text = str(exc) if isinstance(exc, ScriptError) else f"Error: {exc}"
        if isinstance(exc, ScriptError) and exc.traceback:
            text += "\n" + exc.traceback
        self.write_err(text + "\n")

    # Lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        self._runtime.close()
        self.history.save()

    def __enter__(self) -> ReplSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
