"""diff_calculator: text diffs in several layouts, word diffs, and structural JSON diffs."""

from __future__ import annotations

import json
import os

import pytest

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

OLD = "one\ntwo\nthree\nfour\n"
NEW = "one\nTWO\nthree\nfive\nsix\n"


def diff(rt, **params):
    return rt.tools.invoke("diff_calculator", params)


def test_unified_diff_with_stats(rt):
    result = diff(rt, old_text=OLD, new_text=NEW)
    assert result.text == (
        "--- old\n+++ new\n@@ -1,4 +1,5 @@\n one\n-two\n+TWO\n three\n-four\n+five\n+six"
    )
    assert result.result["type"] == "text" and result.result["has_changes"] is True
    assert result.result["diff"] == result.result["output"] == result.text
    assert result.result["stats"] == {
        "unit": "lines",
        "added": 3,
        "removed": 2,
        "unchanged": 2,
        "old_lines": 4,
        "new_lines": 5,
    }
    assert (result.result["old_lines"], result.result["new_lines"]) == (4, 5)
    assert result.extra["operation"] == "text_diff"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (
            "context",
            "*** old\n--- new\n***************\n*** 1,4 ****\n  one\n! two\n  three\n! four\n"
            "--- 1,5 ----\n  one\n! TWO\n  three\n! five\n! six",
        ),
        ("ndiff", "  one\n- two\n+ TWO\n  three\n- four\n+ five\n+ six"),
        ("simple", "- two\n+ TWO\n- four\n+ five\n+ six"),
    ],
)
def test_other_layouts(rt, fmt, expected):
    assert diff(rt, old=OLD, new=NEW, format=fmt).text == expected


def test_side_by_side(rt):
    rows = diff(rt, old_text=OLD, new_text=NEW, format="side_by_side", width=10).text.splitlines()
    assert rows == [
        "one          one",
        "two        | TWO",
        "three        three",
        "four       | five",
        "           > six",
    ]


def test_options_words_and_no_changes(rt):
    assert (
        diff(
            rt, old_text="A\nb  c\n", new_text="a\nb c\n", ignore_case=True, ignore_whitespace=True
        ).result["has_changes"]
        is False
    )
    words = diff(
        rt, old_text="the quick brown fox", new_text="the slow brown dog", granularity="word"
    )
    assert words.text == "the [-quick-]{+slow+} brown [-fox-]{+dog+}"
    assert (words.result["stats"]["added"], words.result["stats"]["removed"]) == (2, 2)
    same = diff(rt, old_text="x\n", new_text="x\n")
    assert same.text == "no differences" and same.result["diff"] == ""


def test_json_diff_paths(rt):
    old = {
        "name": "John",
        "age": 30,
        "city": "NY",
        "hobbies": ["r", "g"],
        "meta": {"a": 1, "b": True},
    }
    new = {
        "name": "John",
        "age": 31,
        "city": "SF",
        "hobbies": ["r", "g", "h"],
        "job": "E",
        "meta": {"a": 1.0},
    }
    result = diff(rt, old_json=old, new_json=json.dumps(new))
    r = result.result
    assert r["type"] == "json" and r["has_changes"] is True
    assert r["added"] == {"hobbies[2]": "h", "job": "E"}
    assert r["removed"] == {"meta.b": True}
    assert r["modified"] == {"age": {"old": 30, "new": 31}, "city": {"old": "NY", "new": "SF"}}
    assert r["unchanged"] == ["name", "hobbies[0]", "hobbies[1]", "meta.a"]
    assert r["summary"] == {"added": 2, "removed": 1, "modified": 2, "unchanged": 4}
    assert [c["path"] for c in r["changes"]] == ["age", "city", "hobbies[2]", "meta.b", "job"]
    assert result.text.splitlines()[0] == "~ age: 30 -> 31"
    assert result.extra["operation"] == "json_diff"


def test_json_diff_types_and_odd_keys(rt):
    r = diff(
        rt, type="json", old_json={"flag": True, "a b": 1}, new_json={"flag": 1, "a b": 2}
    ).result
    assert r["modified"] == {"flag": {"old": True, "new": 1}, '["a b"]': {"old": 1, "new": 2}}
    assert diff(rt, type="json", old_json=[1], new_json=[1]).result["has_changes"] is False
    with pytest.raises(ToolExecutionError, match=r"new_json is not valid JSON"):
        diff(rt, type="json", old_json={}, new_json="{oops")
    with pytest.raises(ToolExecutionError, match=r"new_json \(or new_file\) is missing"):
        diff(rt, type="json", old_json={})


def test_files_inside_the_sandbox(rt, work, outside):
    (work / "a.txt").write_text(OLD)
    (work / "b.txt").write_text(NEW)
    text = diff(rt, old_file=str(work / "a.txt"), new_file="b.txt").text
    assert text.splitlines()[:2] == [f"--- {work / 'a.txt'}", "+++ b.txt"]
    (work / "a.json").write_text('{"v": 1}')
    (work / "b.json").write_text('{"v": 2}')
    assert diff(rt, type="json", old_file="a.json", new_path="b.json").result["modified"] == {
        "v": {"old": 1, "new": 2}
    }
    (outside / "secret.txt").write_text("s")
    with pytest.raises(PathNotAllowed):
        diff(rt, old_file=str(work / ".." / "outside" / "secret.txt"), new_file="b.txt")
    os.symlink(outside / "secret.txt", work / "link.txt")
    with pytest.raises(PathNotAllowed):
        diff(rt, old_file="a.txt", new_file=str(work / "link.txt"))


def test_size_limit_and_bad_parameters(make_rt):
    rt = make_rt(**{"tools.file_operations.max_file_size": 10})
    with pytest.raises(
        ToolExecutionError, match=r"the old text is 19 bytes, over the 10-byte limit"
    ):
        diff(rt, old_text=OLD, new_text="x")
    with pytest.raises(ToolParameterError, match=r"parameter 'format'"):
        diff(rt, old_text="a", new_text="b", format="html")
    with pytest.raises(ToolParameterError, match=r"parameter 'context_lines'"):
        diff(rt, old_text="a", new_text="b", context_lines=-1)
    with pytest.raises(ToolExecutionError, match=r"needs both sides"):
        diff(rt, old_text="a")


def test_from_lua(rt):
    values = rt.run_code(
        """
        local t = Tool.invoke("diff_calculator", {old_text = "Hello", new_text = "Hello World"})
        local j = Tool.invoke("diff_calculator", {old_json = {a = 1}, new_json = {a = 2, b = 3}})
        return t.result.has_changes, t.result.stats.added, j.result.modified.a.new,
          j.result.added.b, j.result.summary.added
        """
    )
    assert values == [True, 1, 2, 3, 1]
