"""`llmspell metrics`: the metric totals spells persisted (State scope "metrics") across runs."""

from __future__ import annotations

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import emit_json, jsonable


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["prometheus", "json"], case_sensitive=False),
    default=None,
    help="Prometheus text format 0.0.4 (default), or JSON (also with the root --output json).",
)
@click.pass_obj
def metrics(ctx: CliContext, fmt: str | None) -> None:
    """Print the metric totals persisted by earlier runs."""
    from llmspell.metrics import load_totals, render_prometheus

    with ctx.runtime() as runtime:
        totals = load_totals(runtime.state)
    fmt = (fmt or ("json" if ctx.output in ("json", "pretty") else "prometheus")).lower()
    if fmt == "json" or ctx.output == "json":
        emit_json({"status": "ok", "metrics": jsonable(totals.snapshot())})
    else:
        click.echo(render_prometheus(totals), nl=False)
