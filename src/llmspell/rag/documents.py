"""Load a file as text plus metadata for ingestion.

Formats by file suffix (`supported_formats()`): plain text (`.txt`, `.text`, `.log`), markdown
(`.md`, `.markdown`: YAML front matter becomes metadata and is removed from the text), HTML
(`.html`, `.htm`: visible text without script, style, nav and similar elements), PDF (`.pdf`:
page texts joined by blank lines), and `.json`/`.csv` as plain text. A file with any other
suffix is accepted when its content is UTF-8 text.

Decoding of text formats: UTF-8 (a BOM is dropped; UTF-16 with a BOM is read too); bytes that are
not valid UTF-8 are read as Windows-1252, or Latin-1 when Windows-1252 cannot map them, so every
character is kept. `metadata["encoding"]` names the codec used. Files holding NUL bytes or mostly
control characters are binary and refused with a `ValidationError`.

Path confinement is the caller's job: this module opens whatever path it is given.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmspell.core.errors import ValidationError

__all__ = ["FORMATS", "LoadedDocument", "load_document", "supported_formats"]

FORMATS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".log": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".json": "json",
    ".csv": "csv",
}

_SNIFF_BYTES = 8192
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\b\x1b")
_FRONT_MATTER = re.compile(
    r"\A---[^\S\n]*\r?\n(.*?)^(?:---|\.\.\.)[^\S\n]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE
)
_FENCED_CODE = re.compile(
    r"^[^\S\n]{0,3}(```|~~~).*?(?:^[^\S\n]{0,3}\1|\Z)", re.DOTALL | re.MULTILINE
)
_ATX_TITLE = re.compile(r"^[^\S\n]{0,3}#[^\S\n]+(.+?)[^\S\n]*#*[^\S\n]*$", re.M)
_SETEXT_TITLE = re.compile(r"^([^\s#].*?)[^\S\n]*\r?\n=+[^\S\n]*$", re.M)
_REMOVED_TAGS = ("script", "style", "noscript", "template", "nav", "svg", "canvas", "iframe")
_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
)  # fmt: skip
_INLINE_SPACE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n\s*\n\s*")


@dataclass(slots=True)
class LoadedDocument:
    """A document's text and its metadata (source, format, title, pages, encoding, ...)."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def supported_formats() -> tuple[str, ...]:
    """File suffixes with a dedicated loader; other suffixes load when they hold UTF-8 text."""
    return tuple(FORMATS)


def load_document(path: Path | str) -> LoadedDocument:
    """Read `path` and return its text and metadata; refuse binary or unreadable files."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    data = _read(path)
    if fmt is None and data.startswith(b"%PDF-"):
        fmt = "pdf"
    if fmt == "pdf":
        doc = _load_pdf(path, data)
    else:
        if _is_binary(data):
            raise _unsupported(path, "its content is binary")
        if fmt is None:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise _unsupported(path, "its content is not UTF-8 text") from None
        text, encoding = _decode(data)
        if fmt == "markdown":
            doc = _load_markdown(path, text)
        elif fmt == "html":
            doc = _load_html(text)
        else:
            doc = LoadedDocument(text)
        doc.metadata["encoding"] = encoding
    doc.metadata.update(source=str(path), format=fmt or "text")
    return doc


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(
            f"documents: {path}: no such file", hint="Check the path and try again."
        ) from None
    except IsADirectoryError:
        raise ValidationError(
            f"documents: {path} is a directory, not a file",
            hint="Pass the files inside it (the CLI's `rag ingest` expands directories).",
        ) from None
    except OSError as exc:
        raise ValidationError(
            f"documents: {path} cannot be read: {exc.strerror or exc}",
            hint="Check that the file exists and is readable.",
        ) from exc


def _unsupported(path: Path, why: str) -> ValidationError:
    return ValidationError(
        f"documents: {path} cannot be ingested: {why}",
        hint=f"Supported formats: {', '.join(FORMATS)} or any UTF-8 text file.",
    )


def _is_binary(data: bytes) -> bool:
    sample = data[:_SNIFF_BYTES]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\0" in sample:
        return True
    return len(sample.translate(None, _CONTROL_BYTES)) < 0.9 * len(sample)


def _decode(data: bytes) -> tuple[str, str]:
    """Text and codec name: UTF-8 (BOM dropped), UTF-16 with BOM, else cp1252, else latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _load_markdown(path: Path, text: str) -> LoadedDocument:
    metadata: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        metadata = _front_matter(path, match.group(1))
        text = text[match.end() :]
    title = metadata.get("title")
    if not isinstance(title, str) or not title.strip():
        prose = _FENCED_CODE.sub("", text)
        heading = _ATX_TITLE.search(prose) or _SETEXT_TITLE.search(prose)
        if heading:
            metadata["title"] = heading.group(1).strip()
    return LoadedDocument(text, metadata)


def _front_matter(path: Path, block: str) -> dict[str, Any]:
    import yaml

    try:
        values = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationError(
            f"documents: {path}: the YAML front matter is invalid{where}: {problem}",
            hint="Fix the block between the leading `---` lines (key: value per line).",
        ) from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ValidationError(
            f"documents: {path}: the YAML front matter must be a mapping of keys to values, "
            f"got {type(values).__name__}",
            hint="Write one `key: value` per line between the leading `---` lines.",
        )
    return {str(key): _plain(value) for key, value in values.items()}


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a YAML value (dates become ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _load_html(markup: str) -> LoadedDocument:
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    metadata: dict[str, Any] = {}
    if soup.title and soup.title.get_text(strip=True):
        metadata["title"] = " ".join(soup.title.get_text().split())
    description = soup.find("meta", attrs={"name": re.compile(r"^description$", re.I)})
    if description and str(description.get("content", "")).strip():
        metadata["description"] = " ".join(str(description["content"]).split())
    html = soup.find("html")
    if html and html.get("lang"):
        metadata["language"] = str(html["lang"])
    for tag in soup.find_all(["head", *_REMOVED_TAGS]):
        tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    if "title" not in metadata and (h1 := soup.find("h1")) and h1.get_text(strip=True):
        metadata["title"] = " ".join(h1.get_text().split())
    lines = (_INLINE_SPACE.sub(" ", line).strip() for line in soup.get_text().split("\n"))
    text = _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()
    return LoadedDocument(text, metadata)


def _load_pdf(path: Path, data: bytes) -> LoadedDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                f"documents: {path} is an encrypted PDF",
                hint="Decrypt it first (for example with `qpdf --decrypt`).",
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ValidationError(
            f"documents: {path} cannot be read as a PDF: {exc}",
            hint="Check that the file is a complete, valid PDF.",
        ) from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise ValidationError(
            f"documents: {path}: the PDF's {len(pages)} page(s) hold no extractable text",
            hint="It is probably scanned images: run OCR on it first, then ingest the result.",
        )
    metadata: dict[str, Any] = {"pages": len(pages)}
    if info is not None:
        for key, value in (("title", info.title), ("author", info.author)):
            if isinstance(value, str) and value.strip():
                metadata[key] = value.strip()
    return LoadedDocument(text, metadata)
