"""`llmspell rag ingest|search|stats|delete|list-collections|rebuild`: the vector store."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from llmspell.cli.context import CliContext
from llmspell.cli.output import emit_json, jsonable, render_value
from llmspell.core.errors import ConfigError, UsageError, ValidationError

if TYPE_CHECKING:
    from llmspell.rag.service import RagService


@contextmanager
def _service(
    ctx: CliContext, tenant: str | None = None, *, tenant_needed: bool = True
) -> Iterator[RagService]:
    """The RAG service; bad input from the command line becomes a usage error (exit 2)."""
    with ctx.runtime() as runtime:
        cfg = runtime.config.rag
        if not cfg.enabled:
            raise ConfigError(
                "RAG is disabled. Enable it with `[rag] enabled = true` in llmspell.toml "
                "or LLMSPELL_RAG_ENABLED=true",
                key="rag.enabled",
            )
        if cfg.multi_tenant and tenant is None and tenant_needed:
            raise UsageError("--tenant is required because `rag.multi_tenant` is true")
        try:
            yield runtime.rag
        except ValidationError as exc:
            raise UsageError(str(exc)) from exc


def _value(text: str) -> Any:
    """`2020` -> 2020, `true` -> True, `"x"`/x -> "x": so filters match Lua-typed metadata."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, bool | int | float | str) else text


def _pairs(pairs: tuple[str, ...], option: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, eq, text = pair.partition("=")
        if not eq or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint=option)
        out[key] = _value(text)
    return out


def _namespace(
    collection: str | None, scope: str | None, scope_id: str | None, tenant: str | None
) -> dict[str, Any]:
    given = {"collection": collection, "scope": scope, "scope_id": scope_id, "tenant_id": tenant}
    return {k: v for k, v in given.items() if v is not None}


def _emit(ctx: CliContext, value: Any, text: Callable[[], None]) -> None:
    if ctx.output == "json":
        emit_json(jsonable(value))
    elif ctx.output == "pretty":
        render_value(value, "pretty")
    else:
        text()


collection_option = click.option("--collection", help="Collection name (default: `default`).")
scope_option = click.option("--scope", help="Scope kind: global (default), session, user, ...")
scope_id_option = click.option("--scope-id", help="The scope's id (e.g. the session id).")
tenant_option = click.option(
    "--tenant", help="Tenant id (required when `rag.multi_tenant` is true)."
)


@click.group()
def rag() -> None:
    """Ingest documents into the vector store and search them (needs `rag.enabled`)."""


@rag.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@collection_option
@scope_option
@scope_id_option
@tenant_option
@click.option(
    "--chunk-size", type=click.IntRange(min=1), help="Chunk size in tokens (default: 512)."
)
@click.option("--overlap", type=click.IntRange(min=0), help="Tokens shared by neighbours.")
@click.option(
    "--strategy",
    type=click.Choice(["sliding_window", "sentence", "token", "semantic"]),
    help="Chunking strategy.",
)
@click.option("--provider", help="Embedding provider (default: rag.embedding.default_provider).")
@click.option("--model", help="Embedding model (default: the provider's).")
@click.option("--metadata", "metadata", multiple=True, help="KEY=VALUE added to every chunk.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def ingest(
    ctx: CliContext,
    paths: tuple[str, ...],
    collection: str | None,
    scope: str | None,
    scope_id: str | None,
    tenant: str | None,
    chunk_size: int | None,
    overlap: int | None,
    strategy: str | None,
    provider: str | None,
    model: str | None,
    metadata: tuple[str, ...],
    quiet: bool,
) -> None:
    """Ingest files; directories are searched recursively for supported formats."""
    options = _namespace(collection, scope, scope_id, tenant)
    chunking = {"chunk_size": chunk_size, "overlap": overlap, "strategy": strategy}
    options["chunking"] = {k: v for k, v in chunking.items() if v is not None}
    options.update({k: v for k, v in (("provider", provider), ("model", model)) if v})
    if metadata:
        options["metadata"] = _pairs(metadata, "--metadata")
    show = not quiet and ctx.output == "text" and sys.stderr.isatty()
    with _service(ctx, tenant) as service, _progress(show) as progress:
        result = service.ingest_paths(list(paths), options, on_progress=progress)

    def text() -> None:
        click.echo(
            f"Ingested {result['documents_processed']} documents "
            f"({result['vectors_created']} chunks, {result['total_tokens']} tokens) "
            f"into {result['namespace']}"
        )
        for skipped in result.get("skipped", []):
            click.echo(f"skipped {skipped['path']}: {skipped['reason']}", err=True)

    _emit(ctx, result, text)


@contextmanager
def _progress(show: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not show:
        yield None
        return
    try:
        from rich.progress import Progress
    except ImportError:  # rich comes with the `pretty` extra
        yield None
        return
    with Progress(transient=True, console=_stderr_console()) as bar:
        task = bar.add_task("embedding", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@rag.command()
@click.argument("query")
@click.option(
    "-k", "--top-k", "k", type=click.IntRange(min=1), help="Number of results (default: 10)."
)
@collection_option
@scope_option
@scope_id_option
@tenant_option
@click.option("--filter", "filters", multiple=True, help="KEY=VALUE metadata filter.")
@click.option("--threshold", type=float, help="Drop hits scoring below this.")
@click.option("--hybrid", "mode", flag_value="hybrid", help="Vector and BM25 keyword scores.")
@click.option("--keyword", "mode", flag_value="keyword", help="BM25 keyword search only.")
@click.option("--vector", "mode", flag_value="vector", help="Vector search only.")
@click.pass_obj
def search(
    ctx: CliContext,
    query: str,
    k: int | None,
    collection: str | None,
    scope: str | None,
    scope_id: str | None,
    tenant: str | None,
    filters: tuple[str, ...],
    threshold: float | None,
    mode: str | None,
) -> None:
    """Search a collection; prints the best chunks, best first."""
    options = _namespace(collection, scope, scope_id, tenant)
    extra = {"k": k, "threshold": threshold, "mode": mode}
    options.update({key: v for key, v in extra.items() if v is not None})
    if filters:
        options["metadata_filter"] = _pairs(filters, "--filter")
    with _service(ctx, tenant) as service:
        result = service.search(query, options)

    def text() -> None:
        if not result["results"]:
            click.echo("No results.", err=True)
        for n, hit in enumerate(result["results"], start=1):
            snippet = " ".join(hit["text"].split())
            snippet = snippet if len(snippet) <= 240 else snippet[:237] + "..."
            click.echo(f"{n}. [{hit['score']:.3f}] {hit['id']}\n   {snippet}")

    _emit(ctx, result, text)


@rag.command()
@tenant_option
@scope_option
@scope_id_option
@click.pass_obj
def stats(ctx: CliContext, tenant: str | None, scope: str | None, scope_id: str | None) -> None:
    """Vectors, documents, bytes and usage counters (of one tenant with --tenant)."""
    with _service(ctx, tenant) as service:
        result = service.get_stats(scope, scope_id, tenant=tenant)

    def text() -> None:
        for key, value in result.items():
            if key == "namespaces":
                click.echo(f"namespaces: {', '.join(n['namespace'] for n in value) or '-'}")
            elif isinstance(value, dict):
                click.echo(f"{key}: " + ", ".join(f"{k}={v}" for k, v in value.items()))
            else:
                click.echo(f"{key}: {value}")

    _emit(ctx, result, text)


@rag.command()
@click.option("--document", "document_id", help="Delete this document's chunks.")
@collection_option
@scope_option
@scope_id_option
@tenant_option
@click.pass_obj
def delete(
    ctx: CliContext,
    document_id: str | None,
    collection: str | None,
    scope: str | None,
    scope_id: str | None,
    tenant: str | None,
) -> None:
    """Delete a document (--document), a whole collection, or a scope (--scope/--scope-id)."""
    options = _namespace(collection, scope, scope_id, tenant)
    if document_id is None and collection is None and scope is None:
        raise click.UsageError("give --document ID, --collection NAME, or --scope S --scope-id I")
    with _service(ctx, tenant) as service:
        if document_id is not None:
            result = service.delete(document_id, options)
        elif collection is not None:
            result = service.delete_collection(options)
        else:
            deleted = service.cleanup_scope(scope or "", scope_id, tenant=tenant)
            result = {"success": True, "deleted": deleted}
    _emit(ctx, result, lambda: click.echo(f"Deleted {result['deleted']} vectors"))


@rag.command(name="list-collections")
@tenant_option
@click.pass_obj
def list_collections(ctx: CliContext, tenant: str | None) -> None:
    """List collections (namespaces) with their vector counts."""
    with _service(ctx, tenant) as service:
        found = service.list_collections(tenant=tenant)

    def text() -> None:
        if not found:
            click.echo("No collections.", err=True)
        for info in found:
            click.echo(
                f"{info['namespace']}  vectors={info['vectors']}  "
                f"documents={info['documents']}  model={info.get('model') or '-'}"
            )

    _emit(ctx, {"collections": found}, text)


@rag.command()
@collection_option
@scope_option
@scope_id_option
@tenant_option
@click.option("--all", "all_", is_flag=True, help="Rebuild every collection's index.")
@click.pass_obj
def rebuild(
    ctx: CliContext,
    collection: str | None,
    scope: str | None,
    scope_id: str | None,
    tenant: str | None,
    all_: bool,
) -> None:
    """Rebuild index files from the stored vectors (after a corrupt index file)."""
    options = None if all_ else _namespace(collection, scope, scope_id, tenant)
    with _service(ctx, tenant, tenant_needed=not all_) as service:
        result = service.rebuild(options)
    _emit(ctx, result, lambda: click.echo(f"Rebuilt {result['rebuilt']} indexes"))
