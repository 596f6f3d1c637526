"""`Streaming`: coroutine-backed streams, exercised from Lua."""

from __future__ import annotations

import pytest

from llmspell.bridge.globals.streaming import StreamingGlobal
from llmspell.core.errors import ScriptError, ScriptTimeout
from llmspell.runtime import Runtime


@pytest.fixture
def rt(runtime: Runtime) -> Runtime:
    engine = runtime.engine()
    engine.install(StreamingGlobal(engine))
    return runtime


def test_next_is_lazy_and_done_after_finish(rt: Runtime) -> None:
    out = rt.run_code(
        """
        local log = {}
        local s = Streaming.create(function()
          for i = 1, 3 do log[#log + 1] = "made " .. i; Streaming.yield(i * 10) end
        end)
        local first = s:next()
        local made_after_first = #log
        local second = s.next()
        local done_before = s:isDone()
        local third, last = s:next(), s:next()
        return first, made_after_first, second, done_before, third, last, s:isDone(), s:next(),
          tostring(s)
        """
    )
    assert out == [10, 1, 20, False, 30, None, True, None, "Stream"]


def test_collect_and_coroutine_yield(rt: Runtime) -> None:
    out = rt.run_code(
        """
        local s = Streaming:create(function()
          coroutine.yield("a"); coroutine.yield(nil); Streaming:yield("b")
          return "c"
        end)
        local first = s:next()
        return first, s:collect(), s:isDone()
        """
    )
    assert out == ["a", ["b", "c"], True]


def test_infinite_generator_and_yield_outside_a_stream(rt: Runtime) -> None:
    out = rt.run_code(
        """
        local nat = Streaming.create(function()
          local i = 0
          while true do i = i + 1; Streaming.yield(i) end
        end)
        local sum = 0
        for _ = 1, 100 do sum = sum + nat:next() end
        return sum, nat:isDone(), Streaming.yield(5)
        """
    )
    assert out == [5050, False, None]


def test_generator_errors_reach_the_caller(rt: Runtime) -> None:
    out = rt.run_code(
        """
        local s = Streaming.create(function() Streaming.yield(1); error("boom") end)
        local v = s:next()
        local ok, err = pcall(s.next, s)
        return v, ok, err, s:isDone(), s:next()
        """
    )
    assert out[:2] == [1, False]
    assert "boom" in out[2]
    assert out[3:] == [True, None]
    with pytest.raises(ScriptError, match="argument must be a function, got number"):
        rt.run_code("Streaming.create(42)")


def test_time_limit_applies_inside_the_generator(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(timeout_seconds=0.3)
    engine.install(StreamingGlobal(engine))
    with pytest.raises(ScriptTimeout):
        engine.execute("Streaming.create(function() while true do end end):next()")


def test_without_the_coroutine_library(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(stdlib="none")
    engine.install(StreamingGlobal(engine))
    with pytest.raises(ScriptError, match="needs the coroutine library"):
        engine.execute("Streaming.create(function() end)")
