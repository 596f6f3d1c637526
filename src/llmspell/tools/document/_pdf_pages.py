"""Which pages: parse '1-3,5' or start/end, check `tools.document.max_pages`, write a subset."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from llmspell.core.errors import ToolExecutionError, ToolParameterError

if TYPE_CHECKING:
    from pypdf import PdfReader

NAME = "pdf-processor"


def select_pages(
    total: int, pages: str | None, start_page: int | None, end_page: int | None
) -> list[int]:
    """0-based page indexes from `pages` ('1-3,5', '4-') or start_page/end_page."""
    if pages and (start_page or end_page):
        raise ToolParameterError(
            f"Tool '{NAME}': give 'pages' or 'start_page'/'end_page', not both"
        )
    spans: list[tuple[int, int]] = []
    if pages:
        for part in pages.replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            if not (first or "1").isdigit() or not (last or str(total)).isdigit():
                raise ToolParameterError(
                    f"Tool '{NAME}': parameter 'pages': {part!r} is not a page or a range "
                    f"such as '2-4' (got {pages!r})"
                )
            start = int(first or 1)
            spans.append((start, int(last or total) if dash else start))
    else:
        spans.append((start_page or 1, end_page or total))
    if total == 0 and not pages and not start_page and not end_page:
        return []
    chosen: dict[int, None] = {}
    for start, end in spans:
        if start > end or end > total or start < 1:
            raise ToolExecutionError(
                f"pages {start}-{end} do not exist: the PDF has {total} page(s)"
            )
        chosen.update(dict.fromkeys(range(start - 1, end)))
    return list(chosen)


def check_page_limit(count: int, limit: int | None, op: str) -> None:
    if limit and count > limit:
        raise ToolExecutionError(
            f"{op} would use {count} pages, more than `tools.document.max_pages` = {limit}"
        )


def write_pages(reader: PdfReader, indexes: list[int]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for i in indexes:
        writer.add_page(reader.pages[i])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def ranges(numbers: list[int]) -> str:
    return ",".join(str(n) for n in numbers) if len(numbers) < 10 else f"{numbers[0]}-{numbers[-1]}"
