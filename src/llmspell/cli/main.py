"""The `llmspell` command: root group, global flags, lazy subcommands, errors to exit codes."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any

import click

from llmspell.cli.context import CliContext
from llmspell.core.errors import LLMSpellError, ScriptExit

COMMANDS: dict[str, str] = {
    "run": "llmspell.cli.run:run",
    "exec": "llmspell.cli.run:exec_",
    "repl": "llmspell.cli.repl:repl",
    "validate": "llmspell.cli.config:validate",
    "config": "llmspell.cli.config:config",
    "version": "llmspell.cli.version:version",
    "state": "llmspell.cli.state:state",
    "session": "llmspell.cli.session:session",
    "backup": "llmspell.cli.backup:backup",
    "tool": "llmspell.cli.tool:tool",
    "keys": "llmspell.cli.keys:keys",
    "metrics": "llmspell.cli.metrics:metrics",
    "rag": "llmspell.cli.rag:rag",
}

TRACE_LEVELS = ["off", "error", "warn", "info", "debug", "trace"]


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand runs (fast start-up)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="LLMSPELL_CONFIG",
    show_envvar=True,
    help="Configuration file (default: discovered, see `llmspell config show`).",
)
@click.option(
    "-p",
    "--profile",
    envvar="LLMSPELL_PROFILE",
    show_envvar=True,
    help="Built-in configuration profile (see `llmspell config profiles`).",
)
@click.option(
    "--trace",
    type=click.Choice(TRACE_LEVELS, case_sensitive=False),
    envvar="LLMSPELL_TRACE",
    show_envvar=True,
    help="Log level of llmspell's own log, written to stderr "
    "(default: `logging.level` from the configuration, else warn).",
)
@click.option(
    "--output",
    type=click.Choice(["text", "json", "pretty"], case_sensitive=False),
    default="text",
    show_default=True,
    help="How results are printed on stdout.",
)
@click.option(
    "--engine",
    type=click.Choice(["lua"], case_sensitive=False),
    default="lua",
    show_default=True,
    envvar="LLMSPELL_ENGINE",
    show_envvar=True,
    help="Script engine for run, exec and repl.",
)
@click.version_option(package_name="llmspell", prog_name="llmspell", message="%(prog)s %(version)s")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    profile: str | None,
    trace: str | None,
    output: str,
    engine: str,
) -> None:
    """llmspell: script LLM applications in Lua.

    A spell is a Lua file with Agent, Tool, Workflow, State, RAG and more pre-loaded.

    \b
    llmspell run spell.lua -- --input notes.md
    llmspell exec 'print(JSON.stringify({hello = "world"}))'
    llmspell repl
    """
    configure_logging(trace or "warn")
    ctx.obj = CliContext(
        config_path=config_path,
        profile=profile,
        trace=trace.lower() if trace else None,
        output=output.lower(),
        engine=engine.lower(),
    )


def configure_logging(trace: str) -> None:
    """Send llmspell's log to stderr at the `--trace` level."""
    root = logging.getLogger("llmspell")
    level = {
        "off": logging.CRITICAL + 10,
        "error": logging.ERROR,
        "warn": logging.WARNING,
        "info": logging.INFO,
        "debug": logging.DEBUG,
        "trace": 5,
    }[trace.lower()]
    root.setLevel(level)
    if not any(getattr(h, "_llmspell", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._llmspell = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.propagate = False


def _report(exc: BaseException, output: str) -> None:
    from llmspell.cli.output import render_error

    render_error(exc, output)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: runs the CLI and maps every failure to an exit code (0, 1, 2)."""
    args = list(sys.argv[1:] if argv is None else argv)
    output = _output_mode(args)
    try:
        code = cli.main(args=args, prog_name="llmspell", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("Interrupted.", err=True)
        return 130
    except ScriptExit as exc:
        return exc.code
    except LLMSpellError as exc:
        _report(exc, output)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:
        logging.getLogger("llmspell").debug("unexpected error", exc_info=True)
        _report(exc, output)
        return 1
    return code if isinstance(code, int) else 0


def _output_mode(args: list[str]) -> str:
    """The root `--output` value, read ahead of click so errors before parsing can honour it.

    Only the global options before the subcommand count: after it, `--output` belongs to the
    subcommand or to the spell (`llmspell run x.lua --output json` passes it to the spell).
    """
    takes_value = {
        name
        for param in cli.params
        if isinstance(param, click.Option) and not param.is_flag
        for name in param.opts
    }
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--output="):
            return arg.split("=", 1)[1].lower()
        if arg == "--output":
            return args[i + 1].lower() if i + 1 < len(args) else "text"
        if arg == "--" or not arg.startswith("-"):
            break
        i += 2 if arg in takes_value else 1
    return "text"


def run() -> Any:
    sys.exit(main())


if __name__ == "__main__":
    run()
