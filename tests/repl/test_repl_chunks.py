"""Input accumulation decides, with the real Lua compiler, when a chunk is complete."""

from __future__ import annotations

import pytest

from llmspell.core.errors import ScriptError
from llmspell.repl.chunks import CHUNK_NAME, InputBuffer
from llmspell.runtime import Runtime


@pytest.fixture
def buffer(runtime: Runtime) -> InputBuffer:
    engine = runtime.engine()
    return InputBuffer(lambda code: engine.compile(code, CHUNK_NAME))


def test_an_expression_is_run_as_return(buffer):
    chunk = buffer.add("1 + 1")
    assert chunk is not None
    assert chunk.kind == "expression"
    assert chunk.code == "return 1 + 1"
    assert chunk.source == "1 + 1"


def test_a_statement_runs_as_typed(buffer):
    chunk = buffer.add("x = 1")
    assert chunk is not None
    assert (chunk.kind, chunk.code) == ("statement", "x = 1")


@pytest.mark.parametrize(
    "lines",
    [
        ["function f(a)", "  return a * 2", "end"],
        ["if true then", "print(1)", "end"],
        ['s = "abc\\', 'def"'],
        ["s = [[one", "two]]"],
        ["t = {", "1,", "2}"],
        ["{", "1, 2 }"],
        ["x = 1 +", "2"],
    ],
)
def test_unfinished_input_waits_for_more_lines(buffer, lines):
    for line in lines[:-1]:
        assert buffer.add(line) is None
        assert buffer.pending
    chunk = buffer.add(lines[-1])
    assert chunk is not None
    assert chunk.source == "\n".join(lines)
    assert not buffer.pending


def test_a_real_syntax_error_is_raised_at_once(buffer):
    with pytest.raises(ScriptError) as info:
        buffer.add("x = = 1")
    assert str(info.value).startswith("stdin:1:")
    assert not buffer.pending


def test_finish_reports_an_unfinished_chunk(buffer):
    buffer.add("function f()")
    error = buffer.finish()
    assert error is not None
    assert "'end' expected" in str(error)
    assert not buffer.pending
    assert buffer.finish() is None


def test_clear_drops_pending_lines(buffer):
    buffer.add("while true do")
    buffer.clear()
    assert not buffer.pending
    assert buffer.add("2") is not None
