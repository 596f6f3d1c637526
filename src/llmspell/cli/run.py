"""`llmspell run` and `llmspell exec`: run a spell from a file or from the command line."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click

from llmspell.cli.context import CliContext, engine_option
from llmspell.cli.output import (
    emit_json,
    error_document,
    jsonable,
    render_error,
    render_value,
    script_value,
)
from llmspell.core.errors import LLMSpellError, ScriptExit
from llmspell.core.output import CaptureSink, ConsoleSink
from llmspell.core.signals import sigint_calls
from llmspell.runtime import Runtime

_PASS_THROUGH = {"ignore_unknown_options": True, "allow_interspersed_args": False}


class _StdoutCapture(CaptureSink):
    """JSON mode: stdout goes into the document; stderr (logs, io.stderr) still reaches stderr."""

    def write_stderr(self, text: str) -> None:
        ConsoleSink().write_stderr(text)


def _execute(ctx: CliContext, call: Callable[[Runtime], list[Any]]) -> None:
    if ctx.output == "json":
        _execute_json(ctx, call)
        return
    with ctx.runtime() as runtime, sigint_calls(runtime.interrupt):
        values = call(runtime)
    result = script_value(values)
    if ctx.output == "pretty" and result is not None:
        render_value(result, ctx.output)


def _execute_json(ctx: CliContext, call: Callable[[Runtime], list[Any]]) -> None:
    """One JSON document on stdout, whatever happens; printed output is captured into it."""
    sink = _StdoutCapture()
    started = time.perf_counter()
    document: dict[str, Any]
    exit_code = 0
    with ctx.runtime(sink=sink) as runtime, sigint_calls(runtime.interrupt):
        try:
            document = {"status": "success", "result": jsonable(script_value(call(runtime)))}
        except ScriptExit as exc:
            document = {"status": "exit", "exit_code": exc.code}
            exit_code = exc.code
        except LLMSpellError as exc:
            document = error_document(exc)
            exit_code = exc.exit_code
            render_error(exc, "text")
        except KeyboardInterrupt:
            document = {"status": "interrupted"}
            exit_code = 130
            click.echo("Interrupted.", err=True)
    document["output"] = sink.stdout_text
    document["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
    emit_json(document)
    if exit_code:
        raise click.exceptions.Exit(exit_code)


@click.command(context_settings=_PASS_THROUGH)
@click.argument("script", type=click.Path(dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@engine_option
@click.pass_obj
def run(ctx: CliContext, script: str, args: tuple[str, ...], engine: str) -> None:
    """Run a spell file; arguments after the script (or after --) become ARGS and arg.

    \b
    llmspell run spell.lua -- --input notes.md --verbose first second
    """
    argv = list(args)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    _execute(ctx, lambda runtime: runtime.run_file(script, argv))


@click.command(name="exec", context_settings=_PASS_THROUGH)
@click.argument("code")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@engine_option
@click.pass_obj
def exec_(ctx: CliContext, code: str, args: tuple[str, ...], engine: str) -> None:
    """Run Lua code given on the command line.

    \b
    llmspell exec 'print(JSON.stringify({1, 2, 3}))'
    """
    argv = list(args)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    _execute(ctx, lambda runtime: runtime.run_code(code, argv=argv))
