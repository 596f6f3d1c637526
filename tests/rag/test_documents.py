"""load_document on real files: markdown, HTML, PDF, text encodings, binary and broken files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from llmspell.core.errors import ValidationError
from llmspell.rag.chunking import chunk_text
from llmspell.rag.documents import LoadedDocument, load_document, supported_formats


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(pages: list[str], *, title: str | None = None) -> bytes:
    """A minimal PDF with one Helvetica text object per page and a correct xref table."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for page in pages:
        shown = " ".join(f"{_pdf_string(line)} Tj T*" for line in page.split("\n"))
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    if title:
        objects.append(f"<< /Title {_pdf_string(title)} >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def refused(path: Path) -> str:
    with pytest.raises(ValidationError) as info:
        load_document(path)
    return str(info.value)


# plain text and encodings


def test_plain_text_is_read_as_is(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("First line.\n\nSecond paragraph: café.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc == LoadedDocument(
        "First line.\n\nSecond paragraph: café.\n",
        {"encoding": "utf-8", "source": str(path), "format": "text"},
    )


def test_string_paths_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("started\n")
    assert load_document(str(path)).text == "started\n"


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhello")
    assert load_document(path).text == "hello"


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_text("wide text ü", encoding="utf-16")
    doc = load_document(path)
    assert doc.text == "wide text ü"
    assert doc.metadata["encoding"] == "utf-16"


def test_non_utf8_text_falls_back_to_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Café costs 5 € \u2013 naïve".encode("cp1252"))
    doc = load_document(path)
    assert doc.text == "Café costs 5 € \u2013 naïve"
    assert doc.metadata["encoding"] == "cp1252"


def test_bytes_undefined_in_windows_1252_fall_back_to_latin1(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(b"caf\xe9 \x81 end")
    doc = load_document(path)
    assert doc.text == "café \x81 end"
    assert doc.metadata["encoding"] == "latin-1"


@pytest.mark.parametrize(("name", "fmt"), [("data.json", "json"), ("table.csv", "csv")])
def test_json_and_csv_are_loaded_as_text(tmp_path: Path, name: str, fmt: str) -> None:
    content = json.dumps({"a": [1, 2]}) if fmt == "json" else "name,age\nada,36\n"
    path = tmp_path / name
    path.write_text(content)
    doc = load_document(path)
    assert doc.text == content
    assert doc.metadata["format"] == fmt


def test_other_suffixes_load_when_they_hold_utf8_text(tmp_path: Path) -> None:
    path = tmp_path / "guide.rst"
    path.write_text("Guide\n=====\n\nSome text é.\n")
    doc = load_document(path)
    assert doc.text.startswith("Guide")
    assert doc.metadata["format"] == "text"


def test_other_suffixes_with_non_utf8_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "legacy.dat"
    path.write_bytes("café".encode("latin-1"))
    message = refused(path)
    assert str(path) in message and "not UTF-8 text" in message


# binary and missing files


def test_an_image_is_refused_naming_the_file_and_the_formats(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    Image.new("RGB", (16, 16), "red").save(path)
    message = refused(path)
    assert str(path) in message
    assert "binary" in message
    for suffix in (".txt", ".md", ".html", ".pdf", ".json", ".csv"):
        assert suffix in message


def test_binary_content_is_refused_even_with_a_text_suffix(tmp_path: Path) -> None:
    path = tmp_path / "fake.txt"
    path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" * 50)
    assert "binary" in refused(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.md"
    message = refused(path)
    assert str(path) in message and "no such file" in message


def test_a_directory_is_refused(tmp_path: Path) -> None:
    assert "is a directory" in refused(tmp_path)


def test_an_empty_file_gives_empty_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert load_document(path).text == ""


def test_supported_formats() -> None:
    assert set(supported_formats()) >= {
        ".txt", ".text", ".log", ".md", ".markdown", ".html", ".htm", ".pdf", ".json", ".csv",
    }  # fmt: skip


# markdown


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text(
        "---\n"
        "title: Vector Search Notes\n"
        "tags: [rag, hnsw]\n"
        "published: 2024-05-01\n"
        "draft: false\n"
        "---\n"
        "# A different heading\n\nBody text.\n"
    )
    doc = load_document(path)
    assert doc.text == "# A different heading\n\nBody text.\n"
    assert doc.metadata == {
        "title": "Vector Search Notes",
        "tags": ["rag", "hnsw"],
        "published": "2024-05-01",
        "draft": False,
        "encoding": "utf-8",
        "source": str(path),
        "format": "markdown",
    }
    json.dumps(doc.metadata)


def test_markdown_title_comes_from_the_first_level_one_heading(tmp_path: Path) -> None:
    path = tmp_path / "readme.markdown"
    path.write_text(
        "Intro line.\n\n```bash\n# a shell comment, not a title\n```\n\n"
        "## Subsection first\n\n# Real Title #\n\nText.\n"
    )
    assert load_document(path).metadata["title"] == "Real Title"


def test_markdown_setext_title(tmp_path: Path) -> None:
    path = tmp_path / "setext.md"
    path.write_text("Project Name\n============\n\nText.\n")
    assert load_document(path).metadata["title"] == "Project Name"


def test_markdown_without_a_title_has_none(tmp_path: Path) -> None:
    path = tmp_path / "plain.md"
    path.write_text("just text\n")
    assert "title" not in load_document(path).metadata


def test_front_matter_cannot_override_source_or_format(tmp_path: Path) -> None:
    path = tmp_path / "cite.md"
    path.write_text("---\nsource: https://example.com/paper\nformat: paper\n---\nText\n")
    doc = load_document(path)
    assert doc.metadata["source"] == str(path)
    assert doc.metadata["format"] == "markdown"


def test_invalid_front_matter_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: ok\ntags: [unclosed\n---\nText\n")
    message = refused(path)
    assert str(path) in message and "front matter is invalid" in message
    assert "line" in message


def test_front_matter_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_text("---\n- a\n- b\n---\nText\n")
    assert "must be a mapping" in refused(path)


def test_a_thematic_break_later_in_markdown_is_not_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "rule.md"
    text = "Text above.\n\n---\n\nText below.\n"
    path.write_text(text)
    assert load_document(path).text == text


# HTML


PAGE = """<!doctype html>
<html lang="en">
<head>
  <title>  Retrieval
    Guide </title>
  <meta name="description" content="How retrieval works.">
  <style>body { color: red; }</style>
  <script>var secret = "SCRIPT-TEXT";</script>
</head>
<body>
  <nav><a href="/">Home</a> <a href="/docs">NAV-LINK</a></nav>
  <h1>Retrieval</h1>
  <p>Chunks are <b>embedded</b> and stored.</p>
  <p>First line<br>second line</p>
  <ul><li>one</li><li>two</li></ul>
  <script>document.write("MORE-SCRIPT")</script>
  <noscript>NOSCRIPT-TEXT</noscript>
</body>
</html>
"""


def test_html_text_drops_script_style_and_nav(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    doc = load_document(path)
    assert doc.text == (
        "Retrieval\n\nChunks are embedded and stored.\n\nFirst line\nsecond line\n\none\n\ntwo"
    )
    for hidden in ("SCRIPT-TEXT", "MORE-SCRIPT", "NOSCRIPT", "NAV-LINK", "color: red"):
        assert hidden not in doc.text


def test_html_title_description_and_language_become_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(PAGE)
    metadata = load_document(path).metadata
    assert metadata["title"] == "Retrieval Guide"
    assert metadata["description"] == "How retrieval works."
    assert metadata["language"] == "en"
    assert metadata["format"] == "html"


def test_html_without_title_uses_the_first_h1(tmp_path: Path) -> None:
    path = tmp_path / "bare.html"
    path.write_text("<body><h1>Only Heading</h1><p>text</p></body>")
    assert load_document(path).metadata["title"] == "Only Heading"


# PDF


def test_pdf_pages_are_joined_with_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(
        make_pdf(
            ["Hello PDF world.\nSecond line (with parens).", "Page two text."],
            title="A Paper",
        )
    )
    doc = load_document(path)
    assert doc.text == "Hello PDF world.\nSecond line (with parens).\n\nPage two text."
    assert doc.metadata == {
        "pages": 2,
        "title": "A Paper",
        "source": str(path),
        "format": "pdf",
    }


def test_a_pdf_is_recognised_by_content_without_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "download"
    path.write_bytes(make_pdf(["Recognised by magic."]))
    doc = load_document(path)
    assert doc.text == "Recognised by magic."
    assert doc.metadata["format"] == "pdf"


def test_a_pdf_without_text_is_refused_with_a_hint(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    path = tmp_path / "scan.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with path.open("wb") as fh:
        writer.write(fh)
    message = refused(path)
    assert str(path) in message and "no extractable text" in message and "OCR" in message


def test_a_corrupt_pdf_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    message = refused(path)
    assert str(path) in message and "cannot be read as a PDF" in message


# end to end and import cost


def test_a_loaded_document_chunks_with_its_offsets(tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    body = "\n\n".join(f"Paragraph {i} has a few words in it." for i in range(50))
    path.write_text(f"---\ntitle: Long\n---\n{body}\n")
    doc = load_document(path)
    chunks = chunk_text(doc.text, chunk_size=40, overlap=8)
    assert len(chunks) > 3
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


def test_parsers_are_imported_only_when_needed() -> None:
    code = (
        "import sys, llmspell.rag.documents, llmspell.rag.chunking\n"
        "print([m for m in ('bs4', 'pypdf', 'yaml') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
