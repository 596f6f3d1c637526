"""`llmspell version`."""

from __future__ import annotations

import platform
import sys

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import render_value


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Also show Lua, Python and platform.")
@click.option("--short", is_flag=True, help="Only the version number.")
@click.pass_obj
def version(ctx: CliContext, verbose: bool, short: bool) -> None:
    """Show the llmspell version."""
    from llmspell import __version__

    if short:
        click.echo(__version__)
        return
    info: dict[str, str] = {"llmspell": __version__}
    if verbose or ctx.output != "text":
        from importlib.metadata import version as dist_version

        import lupa.lua54

        info.update(
            lua=str(lupa.lua54.LuaRuntime().lua_implementation),
            lupa=dist_version("lupa"),
            python=sys.version.split()[0],
            platform=platform.platform(),
        )
    if ctx.output == "text":
        for key, value in info.items():
            click.echo(f"{key} {value}" if key != "llmspell" else f"llmspell {value}")
        return
    render_value(info, ctx.output)
