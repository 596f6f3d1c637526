"""Wall-time and memory limits stop a spell with a clear error, and the engine stays usable."""

from __future__ import annotations

import threading
import time

import pytest

from llmspell.core.errors import ScriptExit, ScriptMemoryError, ScriptTimeout


@pytest.mark.parametrize(
    "code",
    [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "local co = coroutine.wrap(function() while true do end end) co()",
        "local co = coroutine.create(function() while true do end end) coroutine.resume(co)",
        "local function f() return f() end f()",
    ],
    ids=["loop", "pcall-swallow", "coroutine-wrap", "coroutine-create", "tail-recursion"],
)
def test_runaway_spells_time_out(make_engine, code):
    engine = make_engine(timeout_seconds=0.3)
    with pytest.raises(ScriptTimeout, match=r"timed out after 0.3 s .*script_timeout_seconds"):
        engine.execute(code)
    assert engine.execute("return 'still usable'") == ["still usable"]


def test_unbounded_allocation_hits_the_memory_limit(make_engine):
    engine = make_engine(max_memory_bytes=20_000_000)
    with pytest.raises(ScriptMemoryError, match=r"20,000,000 bytes .*max_memory_bytes"):
        engine.execute("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 64) .. i end")
    assert engine.execute("return 1 + 1") == [2]


def test_one_huge_allocation_hits_the_memory_limit(make_engine):
    engine = make_engine(max_memory_bytes=20_000_000)
    with pytest.raises(ScriptMemoryError):
        engine.execute("local s = string.rep('x', 1e9)")


def test_memory_error_is_also_a_python_memory_error(make_engine):
    engine = make_engine(max_memory_bytes=10_000_000)
    with pytest.raises(MemoryError):
        engine.execute("local s = string.rep('x', 1e8)")


def test_os_exit_stops_the_spell_even_inside_pcall(lua, sink):
    with pytest.raises(ScriptExit) as info:
        lua.execute("print('before') pcall(os.exit, 4) print('after')")
    assert info.value.code == 4
    assert sink.stdout_text == "before\n"


def test_os_exit_with_boolean(lua):
    with pytest.raises(ScriptExit) as info:
        lua.execute("os.exit(false)")
    assert info.value.code == 1


def test_interrupt_from_another_thread_stops_a_loop(make_engine):
    engine = make_engine(timeout_seconds=30)
    threading.Timer(0.2, engine.interrupt).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        engine.execute("while true do end")
    assert time.monotonic() - started < 10


def test_no_timeout_when_disabled(make_engine):
    engine = make_engine(timeout_seconds=None)
    assert engine.execute("local n = 0 for i = 1, 1e6 do n = n + i end return n") == [500000500000]
