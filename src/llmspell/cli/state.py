"""`llmspell state show|set|delete|clear|export|import`: the store spells use, from the shell."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import emit_json, jsonable, render_value

if TYPE_CHECKING:
    from llmspell.state import StateStore

_KEY = "runtime.state_persistence"
scope_option = click.option(
    "-s", "--scope", help="Scope of the key: global (default), user, session, agent, ..."
)


@contextmanager
def open_store(ctx: CliContext) -> Iterator[StateStore]:
    """The persistent store of the current config; refused when it would not persist."""
    from llmspell.core.errors import ConfigError

    cfg = ctx.load().config.runtime.state_persistence
    if not cfg.enabled:
        raise ConfigError("state persistence is off, so there is no store", key=f"{_KEY}.enabled")
    if cfg.backend_type == "memory":
        raise ConfigError(
            "the memory backend keeps nothing between processes; use sqlite",
            key=f"{_KEY}.backend_type",
        )
    with ctx.runtime() as runtime:
        yield runtime.state


def _done(ctx: CliContext, message: str, **document: Any) -> None:
    if ctx.output == "json":
        emit_json({"status": "ok", **document})
    else:
        click.echo(message, err=True)


@click.group()
def state() -> None:
    """Show, set, delete, export and import State (the store spells use)."""


@state.command()
@click.argument("key", required=False)
@scope_option
@click.pass_obj
def show(ctx: CliContext, key: str | None, scope: str | None) -> None:
    """Show a key's value as JSON, or list the keys of a scope (of every scope without one)."""
    if key is None:
        with open_store(ctx) as store:
            listing = {name: store.list_keys(name) for name in [scope] if scope} or {
                name: store.list_keys(name) for name in store.list_scopes()
            }
        if ctx.output == "json":
            emit_json({"scopes": listing})
        else:
            click.echo(
                "".join(f"{name}:{k}\n" for name, keys in listing.items() for k in keys), nl=False
            )
        return
    from llmspell.core.errors import StateError

    scope = scope or "global"
    with open_store(ctx) as store:
        if not store.exists(scope, key):
            raise StateError(f"No key {key!r} in scope {scope!r}; see `llmspell state show`.")
        value = store.load(scope, key)
    if ctx.output == "json":
        emit_json({"scope": scope, "key": key, "value": jsonable(value)})
    elif ctx.output == "pretty":
        render_value(value, "pretty")
    else:
        indent = 2 if isinstance(value, dict | list) else None
        click.echo(json.dumps(jsonable(value), indent=indent, ensure_ascii=False))


@state.command(name="set")
@click.argument("key")
@click.argument("value")
@scope_option
@click.option("--json", "as_json", is_flag=True, help="Parse VALUE as JSON (else: a string).")
@click.option("--ttl", type=float, help="Expire the key after this many seconds.")
@click.pass_obj
def set_(
    ctx: CliContext, key: str, value: str, scope: str | None, as_json: bool, ttl: float | None
) -> None:
    """Set KEY to VALUE."""
    parsed: Any = value
    if as_json:
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise click.BadParameter(f"not valid JSON ({exc})", param_hint="VALUE") from None
    scope = scope or "global"
    with open_store(ctx) as store:
        store.save(scope, key, parsed, ttl=ttl)
    _done(ctx, f"Set {scope}:{key}", scope=scope, key=key)


def _delete(ctx: CliContext, key: str, scope: str | None) -> None:
    from llmspell.core.errors import StateError

    scope = scope or "global"
    with open_store(ctx) as store:
        if not store.delete(scope, key):
            raise StateError(f"No key {key!r} in scope {scope!r}; nothing was deleted.")
    _done(ctx, f"Deleted {scope}:{key}", scope=scope, key=key)


@state.command()
@click.argument("key")
@scope_option
@click.pass_obj
def delete(ctx: CliContext, key: str, scope: str | None) -> None:
    """Delete KEY."""
    _delete(ctx, key, scope)


@state.command()
@click.argument("key", required=False)
@scope_option
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def clear(ctx: CliContext, key: str | None, scope: str | None, yes: bool) -> None:
    """Delete every key of a scope (of every scope without --scope), or just KEY."""
    if key is not None:
        _delete(ctx, key, scope)
        return
    with open_store(ctx) as store:
        count = len(store.entries(scope))
        where = f"scope {scope!r}" if scope else "every scope"
        if count and not yes:
            if not sys.stdin.isatty():
                raise click.UsageError(f"refusing to delete {count} keys in {where} without --yes")
            click.confirm(f"Delete {count} keys in {where}?", abort=True, err=True)
        cleared = store.clear(scope)
    _done(ctx, f"Cleared {cleared} keys in {where}", cleared=cleared, scope=scope)


def _format(path: str, fmt: str | None) -> Any:
    if fmt:
        return fmt
    return "toml" if path.lower().endswith(".toml") else "json"


@state.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@scope_option
@click.option(
    "--format", "fmt", type=click.Choice(["json", "toml"]), help="File format (default: by suffix)."
)
@click.pass_obj
def export(ctx: CliContext, file: str, scope: str | None, fmt: str | None) -> None:
    """Write every key (or one scope's) to FILE (- for stdout)."""
    from llmspell.state.transfer import export_text

    with open_store(ctx) as store:
        text, count = export_text(store, scope=scope, fmt=_format(file, fmt))
    if file == "-":
        click.echo(text, nl=False)
        return
    target = Path(file)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise click.FileError(file, hint=exc.strerror or str(exc)) from exc
    _done(ctx, f"Exported {count} entries to {file}", exported=count, file=file)


@state.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--merge", is_flag=True, help="Keep existing keys the file does not mention.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "toml"]), help="File format (default: by suffix)."
)
@click.pass_obj
def import_(ctx: CliContext, file: str, merge: bool, fmt: str | None) -> None:
    """Load FILE (as written by export); without --merge it replaces what the file covers."""
    from llmspell.state.transfer import apply_import, parse_import

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.FileError(file, hint=str(exc)) from exc
    with open_store(ctx) as store:
        plan = parse_import(
            text, fmt=_format(file, fmt), source=file, max_value_bytes=store.max_value_bytes
        )
        done = apply_import(store, plan, merge=merge)
    verb = "Merged" if merge else "Imported"
    _done(ctx, f"{verb} {done['imported']} entries from {file}", **done)
