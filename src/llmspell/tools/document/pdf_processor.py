"""pdf-processor: text, metadata and page sizes of PDFs; split and merge them (pypdf)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.document._pdf_pages import check_page_limit, ranges, select_pages, write_pages

if TYPE_CHECKING:
    from pypdf import PdfReader

NAME = "pdf-processor"
Operation = Literal[
    "extract_text", "extract_metadata", "metadata", "extract_pages", "pages", "split", "merge"
]


class Params(ToolParams):
    operation: Operation = Field(
        "extract_text",
        description="extract_text, extract_metadata (alias metadata), extract_pages (text per "
        "page), pages (count and sizes), split (pages to new PDFs), merge",
    )
    input: str | None = Field(
        None,
        validation_alias=AliasChoices("input", "file_path", "path", "source_path"),
        description="the PDF to read (aliases: file_path, path, source_path)",
    )
    file_paths: list[str] | None = Field(
        None,
        validation_alias=AliasChoices("file_paths", "inputs", "sources"),
        description="merge: the PDFs to join, in order (after input, if given)",
    )
    target_path: str | None = Field(
        None,
        validation_alias=AliasChoices("target_path", "output_path", "output"),
        description="split/merge: the PDF to write",
    )
    target_dir: str | None = Field(None, description="split: write one PDF per page here")
    start_page: int | None = Field(None, ge=1, description="first page to use (1-based)")
    end_page: int | None = Field(None, ge=1, description="last page to use (1-based, inclusive)")
    pages: str | None = Field(
        None,
        validation_alias=AliasChoices("pages", "page_range"),
        description="pages to use, such as '1-3,5' or '4-' (instead of start_page/end_page)",
    )
    password: str | None = Field(None, description="password of an encrypted PDF")


class PdfProcessor(Tool[Params]):
    name = NAME
    category = "data"
    description = (
        "Extract text (all pages or a range), metadata and page sizes from PDFs; split pages "
        "into new PDFs and merge PDFs (pypdf)."
    )
    security_level = "restricted"
    tags = ("pdf", "document", "text", "extract")
    Params = Params
    result_keys = {
        "extract_text": "text, file_path, length, page_count, start_page, end_page, "
        "pages_read, truncated",
        "extract_pages": "the same plus pages[{page, text}]",
        "extract_metadata": "file_path, file_name, file_size, page_count, title, author, "
        "subject, creator, producer, keywords, creation_date, modification_date, encrypted, "
        "pdf_version",
        "pages": "file_path, page_count, pages[{page, width, height, rotation}] (points)",
        "split": "file_path, pages, page_count, then target_path or files[]",
        "merge": "target_path, sources, page_count",
    }
    security_notes = (
        "Reads and writes only inside `tools.file_operations.allowed_paths`; each input is capped "
        "at `tools.document.max_pdf_size` and outputs at `tools.file_operations.max_file_size`; "
        "at most `tools.document.max_pages` pages are read (text beyond it is cut and flagged "
        "`truncated`; split and merge past it are refused). Encrypted PDFs need `password`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        from pypdf.errors import PyPdfError

        try:
            return self._run(params, ctx)
        except PyPdfError as exc:  # a damaged page found after the file opened
            where = repr(params.input) if params.input else "a PDF"
            raise ToolExecutionError(f"{where} could not be processed: {exc}") from None

    def _run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = "extract_metadata" if params.operation == "metadata" else params.operation
        if op == "merge":
            return self._merge(params, ctx)
        if not params.input:
            raise ToolParameterError(f"Tool '{NAME}': parameter 'input' is required")
        reader, size = _open(ctx, params.input, params.password)
        total = len(reader.pages)
        if op == "extract_metadata":
            return _metadata(ctx, params.input, reader, size)
        chosen = select_pages(total, params.pages, params.start_page, params.end_page)
        limit = ctx.config.document.max_pages
        truncated = bool(limit and len(chosen) > limit)
        if op == "split":
            return self._split(params, ctx, reader, chosen, limit)
        chosen = chosen[:limit] if truncated else chosen
        if op == "pages":
            sizes = [_page_size(reader, i) for i in chosen]
            result = {"file_path": params.input, "page_count": total, "pages": sizes}
            result["truncated"] = truncated
            return ToolResult.ok(f"{params.input}: {total} pages", result, operation=op)
        texts = [(i + 1, reader.pages[i].extract_text() or "") for i in chosen]
        text = "\n\n".join(t for _, t in texts)
        result: dict[str, Any] = {
            "text": text,
            "file_path": params.input,
            "length": len(text),
            "page_count": total,
            "start_page": chosen[0] + 1 if chosen else None,
            "end_page": chosen[-1] + 1 if chosen else None,
            "pages_read": len(chosen),
            "truncated": truncated,
        }
        if truncated:
            result["note"] = f"only the first {limit} pages were read (`tools.document.max_pages`)"
        if op == "extract_pages":
            result["pages"] = [{"page": n, "text": t} for n, t in texts]
        return ToolResult.ok(text, result, operation=op)

    @staticmethod
    def _split(
        params: Params, ctx: ToolContext, reader: PdfReader, chosen: list[int], limit: int | None
    ) -> ToolResult:
        if (params.target_path is None) == (params.target_dir is None):
            raise ToolParameterError(
                f"Tool '{NAME}': operation 'split' needs one of 'target_path' (one PDF with the "
                "chosen pages) or 'target_dir' (one PDF per page)"
            )
        check_page_limit(len(chosen), limit, "split")
        numbers = [i + 1 for i in chosen]
        result: dict[str, Any] = {"file_path": params.input, "pages": numbers}
        result["page_count"] = len(chosen)
        if params.target_path:
            path = ctx.write_bytes(params.target_path, write_pages(reader, chosen))
            result["target_path"] = str(path)
            text = f"Wrote pages {ranges(numbers)} of {params.input} to {path}"
        else:
            stem, folder = Path(params.input or "").stem, Path(params.target_dir or "")
            files = [
                str(
                    ctx.write_bytes(
                        folder / f"{stem}_page_{i + 1:03d}.pdf", write_pages(reader, [i])
                    )
                )
                for i in chosen
            ]
            result["files"] = files
            text = f"Split {params.input} into {len(files)} files in {folder}"
        return ToolResult.ok(text, result, operation="split")

    @staticmethod
    def _merge(params: Params, ctx: ToolContext) -> ToolResult:
        from pypdf import PdfWriter

        sources = [*([params.input] if params.input else []), *(params.file_paths or [])]
        if len(sources) < 2:
            raise ToolParameterError(
                f"Tool '{NAME}': operation 'merge' needs 'file_paths' with at least two PDFs"
            )
        if not params.target_path:
            raise ToolParameterError(
                f"Tool '{NAME}': parameter 'target_path' is required for operation 'merge'"
            )
        readers = [_open(ctx, s, params.password)[0] for s in sources]
        total = sum(len(r.pages) for r in readers)
        check_page_limit(total, ctx.config.document.max_pages, "merge")
        writer = PdfWriter()
        for reader in readers:
            writer.append(reader)
        buffer = io.BytesIO()
        writer.write(buffer)
        path = ctx.write_bytes(params.target_path, buffer.getvalue())
        result = {"target_path": str(path), "sources": sources, "page_count": total}
        text = f"Merged {len(sources)} PDFs ({total} pages) into {path}"
        return ToolResult.ok(text, result, operation="merge")


def _open(ctx: ToolContext, path: str, password: str | None) -> tuple[PdfReader, int]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    resolved = ctx.check_path(path, "r")
    if not resolved.is_file():
        raise ToolExecutionError(f"no such file: {path!r}")
    size, limit = resolved.stat().st_size, ctx.config.document.max_pdf_size
    if size > limit:
        raise ToolExecutionError(
            f"{path!r} is {size:,} bytes, over the {limit:,}-byte limit for PDFs "
            "(`tools.document.max_pdf_size`)"
        )
    try:
        reader = PdfReader(io.BytesIO(resolved.read_bytes()))
        if reader.is_encrypted and not reader.decrypt(password or ""):
            given = (
                "the password given in 'password' is wrong"
                if password
                else "give its password in 'password'"
            )
            raise ToolExecutionError(f"{path!r} is encrypted; {given}")
    except DependencyError as exc:
        raise ToolExecutionError(
            f"{path!r} uses encryption that needs the `cryptography` package "
            f"(`pip install cryptography`): {exc}"
        ) from None
    except PdfReadError as exc:
        raise ToolExecutionError(f"{path!r} is not a readable PDF: {exc}") from None
    return reader, size


def _page_size(reader: PdfReader, index: int) -> dict[str, Any]:
    page = reader.pages[index]
    box = page.mediabox
    return {
        "page": index + 1,
        "width": round(float(box.width), 2),
        "height": round(float(box.height), 2),
        "rotation": page.rotation,
    }


def _metadata(ctx: ToolContext, path: str, reader: PdfReader, size: int) -> ToolResult:
    result: dict[str, Any] = {
        "file_path": path,
        "file_name": Path(path).name,
        "file_size": size,
        "page_count": len(reader.pages),
        "encrypted": reader.is_encrypted,
        "pdf_version": reader.pdf_header.removeprefix("%PDF-"),
    }
    info = reader.metadata
    if ctx.config.document.extract_metadata and info is not None:
        dates = {"creation_date": info.creation_date, "modification_date": info.modification_date}
        fields = {
            "title": info.title,
            "author": info.author,
            "subject": info.subject,
            "creator": info.creator,
            "producer": info.producer,
            "keywords": info.get("/Keywords"),
        }
        result.update({k: str(v) if v is not None else None for k, v in fields.items()})
        result.update({k: v.isoformat() if v else None for k, v in dates.items()})
    elif not ctx.config.document.extract_metadata:
        result["note"] = "document metadata is off (`tools.document.extract_metadata = false`)"
    title = result.get("title") or Path(path).name
    text = f"PDF {title!r}: {result['page_count']} pages, version {result['pdf_version']}"
    return ToolResult.ok(text, result, operation="extract_metadata")
