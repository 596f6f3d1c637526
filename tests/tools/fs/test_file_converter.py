"""file_converter on real files: formats, encodings with BOMs, line endings, refusals."""

from __future__ import annotations

import codecs
import json
import tomllib

import pytest
import yaml

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

CONV = "file_converter"
CSV = "name,age,member\nann,31,true\nbob,4.5,false\n"
ROWS = [{"name": "ann", "age": 31, "member": True}, {"name": "bob", "age": 4.5, "member": False}]


def test_csv_file_to_json_file(invoke, box):
    (box / "people.csv").write_text(CSV)
    done = invoke(CONV, path=str(box / "people.csv"), target_path=str(box / "people.json"))
    assert json.loads((box / "people.json").read_text()) == ROWS
    assert done.result["from_format"] == "csv" and done.result["to_format"] == "json"
    assert done.result["output_path"] == str(box / "people.json")
    assert done.text.startswith("Converted csv to json: wrote")


@pytest.mark.parametrize("target", ["yaml", "toml", "jsonl", "csv", "tsv", "json"])
def test_every_format_round_trips_through_content(invoke, target):
    out = invoke(CONV, input=CSV, from_format="csv", to_format=target)
    back = invoke(CONV, input=out.result["content"], from_format=target, to_format="json")
    data = json.loads(back.text)
    assert (data["items"] if target == "toml" else data) == ROWS
    assert out.text == out.result["content"]


def test_format_details(invoke, box):
    as_yaml = invoke(CONV, input='{"a": [1, 2], "b": null}', from_format="json", format="yml")
    assert yaml.safe_load(as_yaml.text) == {"a": [1, 2], "b": None}
    as_toml = invoke(CONV, input="a: 1\nb: null\nc: {d: x}\n", from_format="yaml", to_format="toml")
    assert tomllib.loads(as_toml.text) == {"a": 1, "c": {"d": "x"}}  # TOML has no null
    nested = invoke(CONV, input='[{"a": {"b": 1}, "c": null}]', from_format="json", to_format="csv")
    assert nested.text == 'a,c\n"{""b"": 1}",\n'
    sniffed = invoke(CONV, input='{"x": 1}\n{"x": 2}\n', to_format="json")
    assert json.loads(sniffed.text) == [{"x": 1}, {"x": 2}]
    raw = invoke(
        CONV,
        input="a;b\n1;2\n",
        from_format="csv",
        to_format="json",
        delimiter=";",
        infer_types=False,
    )
    assert json.loads(raw.text) == [{"a": "1", "b": "2"}]
    (box / "c.toml").write_text('title = "x"\n[owner]\nname = "Tom"\n')
    assert json.loads(invoke(CONV, path=str(box / "c.toml"), to_format="json").text) == {
        "title": "x",
        "owner": {"name": "Tom"},
    }
    with pytest.raises(ToolExecutionError, match="not valid json"):
        invoke(CONV, input="{broken", from_format="json", to_format="yaml")
    with pytest.raises(ToolParameterError, match="parameter 'to_format' is needed"):
        invoke(CONV, input="a,b\n", from_format="csv")
    with pytest.raises(ToolParameterError, match="parameter 'from_format' is needed"):
        invoke(CONV, input="plain words", to_format="json")


def test_encodings_and_boms(invoke, box):
    source = box / "u8.txt"
    source.write_text("héllo wörld\n", encoding="utf-8")
    done = invoke(
        CONV,
        operation="encoding",
        path=str(source),
        to_encoding="UTF-16",
        target_path=str(box / "u16.txt"),
    )
    data = (box / "u16.txt").read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE) and data.decode("utf-16") == "héllo wörld\n"
    assert done.result["from_encoding"] == "utf-8" and done.result["to_encoding"] == "utf-16"

    detected = invoke(CONV, operation="detect", path=str(box / "u16.txt")).result
    assert detected["encoding"] == "utf-16" and detected["bom"] is True

    (box / "sig.txt").write_bytes(codecs.BOM_UTF8 + "café\r\n".encode())
    info = invoke(CONV, operation="detect", path=str(box / "sig.txt")).result
    assert (info["encoding"], info["bom"], info["line_ending"]) == ("utf-8", True, "crlf")
    invoke(CONV, operation="encoding", path=str(box / "sig.txt"), to_encoding="latin-1")
    assert (box / "sig.txt").read_bytes() == b"caf\xe9\r\n"  # in place, BOM gone

    (box / "l1.txt").write_bytes(b"na\xefve")
    as_utf8 = invoke(
        CONV,
        operation="encoding",
        path=str(box / "l1.txt"),
        from_encoding="latin1",
        to_encoding="utf8",
        target_path=str(box / "l1-utf8.txt"),
    )
    assert (box / "l1-utf8.txt").read_text() == "naïve" and as_utf8.result["bom"] is False

    with pytest.raises(ToolExecutionError, match=r"cannot be written as ascii.*errors='replace'"):
        invoke(CONV, operation="encoding", input="naïve", to_encoding="ascii")
    assert (
        invoke(
            CONV, operation="encoding", input="naïve", to_encoding="ascii", errors="replace"
        ).text
        == "na?ve"
    )
    binary = invoke(CONV, operation="encoding", input="hé", to_encoding="utf-16-be")
    assert binary.result["content"] == "hé".encode("utf-16-be")
    with pytest.raises(ToolExecutionError, match="parameter 'to_encoding': unknown encoding"):
        invoke(CONV, operation="encoding", input="x", to_encoding="klingon")


def test_line_endings_keep_the_encoding(invoke, box):
    file = box / "dos.txt"
    file.write_bytes("a\r\nb\r\n".encode("utf-16"))
    done = invoke(CONV, operation="line_endings", path=str(file), line_ending="lf")
    assert file.read_bytes() == "a\nb\n".encode("utf-16") and done.result["previous"] == "crlf"
    assert invoke(CONV, operation="line_endings", input="a\nb\rc\r\n", line_ending="crlf").text == (
        "a\r\nb\r\nc\r\n"
    )
    assert invoke(CONV, operation="line_endings", input="a\nb", line_ending="cr").text == "a\rb"
    with pytest.raises(ToolParameterError, match="'line_ending' is needed"):
        invoke(CONV, operation="line_endings", input="a")


def test_indentation(invoke):
    spaces = invoke(CONV, operation="indentation", input="\tx\n\t\ty\n", tab_size=2).text
    assert spaces == "  x\n    y\n"
    tabs = invoke(CONV, operation="indentation", input="    x\n      y\n", convert_to_spaces=False)
    assert tabs.text == "\tx\n\t  y\n"


def test_refusals(make_rt, box, outside):
    invoke = make_rt({"tools.file_operations.max_file_size": 1000}).tools.invoke
    (box / "a.csv").write_text(CSV)
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(CONV, {"path": str(box / "a.csv"), "target_path": str(outside / "a.json")})
    with pytest.raises(PathNotAllowed):
        invoke(CONV, {"path": str(box / "../outside/secret.txt"), "to_format": "json"})
    (box / "s.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(PathNotAllowed):
        invoke(CONV, {"operation": "detect", "path": str(box / "s.txt")})
    with pytest.raises(PathNotAllowed, match="blocked_extensions"):
        invoke(
            CONV,
            {"path": str(box / "a.csv"), "target_path": str(box / "a.exe"), "to_format": "json"},
        )
    (box / "big.csv").write_text("a\n" + "1\n" * 600)
    with pytest.raises(ToolExecutionError, match="max_file_size"):
        invoke(CONV, {"path": str(box / "big.csv"), "to_format": "json"})
    with pytest.raises(ToolExecutionError, match="input is 1,201 bytes"):
        invoke(CONV, {"input": "x" * 1201, "operation": "detect"})
    with pytest.raises(ToolParameterError, match="give 'path'"):
        invoke(CONV, {"to_format": "json"})
    with pytest.raises(ToolParameterError, match="parameter 'to_format'"):
        invoke(CONV, {"input": "a", "to_format": "xml"})
    assert not (outside / "a.json").exists() and not (box / "a.exe").exists()


def test_from_lua(rt):
    values = rt.run_code(
        'local r = Tool.invoke("file_converter", {input="a,b\\n1,2\\n", from_format="csv", '
        'to_format="json", indent=0}) return r.text, r.result.content, r.operation'
    )
    assert values == ['[{"a": 1, "b": 2}]\n', '[{"a": 1, "b": 2}]\n', "convert"]
