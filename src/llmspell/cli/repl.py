"""`llmspell repl`: an interactive Lua session with llmspell's globals loaded."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from llmspell.cli.context import CliContext, engine_option

HISTORY_FILE = "repl_history"


@click.command()
@engine_option
@click.option(
    "--history",
    "history_path",
    type=click.Path(dir_okay=False),
    help=f"History file (default: <llmspell home>/{HISTORY_FILE}).",
)
@click.option("--no-history", is_flag=True, help="Neither read nor write a history file.")
@click.pass_obj
def repl(ctx: CliContext, engine: str, history_path: str | None, no_history: bool) -> None:
    """Start an interactive Lua session; globals persist between inputs.

    An expression shows its value; `.help` lists the meta commands. Off a terminal, lines are
    read from stdin without prompts, so a session can be piped in.

    \b
    llmspell repl
    printf 'x = 41\\nx + 1\\n' | llmspell repl --no-history
    """
    from llmspell.config import llmspell_home
    from llmspell.core.output import ConsoleSink
    from llmspell.repl import History, ReplSession, run_console

    loaded = ctx.load()
    path: Path | None = None
    if history_path and not no_history:
        path = Path(history_path)
    elif not no_history:
        path = (loaded.home or llmspell_home()) / HISTORY_FILE
    interactive = sys.stdin.isatty()
    session = ReplSession(
        ctx.runtime, sink=ConsoleSink(), history=History.open(path), interactive=interactive
    )
    with session:
        code = run_console(session, interactive=interactive)
    if code:
        raise click.exceptions.Exit(code)
