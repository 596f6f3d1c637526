"""Input accumulation: when the typed lines form a complete chunk, and how it should run.

Like the standalone `lua` prompt, each input is first tried as `return <input>` so that `1 + 1`
shows `2`, then as a statement. While the compiler's complaint ends in `<eof>` (an unfinished
`function`, string, table or expression) more lines are awaited; any other syntax error is final.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from llmspell.core.errors import ScriptError

#: Chunk name of REPL inputs, so errors read `stdin:1: ...` as in the `lua` prompt.
CHUNK_NAME = "=stdin"
_INCOMPLETE = "<eof>"


@dataclass(slots=True, frozen=True, kw_only=True)
class Chunk:
    """A complete input: `code` is what runs, `source` what the user typed."""

    code: str
    source: str
    kind: Literal["expression", "statement"]


def is_incomplete(error: ScriptError) -> bool:
    """True when a syntax error only says the input stopped too early."""
    return error.message.rstrip().endswith(_INCOMPLETE)


class InputBuffer:
    """Collects lines until they compile; `compile` raises ScriptError on a syntax error."""

    def __init__(self, compile: Callable[[str], object]) -> None:
        self._compile = compile
        self._lines: list[str] = []

    @property
    def pending(self) -> bool:
        """True while earlier lines wait for the rest of their chunk."""
        return bool(self._lines)

    def clear(self) -> None:
        self._lines.clear()

    def add(self, line: str) -> Chunk | None:
        """The chunk once complete, None while more lines are needed; ScriptError if invalid."""
        self._lines.append(line)
        source = "\n".join(self._lines)
        expression = f"return {source}"
        try:
            self._compile(expression)
        except ScriptError as exc:
            expression_error = exc
        else:
            self.clear()
            return Chunk(code=expression, source=source, kind="expression")
        try:
            self._compile(source)
        except ScriptError as exc:
            if is_incomplete(exc) or is_incomplete(expression_error):
                return None
            self.clear()
            raise
        self.clear()
        return Chunk(code=source, source=source, kind="statement")

    def finish(self) -> ScriptError | None:
        """At end of input: the error an unfinished chunk would give, and the buffer emptied."""
        if not self._lines:
            return None
        source = "\n".join(self._lines)
        self.clear()
        try:
            self._compile(source)
        except ScriptError as exc:
            return exc
        return None
