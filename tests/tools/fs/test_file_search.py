"""file_search over a real folder tree: matching options, filters, limits and refusals."""

from __future__ import annotations

import pytest

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

SEARCH = "file_search"


@pytest.fixture
def tree(box):
    (box / "src").mkdir()
    (box / "src/app.py").write_text(
        "import os\n\ndef main():\n    print('TODO: fix')\n    return 0\n"
    )
    (box / "src/util.py").write_text("# todo later\nvalue = 'todos'\n")
    (box / "README.md").write_text("Project\nTODO list\n")
    (box / "src/deep").mkdir()
    (box / "src/deep/inner.txt").write_text("TODO deep\n")
    (box / ".git").mkdir()
    (box / ".git/config").write_text("TODO in git\n")
    return box


def test_finds_lines_with_numbers_and_context(invoke, tree):
    found = invoke(SEARCH, pattern="TODO", path=str(tree), context_lines=1)
    matches = {
        (m["file"].removeprefix(str(tree) + "/"), m["line_number"]): m
        for m in found.result["matches"]
    }
    assert set(matches) == {("README.md", 2), ("src/app.py", 4), ("src/deep/inner.txt", 1)}
    app = matches[("src/app.py", 4)]
    assert app["line"] == "    print('TODO: fix')" and app["column"] == 12
    assert app["context_before"] == ["def main():"] and app["context_after"] == ["    return 0"]
    assert app["matched_text"] == "TODO" and app["line_content"] == app["line"]
    assert found.result["files_matched"] == 3 and found.result["total_matches"] == 3
    assert found.text == "Found 3 matches in 3 of 4 files searched. Search pattern: 'TODO'"
    assert found.metadata["response"]["result"]["summary"]["has_matches"] is True


def test_case_whole_word_and_regex(invoke, tree):
    loose = invoke(SEARCH, pattern="todo", path=str(tree), case_sensitive=False).result
    assert loose["total_matches"] == 5  # README, app, util x2, inner (.git skipped)
    word = invoke(SEARCH, pattern="todo", path=str(tree), case_sensitive=False, whole_word=True)
    assert word.result["total_matches"] == 4  # not 'todos'
    regex = invoke(SEARCH, pattern=r"def \w+\(", path=str(tree), use_regex=True).result
    assert [m["matched_text"] for m in regex["matches"]] == ["def main("]
    with pytest.raises(
        ToolExecutionError, match=r"not a valid regular expression.*use_regex=false"
    ):
        invoke(SEARCH, pattern="(unclosed", path=str(tree), use_regex=True)
    literal = invoke(SEARCH, pattern="main()", path=str(tree)).result
    assert literal["total_matches"] == 1


def test_filters_depth_and_limits(invoke, tree):
    def files(**options):
        result = invoke(SEARCH, pattern="TODO", path=str(tree), **options).result
        return sorted(m["file"].removeprefix(str(tree) + "/") for m in result["matches"])

    assert files(include="*.py") == ["src/app.py"]
    assert files(include=["*.md", "src/deep/*"]) == ["README.md", "src/deep/inner.txt"]
    assert files(exclude="*.md, *.txt") == ["src/app.py"]
    assert files(include_extensions=["txt"]) == ["src/deep/inner.txt"]
    assert files(exclude_extensions="py,txt") == ["README.md"]
    assert files(recursive=False) == ["README.md"]
    assert files(max_depth=1) == ["README.md", "src/app.py"]
    assert files(exclude_dirs=["deep"]) == [".git/config", "README.md", "src/app.py"]
    capped = invoke(SEARCH, pattern="o", path=str(tree), max_results=2).result
    assert capped["total_matches"] == 2 and capped["truncated"] is True
    per_file = invoke(SEARCH, pattern="o", path=str(tree / "src/app.py"), max_matches_per_file=1)
    assert per_file.result["total_matches"] == 1


def test_binary_and_large_files_are_skipped(invoke, box):
    (box / "data.bin").write_bytes(b"needle\x00\x01\x02")
    (box / "big.txt").write_text("needle\n" + "x" * 2000)
    (box / "small.txt").write_text("a needle\n")
    (box / "wide.txt").write_bytes("a needle in utf-16\n".encode("utf-16"))
    result = invoke(SEARCH, pattern="needle", path=str(box), max_file_size=1000).result
    assert sorted(m["file"].rsplit("/", 1)[1] for m in result["matches"]) == [
        "small.txt",
        "wide.txt",
    ]
    reasons = {s["file"].rsplit("/", 1)[1]: s["reason"] for s in result["skipped_files"]}
    assert reasons["data.bin"] == "binary file"
    assert "over the 1,000-byte max_file_size" in reasons["big.txt"]


def test_links_outside_and_blocked_extensions_are_never_read(invoke, box, outside):
    (box / "visible.txt").write_text("password here\n")
    (box / "leak.txt").symlink_to(outside / "secret.txt")
    (box / "outdir").symlink_to(outside, target_is_directory=True)
    (box / "lib.so").write_bytes(b"password in a library\n")
    result = invoke(SEARCH, pattern="password", path=str(box)).result
    assert [m["file"] for m in result["matches"]] == [str(box / "visible.txt")]
    reasons = {s["file"].rsplit("/", 1)[1]: s["reason"] for s in result["skipped_files"]}
    assert "allowed_paths" in reasons["leak.txt"]
    assert "blocked_extensions" in reasons["lib.so"]
    assert "secret" not in str(result)


def test_search_roots_outside_are_refused(invoke, box, outside):
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(SEARCH, pattern="secret", path=str(box / ".." / "outside"))
    (box / "door").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PathNotAllowed):
        invoke(SEARCH, pattern="secret", path=str(box / "door"))
    with pytest.raises(ToolExecutionError, match="no such file or folder"):
        invoke(SEARCH, pattern="x", path=str(box / "missing"))


def test_bad_parameters_name_the_parameter(invoke, box):
    with pytest.raises(ToolParameterError, match="parameter 'pattern' is required"):
        invoke(SEARCH, path=str(box))
    with pytest.raises(ToolParameterError, match="parameter 'context_lines'"):
        invoke(SEARCH, pattern="x", path=str(box), context_lines="lots")
    with pytest.raises(ToolParameterError, match="parameter 'max_results'"):
        invoke(SEARCH, pattern="x", path=str(box), max_results=0)


def test_from_lua(rt, tree):
    values = rt.run_code(
        f'local r = Tool.invoke("file_search", {{pattern="TODO", path="{tree}/src", '
        "include={'*.py'}}) "
        "return r.result.total_matches, r.result.matches[1].line_number, r.result.matches[1].line"
    )
    assert values == [1, 4, "    print('TODO: fix')"]
