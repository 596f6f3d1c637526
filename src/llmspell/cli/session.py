"""`llmspell session list|show|delete|export`: the session store that spells write to."""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import emit_json
from llmspell.sessions import STATUSES, ArtifactRef

if TYPE_CHECKING:
    from llmspell.sessions import ArtifactInfo, SessionInfo, SessionManager

log = logging.getLogger("llmspell.sessions")
EXPORT_FORMAT = "llmspell.session-export"


class SessionIdType(click.ParamType):
    name = "SESSION_ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            self.fail(f"Invalid session ID: {value!r} (see `llmspell session list`)", param, ctx)


SESSION_ID = SessionIdType()


@contextmanager
def _sessions(ctx: CliContext) -> Iterator[SessionManager]:
    with ctx.runtime() as runtime:
        if runtime.config.runtime.sessions.storage_backend == "memory":
            log.warning(
                '`runtime.sessions.storage_backend` is "memory": sessions are not persisted, '
                "so this command sees none"
            )
        yield runtime.sessions


@click.group()
def session() -> None:
    """List, show, delete and export sessions and their artifacts."""


@session.command(name="list")
@click.option("--status", type=click.Choice(STATUSES), help="Only sessions with this status.")
@click.option(
    "--tag", "tags", multiple=True, help="Only sessions with this tag (repeatable: all must match)."
)
@click.option(
    "--detailed", is_flag=True, help="Show description, tags, metadata and times as well."
)
@click.pass_obj
def list_(ctx: CliContext, status: str | None, tags: tuple[str, ...], detailed: bool) -> None:
    """List sessions, oldest first."""
    with _sessions(ctx) as sessions:
        found = sessions.list(status=status, tags=list(tags))
    if ctx.output == "json":
        emit_json({"sessions": [info.as_dict() for info in found]})
        return
    if not found:
        click.echo("No sessions.", err=True)
        return
    if detailed:
        for info in found:
            click.echo(_describe(info))
        return
    rows = [(i.id, i.status, str(i.artifact_count), i.created_at[:19], i.name or "") for i in found]
    _table(("ID", "STATUS", "ARTIFACTS", "CREATED", "NAME"), rows)


@session.command()
@click.argument("session_id", type=SESSION_ID)
@click.pass_obj
def show(ctx: CliContext, session_id: str) -> None:
    """Show one session's metadata and its artifacts."""
    with _sessions(ctx) as sessions:
        info = sessions.get(session_id)
        artifacts = sessions.artifacts.list(session_id)
    if ctx.output == "json":
        emit_json({"session": info.as_dict(), "artifacts": [a.as_dict() for a in artifacts]})
        return
    click.echo(_describe(info).rstrip("\n"))
    if artifacts:
        click.echo("")
        rows = [_artifact_row(a) for a in artifacts]
        _table(("SEQ", "NAME", "VERSION", "TYPE", "MIME", "SIZE", "CREATED"), rows)


@session.command()
@click.argument("session_id", type=SESSION_ID, required=False)
@click.option("--all", "all_", is_flag=True, help="Delete every session.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before deleting every session.")
@click.pass_obj
def delete(ctx: CliContext, session_id: str | None, all_: bool, yes: bool) -> None:
    """Delete a session (or, with --all, every session) and its artifacts."""
    if bool(session_id) == all_:
        raise click.UsageError("give either a SESSION_ID or --all")
    deleted: list[dict[str, Any]] = []
    with _sessions(ctx) as sessions:
        targets = [session_id] if session_id else [info.id for info in sessions.list()]
        if all_ and targets and not yes:
            if not click.get_text_stream("stdin").isatty():
                raise click.UsageError("pass --yes to delete every session without a prompt")
            click.confirm(
                f"Delete all {len(targets)} sessions and their artifacts?", abort=True, err=True
            )
        for target in targets:
            deleted.append({"id": target, "artifacts": sessions.delete(target)})
    if ctx.output == "json":
        emit_json({"deleted": deleted})
        return
    for item in deleted:
        click.echo(f"Deleted session {item['id']} ({item['artifacts']} artifacts)")
    if not deleted:
        click.echo("No sessions to delete.", err=True)


@session.command()
@click.argument("session_id", type=SESSION_ID)
@click.option(
    "-o",
    "--output-file",
    "output_file",
    type=click.Path(dir_okay=False),
    help="Write the export here (atomically) instead of to stdout.",
)
@click.pass_obj
def export(ctx: CliContext, session_id: str, output_file: str | None) -> None:
    """Export a session, its artifacts' metadata and their content (base64) as JSON."""
    with _sessions(ctx) as sessions:
        info = sessions.get(session_id)
        artifacts = []
        for meta in sessions.artifacts.list(session_id):
            found = sessions.artifacts.get(session_id, ArtifactRef(sequence=meta.sequence))
            entry = found.info.as_dict()
            entry["content_base64"] = base64.b64encode(found.content).decode("ascii")
            artifacts.append(entry)
    document = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "exported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "session": info.as_dict(),
        "artifacts": artifacts,
    }
    if output_file is None:
        indent = None if ctx.output == "json" else 2
        click.echo(json.dumps(document, indent=indent, ensure_ascii=False))
        return
    _write_atomically(Path(output_file), json.dumps(document, indent=2, ensure_ascii=False))
    if ctx.output == "json":
        emit_json(
            {
                "status": "exported",
                "file": output_file,
                "session_id": info.id,
                "artifacts": len(artifacts),
            }
        )
    else:
        click.echo(f"Exported session {info.id} ({len(artifacts)} artifacts) to {output_file}")


def _write_atomically(target: Path, text: str) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise click.FileError(str(target), hint=exc.strerror or str(exc)) from exc


def _describe(info: SessionInfo) -> str:
    lines = [
        f"id:          {info.id}",
        f"name:        {info.name or ''}",
        f"status:      {info.status}",
        f"description: {info.description or ''}",
        f"tags:        {', '.join(info.tags)}",
        f"created:     {info.created_at}",
        f"updated:     {info.updated_at}",
        f"artifacts:   {info.artifact_count}",
    ]
    if info.parent_session_id:
        lines.append(f"parent:      {info.parent_session_id}")
    if info.metadata:
        lines.append(f"metadata:    {json.dumps(info.metadata, ensure_ascii=False)}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _artifact_row(a: ArtifactInfo) -> tuple[str, ...]:
    size = _size(a.size) + (" (zstd)" if a.compressed else "")
    return (
        str(a.sequence),
        a.name,
        str(a.version),
        a.artifact_type,
        a.mime_type,
        size,
        a.created_at[:19],
    )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in (header, *rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
