"""`llmspell backup create|list|restore|validate|cleanup|delete`: backups of the State store.

These always work (they are explicit user commands); `runtime.state_persistence.backup_enabled`
only governs the `State.*backup*` functions of spells.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import emit_json
from llmspell.cli.state import open_store


def _line(b: dict[str, Any]) -> str:
    created = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(b["created_at"]))
    parent = f"  parent {b['parent_id']}" if b["parent_id"] else ""
    return (
        f"{b['id']}  {b['kind']:<11}  {created}  {b['entry_count']:>6} entries  "
        f"{b['size_bytes']:>9} bytes{parent}"
    )


@click.group()
def backup() -> None:
    """Create, list, restore and delete backups of the State store."""


@backup.command()
@click.option("--incremental", is_flag=True, help="Store only what changed since the last backup.")
@click.option(
    "-o",
    "--output-file",
    "output_file",
    type=click.Path(dir_okay=False),
    help="Write a standalone full backup to this file instead of the backup folder.",
)
@click.option("--label", help="A note stored with the backup.")
@click.pass_obj
def create(ctx: CliContext, incremental: bool, output_file: str | None, label: str | None) -> None:
    """Back up the State store (full, or incremental with --incremental)."""
    if incremental and output_file:
        raise click.UsageError("--incremental backups live in the backup folder; drop -o")
    with open_store(ctx) as store:
        info = store.backups.create(
            incremental=incremental, label=label, output=Path(output_file) if output_file else None
        )
    if ctx.output == "json":
        emit_json(info.as_dict())
    else:
        click.echo(_line(info.as_dict()))
        click.echo(f"Wrote {info.path}", err=True)


@backup.command(name="list")
@click.pass_obj
def list_(ctx: CliContext) -> None:
    """List the backups in the backup folder, oldest first."""
    with open_store(ctx) as store:
        backups = [b.as_dict() for b in store.backups.list()]
        folder = store.backups.directory
    if ctx.output == "json":
        emit_json({"directory": str(folder), "backups": backups})
    elif not backups:
        click.echo(f"No backups in {folder}", err=True)
    else:
        click.echo("\n".join(_line(b) for b in backups))


@backup.command()
@click.argument("backup_ref", metavar="ID_OR_FILE")
@click.pass_obj
def restore(ctx: CliContext, backup_ref: str) -> None:
    """Replace the State store with a backup's contents (its whole chain)."""
    with open_store(ctx) as store:
        result = store.backups.restore(backup_ref)
    if ctx.output == "json":
        emit_json(result)
    else:
        chain = " -> ".join(result["chain"])
        click.echo(f"Restored {result['entries_restored']} entries from {chain}")


@backup.command()
@click.argument("backup_ref", metavar="ID_OR_FILE")
@click.pass_obj
def validate(ctx: CliContext, backup_ref: str) -> None:
    """Check a backup's checksums and data (and those of the backups it builds on)."""
    with open_store(ctx) as store:
        report = store.backups.validate(backup_ref)
    if ctx.output == "json":
        emit_json(report)
    elif report["is_valid"]:
        click.echo(f"valid: {' -> '.join(report['chain'])}")
    else:
        click.echo("invalid:\n" + "\n".join(f"  {e}" for e in report["errors"]))
    if not report["is_valid"]:
        raise click.exceptions.Exit(1)


@backup.command()
@click.option("--dry-run", is_flag=True, help="Only say which backups would be removed.")
@click.option("--keep", type=click.IntRange(min=1), help="Keep this many (default: max_backups).")
@click.pass_obj
def cleanup(ctx: CliContext, dry_run: bool, keep: int | None) -> None:
    """Remove backups past `max_backups` or older than `max_backup_age`."""
    with open_store(ctx) as store:
        result = store.backups.cleanup(dry_run=dry_run, keep=keep)
    if ctx.output == "json":
        emit_json(result)
    else:
        removed = result["removed"]
        verb = "Would remove" if dry_run else "Removed"
        click.echo(
            f"{verb} {len(removed)} backups" + (f": {', '.join(removed)}" if removed else "")
        )


@backup.command()
@click.argument("backup_id", metavar="ID")
@click.option(
    "--with-dependents", is_flag=True, help="Also delete incremental backups built on it."
)
@click.pass_obj
def delete(ctx: CliContext, backup_id: str, with_dependents: bool) -> None:
    """Delete a backup from the backup folder."""
    with open_store(ctx) as store:
        removed = store.backups.delete(backup_id, with_dependents=with_dependents)
    if ctx.output == "json":
        emit_json({"status": "ok", "removed": removed})
    else:
        click.echo(f"Deleted {', '.join(removed)}", err=True)
