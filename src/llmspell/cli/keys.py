"""`llmspell keys add|list|remove`: API keys in the llmspell home (mode 0600), never shown whole."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import emit_json
from llmspell.core.errors import UsageError

if TYPE_CHECKING:
    from llmspell.providers import KeyStore

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@click.group()
def keys() -> None:
    """Store, list and remove provider API keys."""


def _home() -> Path:
    from llmspell.config import llmspell_home

    return llmspell_home()


def _store() -> KeyStore:
    from llmspell.providers import KeyStore

    return KeyStore(_home())


def _read_key(provider: str) -> str:
    if sys.stdin.isatty():
        return str(click.prompt(f"API key for {provider}", hide_input=True, err=True))
    return sys.stdin.read()


@keys.command()
@click.argument("provider")
@click.argument("key", required=False)
@click.pass_obj
def add(ctx: CliContext, provider: str, key: str | None) -> None:
    """Store PROVIDER's API key; without KEY it is read from stdin or a hidden prompt.

    Prefer the prompt or stdin: a key typed on the command line lands in the shell history.
    """
    from llmspell.providers.keys import mask

    if not _NAME.fullmatch(provider):
        raise UsageError(f"{provider!r} is not a provider name (letters, digits, `-`, `_`, `.`)")
    value = (key if key is not None else _read_key(provider)).strip()
    if not value:
        raise UsageError(f"No key given for {provider!r}: pass it, pipe it on stdin or type it")
    if any(ch.isspace() for ch in value):
        raise UsageError(f"The key for {provider!r} contains whitespace; paste the key alone")
    store = _store()
    store.set(provider, value)
    if ctx.output == "json":
        emit_json(
            {"status": "ok", "provider": provider, "key": mask(value), "path": str(store.path)}
        )
    else:
        click.echo(f"Stored the key for {provider} ({mask(value)}) in {store.path}", err=True)


@keys.command(name="list")
@click.pass_obj
def list_(ctx: CliContext) -> None:
    """List the providers that have a key, where each key comes from, and its masked form."""
    from llmspell.providers import ProviderRegistry
    from llmspell.providers.vendors import VENDORS

    config = ctx.load().config.providers
    registry = ProviderRegistry(config, home=_home())
    names = [*config.providers, *VENDORS, *registry.keys.load()]
    rows = []
    for name in dict.fromkeys(names):
        found = registry.find_key(name)
        if found is not None:
            rows.append({"provider": name, "source": found.source, "key": found.masked})
    if ctx.output == "json":
        emit_json({"keys": rows, "path": str(registry.keys.path)})
        return
    if not rows:
        click.echo("No API keys found. Add one with `llmspell keys add <provider>`.", err=True)
        return
    width = max(len("PROVIDER"), *(len(r["provider"]) for r in rows))
    source_width = max(len("SOURCE"), *(len(r["source"]) for r in rows))
    click.echo(f"{'PROVIDER'.ljust(width)}  {'SOURCE'.ljust(source_width)}  KEY")
    for row in rows:
        click.echo(
            f"{row['provider'].ljust(width)}  {row['source'].ljust(source_width)}  {row['key']}"
        )


@keys.command()
@click.argument("provider")
@click.pass_obj
def remove(ctx: CliContext, provider: str) -> None:
    """Delete PROVIDER's key from the key store (keys from the environment stay)."""
    store = _store()
    if not store.remove(provider):
        raise UsageError(
            f"No stored key for {provider!r} in {store.path}; see `llmspell keys list`"
        )
    if ctx.output == "json":
        emit_json({"status": "ok", "provider": provider, "removed": True})
    else:
        click.echo(f"Removed the key for {provider} from {store.path}", err=True)
