"""Meta commands: REPL lines starting with `.`, dispatched through one table by name."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmspell.repl.session import ReplSession

Handler = Callable[["ReplSession", list[str]], None]

# `.5` is a Lua number, not a command: a command name starts with a letter or is `?`.
_META = re.compile(r"\s*\.([A-Za-z?][\w-]*)(?:\s+(.*))?\s*\Z", re.DOTALL)


@dataclass(slots=True, frozen=True, kw_only=True)
class MetaCommand:
    names: tuple[str, ...]
    usage: str
    summary: str
    handler: Handler


def is_meta_command(line: str) -> bool:
    return _META.match(line) is not None


def dispatch(session: ReplSession, line: str) -> None:
    """Run the meta command on `line`; an unknown one is reported with a pointer to `.help`."""
    match = _META.match(line)
    if match is None:
        session.write_err(f"Not a meta command: {line!r}. Type .help for the list.\n")
        return
    name, rest = match[1], match[2] or ""
    command = _BY_NAME.get(name.lower())
    if command is None:
        session.write_err(f"Unknown command '.{name}'. Type .help for the list of commands.\n")
        return
    try:
        args = shlex.split(rest)
    except ValueError as exc:
        session.write_err(f".{name}: cannot parse arguments: {exc}\n")
        return
    command.handler(session, args)


def _need(session: ReplSession, args: list[str], usage: str) -> str | None:
    if len(args) != 1:
        session.write_err(f"Usage: {usage}\n")
        return None
    return args[0]


def _help(session: ReplSession, args: list[str]) -> None:
    lines = ["Type Lua code to run it; an expression shows its value. Commands:"]
    width = max(len(c.usage) for c in COMMANDS)
    for c in COMMANDS:
        aliases = ", ".join(f".{name}" for name in c.names[1:])
        lines.append(
            f"  {c.usage.ljust(width)}  {c.summary}" + (f" ({aliases})" if aliases else "")
        )
    lines.append("Ctrl-C cancels unfinished input or stops a running one; Ctrl-D exits.")
    session.write_out("\n".join(lines) + "\n")


def _exit(session: ReplSession, args: list[str]) -> None:
    if args and not re.fullmatch(r"-?\d+", args[0]):
        session.write_err("Usage: .exit [CODE]\n")
        return
    session.exit_code = int(args[0]) if args else 0


def _vars(session: ReplSession, args: list[str]) -> None:
    variables = session.user_globals()
    if not variables:
        session.write_out("(no variables defined in this session)\n")
        return
    session.write_out("".join(f"{name} = {value}\n" for name, value in variables))


def _load(session: ReplSession, args: list[str]) -> None:
    path = _need(session, args, ".load FILE")
    if path is not None:
        session.load_file(path)


def _save(session: ReplSession, args: list[str]) -> None:
    path = _need(session, args, ".save FILE")
    if path is None:
        return
    stamp = datetime.now().isoformat(timespec="seconds")
    body = "".join(f"{chunk}\n" for chunk in session.executed)
    try:
        Path(path).write_text(f"-- llmspell repl session saved {stamp}\n{body}", encoding="utf-8")
    except OSError as exc:
        session.write_err(f"Cannot write {path}: {exc.strerror}\n")
        return
    count = len(session.executed)
    session.write_out(f"Saved {count} input{'' if count == 1 else 's'} to {path}\n")


def _clear(session: ReplSession, args: list[str]) -> None:
    if session.interactive:
        session.write_out("\033[H\033[2J")


def _reset(session: ReplSession, args: list[str]) -> None:
    session.reset()
    session.write_out("Session reset: a fresh runtime, no user globals.\n")


def _info(session: ReplSession, args: list[str]) -> None:
    from llmspell import __version__

    runtime, engine = session.runtime, session.engine
    loaded = runtime.loaded
    source = str(loaded.source) if loaded.source else "built-in defaults"
    if loaded.profile:
        source += f" (profile {loaded.profile})"
    limit = engine.memory_limit()
    timeout = engine.options.timeout_seconds
    rows = [
        ("llmspell", __version__),
        ("Lua", str(engine.get_global("_VERSION"))),
        ("Config", source),
        ("Security level", runtime.config.engines.lua.security_level),
        (
            "Memory",
            f"{_size(engine.memory_used())} used / "
            + (f"{_size(limit)} limit" if limit else "no limit"),
        ),
        ("Timeout", f"{timeout:g} s per input" if timeout else "none"),
    ]
    session.write_out("".join(f"{key}: {value}\n" for key, value in rows))


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    return f"{count / 1000:.1f} KB"


def _history(session: ReplSession, args: list[str]) -> None:
    count = int(args[0]) if args and args[0].isdigit() else 20
    entries = session.history.recent(count)
    session.write_out("".join(f"{number:5d}  {line}\n" for number, line in entries))


def _run(session: ReplSession, args: list[str]) -> None:
    if not args:
        session.write_err("Usage: .run FILE [ARGS...]\n")
        return
    session.run_spell(args[0], args[1:])


def _pwd(session: ReplSession, args: list[str]) -> None:
    session.write_out(os.getcwd() + "\n")


COMMANDS: tuple[MetaCommand, ...] = (
    MetaCommand(names=("help", "h", "?"), usage=".help", summary="show this help", handler=_help),
    MetaCommand(
        names=("exit", "quit", "q"), usage=".exit [CODE]", summary="leave the REPL", handler=_exit
    ),
    MetaCommand(
        names=("vars",), usage=".vars", summary="globals defined in this session", handler=_vars
    ),
    MetaCommand(
        names=("load",), usage=".load FILE", summary="run a Lua file in this session", handler=_load
    ),
    MetaCommand(
        names=("save",),
        usage=".save FILE",
        summary="write this session's successful inputs to FILE as a script",
        handler=_save,
    ),
    MetaCommand(
        names=("run",),
        usage=".run FILE [ARGS...]",
        summary="run a spell in this session with ARGS",
        handler=_run,
    ),
    MetaCommand(
        names=("reset",), usage=".reset", summary="start over with a fresh runtime", handler=_reset
    ),
    MetaCommand(
        names=("info",),
        usage=".info",
        summary="versions, config, security level, memory and timeout",
        handler=_info,
    ),
    MetaCommand(
        names=("history", "hist"),
        usage=".history [N]",
        summary="the last N inputs (default 20)",
        handler=_history,
    ),
    MetaCommand(names=("clear", "cls"), usage=".clear", summary="clear the screen", handler=_clear),
    MetaCommand(names=("pwd",), usage=".pwd", summary="show the working directory", handler=_pwd),
)

_BY_NAME: dict[str, MetaCommand] = {name: c for c in COMMANDS for name in c.names}
