"""The read-eval-print loop on the process's terminal or pipe.

On a TTY: a banner, the `llmspell> ` and `...> ` prompts, line editing and completion through
`readline` (when Python has it), and Ctrl-C cancelling unfinished input. Off a TTY (a pipe, a
file): plain lines are read, and neither banner nor prompts are printed, so stdout carries only
what the inputs produce.
"""

from __future__ import annotations

import logging
import sys
from types import ModuleType
from typing import Any, TextIO

from llmspell.core.signals import sigint_calls
from llmspell.repl.commands import COMMANDS
from llmspell.repl.session import ReplSession

log = logging.getLogger("llmspell.repl")

PROMPT = "llmspell> "
CONTINUATION_PROMPT = "...> "


def run_console(session: ReplSession, *, interactive: bool, stdin: TextIO | None = None) -> int:
    """Read and run lines until `.exit`, `os.exit(n)` or end of input; the exit code."""
    stream = stdin or sys.stdin
    editor = _readline(session) if interactive else None
    if interactive:
        session.write_out(_banner(session))
    while session.exit_code is None:
        prompt = CONTINUATION_PROMPT if session.pending else PROMPT
        try:
            line = input(prompt) if interactive else _read_plain(stream)
        except KeyboardInterrupt:
            if not interactive:
                raise
            session.cancel()
            session.write_out("\n")
            continue
        except EOFError:
            line = None
        if line is None:
            session.end_of_input()
            if interactive:
                session.write_out("\n")
            break
        with sigint_calls(session.interrupt):
            try:
                session.feed(line)
            except KeyboardInterrupt:
                session.write_err("Interrupted.\n")
            except Exception as exc:  # the loop boundary: report, keep the session
                log.debug("REPL input failed", exc_info=True)
                session.write_err(f"Error: {type(exc).__name__}: {exc}\n")
    if editor is not None:
        editor.set_completer(None)
    return session.exit_code or 0


def _read_plain(stream: TextIO) -> str | None:
    line = stream.readline()
    return line.rstrip("\r\n") if line else None


def _banner(session: ReplSession) -> str:
    from llmspell import __version__

    lua = session.engine.get_global("_VERSION")
    return f"llmspell {__version__} ({lua}). Type .help for commands, Ctrl-D to exit.\n"


def _readline(session: ReplSession) -> ModuleType | None:
    """Line editing with the session's history and completion, when `readline` exists."""
    try:
        import readline
    except ImportError:
        return None
    readline.clear_history()
    for entry in session.history.entries:
        readline.add_history(entry)
    readline.set_completer(_completer(session))
    readline.set_completer_delims(" \t\n()[]{},;=+-*/%^#<>~\"'")
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    return readline


def _completer(session: ReplSession) -> Any:
    meta = sorted(f".{name}" for command in COMMANDS for name in command.names if name != "?")
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            pool = meta if text.startswith(".") else session.engine.global_names()
            matches[:] = [name for name in pool if name.startswith(text)]
        return matches[state] if state < len(matches) else None

    return complete
