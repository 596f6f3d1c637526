"""pdf-processor on real PDFs built with pypdf: text, metadata, pages, split, merge, limits."""

from __future__ import annotations

import pytest

from llmspell.core.errors import (
    PathNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)

TOOL = "pdf-processor"
WORDS = ["Alpha apples page", "Bravo bananas page", "Charlie cherries page"]


def invoke(rt, **params):
    return rt.tools.invoke(TOOL, params)


@pytest.fixture
def doc(make_pdf):
    return make_pdf(
        "doc.pdf",
        WORDS,
        metadata={
            "/Title": "Fruit Report",
            "/Author": "Ada Lovelace",
            "/Subject": "Fruit",
            "/Keywords": "apples, bananas",
            "/CreationDate": "D:20240102030405+00'00'",
        },
    )


def test_extract_text_reads_every_page_by_default(rt, doc):
    result = invoke(rt, input=str(doc))  # extract_text is the default operation
    data = result.result
    assert result.text == data["text"] == "\n\n".join(WORDS)
    assert result.to_dict()["operation"] == "extract_text"
    assert (data["page_count"], data["start_page"], data["end_page"]) == (3, 1, 3)
    assert data["pages_read"] == 3 and data["truncated"] is False
    assert data["length"] == len(data["text"]) and data["file_path"] == str(doc)


def test_extract_text_of_a_page_range(rt, doc):
    assert invoke(rt, input=str(doc), start_page=2).text == "\n\n".join(WORDS[1:])
    assert invoke(rt, input=str(doc), start_page=2, end_page=2).text == WORDS[1]
    picked = invoke(rt, file_path=str(doc), pages="3, 1").result
    assert picked["text"] == f"{WORDS[2]}\n\n{WORDS[0]}" and picked["pages_read"] == 2
    assert invoke(rt, input=str(doc), page_range="2-").text == "\n\n".join(WORDS[1:])


def test_extract_pages_gives_the_text_of_each_page(rt, doc):
    data = invoke(rt, operation="extract_pages", input=str(doc), start_page=2).result
    assert data["pages"] == [{"page": 2, "text": WORDS[1]}, {"page": 3, "text": WORDS[2]}]
    assert data["start_page"] == 2


def test_pages_that_do_not_exist_or_bad_ranges(rt, doc):
    with pytest.raises(ToolExecutionError, match=r"pages 2-9 do not exist: the PDF has 3 page"):
        invoke(rt, input=str(doc), pages="2-9")
    with pytest.raises(ToolExecutionError, match="pages 5-3 do not exist"):
        invoke(rt, input=str(doc), start_page=5)
    with pytest.raises(ToolParameterError, match=r"parameter 'pages': 'x' is not a page"):
        invoke(rt, input=str(doc), pages="1,x")
    with pytest.raises(ToolParameterError, match="give 'pages' or 'start_page'/'end_page'"):
        invoke(rt, input=str(doc), pages="1", start_page=1)


def test_metadata(rt, doc):
    result = invoke(rt, operation="extract_metadata", input=str(doc))
    data = result.result
    assert (data["title"], data["author"], data["subject"]) == (
        "Fruit Report",
        "Ada Lovelace",
        "Fruit",
    )
    assert data["keywords"] == "apples, bananas" and data["producer"] == "pypdf"
    assert data["creation_date"] == "2024-01-02T03:04:05+00:00"
    assert data["page_count"] == 3 and data["encrypted"] is False
    assert data["file_name"] == "doc.pdf" and data["file_size"] == doc.stat().st_size
    assert data["pdf_version"].startswith("1.")
    assert "'Fruit Report': 3 pages" in result.text
    alias = invoke(rt, operation="metadata", input=str(doc))
    assert alias.result["title"] == "Fruit Report"
    assert alias.to_dict()["operation"] == "extract_metadata"


def test_metadata_can_be_turned_off(make_rt, doc):
    rt = make_rt({"tools.document.extract_metadata": False})
    data = invoke(rt, operation="metadata", input=str(doc)).result
    assert "title" not in data and data["page_count"] == 3
    assert "tools.document.extract_metadata" in data["note"]


def test_pages_reports_sizes_and_rotation(rt, make_pdf):
    path = make_pdf("sizes.pdf", ["a", "b"], sizes=[(612, 792), (842, 595)], rotate={1: 90})
    data = invoke(rt, operation="pages", input=str(path)).result
    assert data["page_count"] == 2
    assert data["pages"] == [
        {"page": 1, "width": 612.0, "height": 792.0, "rotation": 0},
        {"page": 2, "width": 842.0, "height": 595.0, "rotation": 90},
    ]


def test_split_chosen_pages_into_one_pdf(rt, doc, tmp_path, pdf_text):
    out = tmp_path / "out" / "odd.pdf"
    result = invoke(rt, operation="split", input=str(doc), pages="1,3", target_path=str(out))
    assert result.result["pages"] == [1, 3] and result.result["page_count"] == 2
    assert result.result["target_path"] == str(out)
    assert pdf_text(out) == [WORDS[0], WORDS[2]]


def test_split_one_pdf_per_page(rt, doc, tmp_path, pdf_text):
    parts = tmp_path / "parts"
    result = invoke(rt, operation="split", input=str(doc), start_page=2, target_dir=str(parts))
    assert result.result["files"] == [
        str(parts / "doc_page_002.pdf"),
        str(parts / "doc_page_003.pdf"),
    ]
    assert pdf_text(parts / "doc_page_003.pdf") == [WORDS[2]]
    with pytest.raises(ToolParameterError, match="needs one of 'target_path'"):
        invoke(rt, operation="split", input=str(doc))


def test_merge_in_order(rt, doc, make_pdf, tmp_path, pdf_text):
    extra = make_pdf("extra.pdf", ["Delta dates page"])
    out = tmp_path / "merged.pdf"
    result = invoke(rt, operation="merge", file_paths=[str(extra), str(doc)], target_path=str(out))
    assert result.result == {
        "target_path": str(out),
        "sources": [str(extra), str(doc)],
        "page_count": 4,
    }
    assert pdf_text(out) == ["Delta dates page", *WORDS]
    with pytest.raises(ToolParameterError, match="at least two PDFs"):
        invoke(rt, operation="merge", file_paths=[str(doc)], target_path=str(out))
    with pytest.raises(ToolParameterError, match="'target_path' is required"):
        invoke(rt, operation="merge", input=str(doc), file_paths=[str(extra)])


def test_encrypted_pdfs_need_the_password(rt, make_pdf):
    locked = make_pdf("locked.pdf", ["Secret plans"], password="s3cret")
    with pytest.raises(ToolExecutionError, match="is encrypted; give its password in 'password'"):
        invoke(rt, input=str(locked))
    with pytest.raises(ToolExecutionError, match="password given in 'password' is wrong"):
        invoke(rt, input=str(locked), password="guess")
    assert invoke(rt, input=str(locked), password="s3cret").text == "Secret plans"
    meta = invoke(rt, operation="metadata", input=str(locked), password="s3cret").result
    assert meta["encrypted"] is True


def test_not_a_pdf_and_missing_file(rt, tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_text("just text")
    with pytest.raises(ToolExecutionError, match=r"fake\.pdf' is not a readable PDF"):
        invoke(rt, input=str(fake))
    with pytest.raises(ToolExecutionError, match="no such file"):
        invoke(rt, input=str(tmp_path / "missing.pdf"))


def test_max_pages_cuts_text_and_refuses_split_and_merge(make_rt, doc, tmp_path):
    rt = make_rt({"tools.document.max_pages": 2})
    data = invoke(rt, input=str(doc)).result
    assert data["truncated"] is True and data["pages_read"] == 2
    assert WORDS[2] not in data["text"] and "tools.document.max_pages" in data["note"]
    with pytest.raises(ToolExecutionError, match=r"split would use 3 pages.*max_pages` = 2"):
        invoke(rt, operation="split", input=str(doc), target_path=str(tmp_path / "s.pdf"))
    with pytest.raises(ToolExecutionError, match=r"merge would use 6 pages"):
        invoke(
            rt,
            operation="merge",
            file_paths=[str(doc), str(doc)],
            target_path=str(tmp_path / "m.pdf"),
        )


def test_oversized_pdf_names_the_limit(make_rt, doc):
    rt = make_rt({"tools.document.max_pdf_size": 100})
    with pytest.raises(
        ToolExecutionError, match=r"over the 100-byte limit .*tools.document.max_pdf_size"
    ):
        invoke(rt, input=str(doc))


def test_path_refusals(rt, doc, tmp_path, outside):
    (outside / "secret.pdf").write_bytes(doc.read_bytes())
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, input=str(tmp_path / ".." / outside.name / "secret.pdf"))
    (tmp_path / "link.pdf").symlink_to(outside / "secret.pdf")
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, input=str(tmp_path / "link.pdf"))
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, operation="split", input=str(doc), target_path=str(outside / "x.pdf"))
    with pytest.raises(PathNotAllowed, match="blocked_extensions"):
        invoke(rt, operation="split", input=str(doc), target_path=str(tmp_path / "x.dll"))
    assert not (outside / "x.pdf").exists()


def test_bad_parameters_name_the_parameter(rt, doc):
    with pytest.raises(ToolParameterError, match="parameter 'input' is required"):
        invoke(rt)
    with pytest.raises(ToolParameterError, match=r"parameter 'start_page': .*integer.*'two'"):
        invoke(rt, input=str(doc), start_page="two")
    with pytest.raises(ToolParameterError, match=r"parameter 'start_page': .*greater"):
        invoke(rt, input=str(doc), start_page=0)
    with pytest.raises(ToolParameterError, match="parameter 'operation'"):
        invoke(rt, input=str(doc), operation="ocr")
    with pytest.raises(ToolParameterError, match="unknown parameter 'page'"):
        invoke(rt, input=str(doc), page=1)


def test_pdf_processor_is_restricted(make_rt, doc):
    rt = make_rt({"tools.max_security_level": "safe"})
    with pytest.raises(SecurityError, match="needs security level 'restricted'"):
        invoke(rt, input=str(doc))


def test_from_lua(rt, doc):
    text, count, op, title = rt.run_code(
        f"""
        local r = Tool.invoke("pdf-processor", {{input = "{doc}", start_page = 3}})
        local m = Tool.invoke("pdf_processor", {{operation = "extract_metadata", input = "{doc}"}})
        return r.result.text, r.result.page_count, r.operation, m.result.title
        """
    )
    assert (text, count, op, title) == (WORDS[2], 3, "extract_text", "Fruit Report")


def test_a_spell_run_by_the_cli_reads_a_pdf(cli, tmp_path, doc):
    config = tmp_path / "llmspell.toml"
    config.write_text(f'[tools.file_operations]\nallowed_paths = ["{tmp_path}"]\n')
    spell = tmp_path / "pdf.lua"
    spell.write_text(
        f"""
        local r = Tool.invoke("pdf-processor", {{operation = "extract_pages", input = "{doc}"}})
        for _, page in ipairs(r.result.pages) do print(page.page, page.text) end
        local ok, err = pcall(Tool.invoke, "pdf-processor", {{input = "{tmp_path}/none.pdf"}})
        print(ok, err:find("no such file") ~= nil)
        """
    )
    result = cli("-c", str(config), "run", str(spell))
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"1\t{WORDS[0]}",
        f"2\t{WORDS[1]}",
        f"3\t{WORDS[2]}",
        "false\ttrue",
    ]
