"""Runtimes for pdf-processor (tmp_path is the only allowed path) and real PDFs with text."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that is not inside the allowed path."""
    return tmp_path_factory.mktemp("outside")


def pdf_bytes(
    texts: Sequence[str],
    *,
    metadata: dict[str, str] | None = None,
    password: str | None = None,
    sizes: Sequence[tuple[float, float]] = (),
    rotate: dict[int, int] | None = None,
) -> bytes:
    """A PDF whose page i shows `texts[i]` in Helvetica (a real content stream, so text can be
    extracted); `sizes` gives page sizes in points, `rotate` page index -> degrees."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for index, text in enumerate(texts):
        width, height = sizes[index] if index < len(sizes) else (612, 792)
        page = writer.add_blank_page(width, height)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 18 Tf 72 {height - 100} Td ({text}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
        if rotate and index in rotate:
            page.rotate(rotate[index])
    if metadata:
        writer.add_metadata(metadata)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    """`make_pdf("a.pdf", ["page one", "page two"], metadata={...}, password=...)`."""

    def make(name: str, texts: Sequence[str], **options: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf_bytes(texts, **options))
        return path

    return make


@pytest.fixture
def pdf_text() -> Callable[[Path], list[str]]:
    """The text of each page of a PDF, read back with pypdf."""

    def read(path: Path) -> list[str]:
        from pypdf import PdfReader

        return [page.extract_text() for page in PdfReader(path).pages]

    return read
