"""`llmspell config init|validate|show|profiles` and top-level `llmspell validate`."""

from __future__ import annotations

from pathlib import Path

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import emit_json, render_value


@click.group()
def config() -> None:
    """Create, check and show llmspell configuration."""


@config.command()
@click.option(
    "-o",
    "--output-file",
    "output_file",
    type=click.Path(dir_okay=False),
    default="llmspell.toml",
    show_default=True,
    help="Where to write the file.",
)
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing file.")
def init(output_file: str, force: bool) -> None:
    """Write a complete, commented default llmspell.toml."""
    from llmspell.config import default_config_toml

    target = Path(output_file)
    if target.exists() and not force:
        raise click.UsageError(f"{target} already exists; pass --force to overwrite it.")
    text = default_config_toml()
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise click.FileError(str(target), hint=exc.strerror or str(exc)) from exc
    click.echo(f"Wrote {target}", err=True)


def _validate(ctx: CliContext, file: str | None, script: str | None) -> None:
    from llmspell.config import load_config

    loaded = load_config(file, profile=ctx.profile) if file else ctx.load()
    if file:
        for warning in loaded.warnings:
            click.echo(f"warning: {warning}", err=True)
    checked = [str(loaded.source) if loaded.source else "built-in defaults"]
    if script:
        from llmspell.core.errors import ScriptError
        from llmspell.runtime import Runtime

        try:
            code = Path(script).read_bytes()
        except OSError as exc:
            raise ScriptError(f"Script file not found: {script}") from exc
        with Runtime(loaded) as runtime:
            runtime.engine(Path(script).resolve().parent).compile(code, f"@{script}")
        checked.append(script)
    if ctx.output == "json":
        emit_json({"status": "valid", "checked": checked, "warnings": list(loaded.warnings)})
    else:
        click.echo(f"valid: {', '.join(checked)}")


@config.command(name="validate")
@click.option(
    "-f", "--file", type=click.Path(dir_okay=False, exists=True), help="Config file to check."
)
@click.pass_obj
def config_validate(ctx: CliContext, file: str | None) -> None:
    """Check a config file: exit 0 when valid, 2 with the file and key when not."""
    _validate(ctx, file, None)


@click.command()
@click.argument("script", required=False, type=click.Path(dir_okay=False))
@click.pass_obj
def validate(ctx: CliContext, script: str | None) -> None:
    """Check the configuration and, given a spell, that it compiles."""
    _validate(ctx, None, script)


@config.command()
@click.argument("section", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["toml", "json"]),
    default="toml",
    show_default=True,
    help="Output format (`--output json` also selects JSON).",
)
@click.pass_obj
def show(ctx: CliContext, section: str | None, fmt: str) -> None:
    """Show the effective configuration (or one section), secrets redacted."""
    from llmspell.config import config_to_dict, config_to_toml, get_path
    from llmspell.config.section import Section
    from llmspell.core.errors import ConfigError

    loaded = ctx.load()
    node: object = loaded.config
    if section:
        try:
            node = get_path(loaded.config, section)
        except KeyError as exc:
            raise ConfigError(str(exc.args[0])) from None
    source = str(loaded.source) if loaded.source else "built-in defaults"
    click.echo(
        f"# source: {source}" + (f", profile: {loaded.profile}" if loaded.profile else ""), err=True
    )
    if ctx.output == "json" or fmt == "json":
        data = config_to_dict(node) if isinstance(node, Section) else node
        emit_json(data if isinstance(data, dict) else {section or "value": data})
    elif isinstance(node, Section):
        click.echo(config_to_toml(node), nl=False)
    else:
        render_value(node, "text")


@config.command()
@click.pass_obj
def profiles(ctx: CliContext) -> None:
    """List the built-in profiles usable with -p/--profile."""
    from llmspell.config import list_profiles, profile_summary

    names = list_profiles()
    if ctx.output == "json":
        emit_json({name: profile_summary(name) for name in names})
        return
    width = max(len(n) for n in names)
    for name in names:
        click.echo(f"{name.ljust(width)}  {profile_summary(name)}")
