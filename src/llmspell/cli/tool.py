"""`llmspell tool list|info|invoke|search|test`."""

from __future__ import annotations

import json
from typing import Any

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import emit_json, jsonable
from llmspell.core.errors import UsageError


@click.group()
def tool() -> None:
    """List, inspect and run tools."""


def _table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {c: max([len(c), *(len(str(r.get(c, ""))) for r in rows)]) for c in columns}
    widths[columns[-1]] = 0
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        click.echo("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns).rstrip())


@tool.command(name="list")
@click.option("--category", help="Only tools of this category.")
@click.pass_obj
def list_(ctx: CliContext, category: str | None) -> None:
    """List every tool with its category and security level."""
    with ctx.runtime() as runtime:
        infos = runtime.tools.discover(category=category)
    rows = [info.as_dict() for info in infos]
    if ctx.output == "json":
        emit_json({"tools": rows})
        return
    _table(rows, ["name", "category", "security_level", "description"])


@tool.command()
@click.argument("name")
@click.option("--show-schema", is_flag=True, help="Print the full JSON Schema of the parameters.")
@click.pass_obj
def info(ctx: CliContext, name: str, show_schema: bool) -> None:
    """Show a tool's description, parameters and result keys."""
    with ctx.runtime() as runtime:
        registry = runtime.tools
        meta = registry.info(name).as_dict()
        tool_obj = registry.get(name)
        schema = tool_obj.parameters_schema()
    meta["parameters"] = schema
    meta["result_keys"] = dict(getattr(tool_obj, "result_keys", {}) or {})
    if ctx.output == "json":
        emit_json(meta)
        return
    click.echo(f"{meta['name']} ({meta['category']}, security: {meta['security_level']})")
    click.echo(f"  {meta['description']}")
    required = set(schema.get("required", []))
    click.echo("parameters:")
    for pname, spec in schema.get("properties", {}).items():
        kind = spec.get("type") or "/".join(
            s.get("type", "?") for s in spec.get("anyOf", []) if s.get("type") != "null"
        )
        if "enum" in spec:
            kind = " | ".join(str(v) for v in spec["enum"])
        flag = " (required)" if pname in required else ""
        default = f" [default: {spec['default']}]" if spec.get("default") is not None else ""
        click.echo(f"  {pname}: {kind}{flag}{default}  {spec.get('description', '')}".rstrip())
    if meta["result_keys"]:
        click.echo("result keys:")
        for op, keys in meta["result_keys"].items():
            click.echo(f"  {op}: {keys}")
    if show_schema:
        click.echo(json.dumps(schema, indent=2))


def _parse_params(text: str | None, pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if text:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"--params is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
            ) from None
        if not isinstance(loaded, dict):
            raise UsageError('--params must be a JSON object, e.g. \'{"operation": "generate"}\'')
        params.update(loaded)
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise UsageError(f"-P expects KEY=VALUE, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


@tool.command()
@click.argument("name")
@click.option("--params", "params_json", help="Parameters as a JSON object.")
@click.option(
    "-P", "--param", "pairs", multiple=True, help="One parameter as KEY=VALUE (JSON or text)."
)
@click.pass_obj
def invoke(ctx: CliContext, name: str, params_json: str | None, pairs: tuple[str, ...]) -> None:
    """Run a tool once and print its result.

    \b
    llmspell tool invoke uuid_generator
    llmspell tool invoke calculator --params '{"input": "2 + 2 * 3"}'
    llmspell tool invoke hash_calculator -P operation=hash -P input=hello
    """
    params = _parse_params(params_json, pairs)
    with ctx.runtime() as runtime:
        result = runtime.tools.invoke(name, params).to_dict()
    if ctx.output == "json":
        emit_json(jsonable(result))
    elif ctx.output == "pretty":
        from llmspell.cli.output import render_value

        render_value(result, "pretty")
    else:
        click.echo(result["text"])


@tool.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--category", help="Only tools of this category.")
@click.pass_obj
def search(ctx: CliContext, words: tuple[str, ...], category: str | None) -> None:
    """Find tools whose name, description or tags contain every word."""
    with ctx.runtime() as runtime:
        found = [i for i in runtime.tools.search(words) if not category or i.category == category]
    rows = [info.as_dict() for info in found]
    if ctx.output == "json":
        emit_json({"tools": rows})
        return
    if not rows:
        click.echo(f"no tool matches {' '.join(words)!r}", err=True)
        return
    _table(rows, ["name", "category", "description"])


@tool.command()
@click.argument("name")
@click.option("-v", "--verbose", is_flag=True, help="Show each check's result.")
@click.pass_obj
def test(ctx: CliContext, name: str, verbose: bool) -> None:
    """Check a tool: it loads, its schema is valid JSON Schema, and its self-test passes."""
    from llmspell.tools.selftest import run_selftest

    with ctx.runtime() as runtime:
        checks = run_selftest(runtime.tools, name)
    failed = [c for c in checks if not c.ok]
    if ctx.output == "json":
        emit_json({"tool": name, "ok": not failed, "checks": [c.as_dict() for c in checks]})
    else:
        for check in checks:
            if verbose or not check.ok:
                mark = "ok  " if check.ok else "FAIL"
                click.echo(f"{mark} {check.name}: {check.detail}")
        click.echo(f"{name}: {'all checks passed' if not failed else f'{len(failed)} failed'}")
    if failed:
        raise click.exceptions.Exit(1)
