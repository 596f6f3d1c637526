"""The declarative binding: call styles, errors, several returns, objects and callbacks."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from llmspell.bridge.globals.base import Multi, ScriptGlobal, ScriptObject
from llmspell.core.errors import ScriptError, ValidationError


class Builder(ScriptObject):
    def __init__(self) -> None:
        self.parts: list[str] = []

    def script_fields(self) -> dict[str, object]:
        return {"kind": "builder"}

    def add(self, part: str) -> Builder:
        self.parts.append(part)
        return self

    def build(self) -> str:
        return "-".join(self.parts)


class Sample(ScriptGlobal):
    name = "Sample"

    def __init__(self) -> None:
        self.calls = 0

    def hello(self, who: str = "world") -> str:
        self.calls += 1
        return f"hello {who}"

    def pair(self) -> Multi:
        return Multi(("a", 2))

    def nothing(self) -> None:
        return None

    def fail(self) -> None:
        raise ValidationError("Sample.fail: always fails")

    def crash(self) -> None:
        raise RuntimeError("unexpected")

    def builder(self) -> Builder:
        return Builder()

    def call(self, fn, *args):
        return fn(*args)

    def call_from_thread(self, fn, value):
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(fn, value)
            return self._thread.wait(future)

    def thread(self) -> int:
        return threading.get_ident()

    greet = hello


@pytest.fixture
def sample(lua):
    global_ = Sample()
    global_._thread = lua.script_thread
    lua.install(global_)
    return global_


def test_dot_and_colon_call_styles_are_the_same(lua, sample):
    assert lua.execute("return Sample.hello('a'), Sample:hello('b'), Sample.hello()") == [
        "hello a",
        "hello b",
        "hello world",
    ]
    assert lua.execute("return Sample.greet('alias')") == ["hello alias"]


def test_several_return_values(lua, sample):
    assert lua.execute("local a, b = Sample.pair() return a, b, select('#', Sample.nothing())") == [
        "a",
        2,
        1,
    ]


def test_errors_are_catchable_with_their_message(lua, sample):
    ok, message = lua.execute("return pcall(Sample.fail)")
    assert ok is False
    assert message == "Sample.fail: always fails"
    ok, message = lua.execute("return pcall(function() Sample.fail() end)")
    assert message == "spell:1: Sample.fail: always fails"


def test_unexpected_python_errors_name_their_type(lua, sample):
    with pytest.raises(ScriptError, match="RuntimeError: unexpected") as info:
        lua.execute("local x = 1\nSample.crash()", chunk_name="@app.lua")
    assert (info.value.chunk, info.value.line) == ("app.lua", 2)
    assert "app.lua:2: in main chunk" in info.value.traceback


def test_objects_with_methods_in_both_styles(lua, sample):
    result = lua.execute(
        "local b = Sample.builder() b:add('x') b.add('y') return b:add('z'):build(), b.kind"
    )
    assert result == ["x-y-z", "builder"]


def test_builder_chain_returns_the_same_object(lua, sample):
    assert lua.execute("local b = Sample.builder() return b:add('x') == b") == [True]


def test_lua_callbacks_called_from_python(lua, sample):
    assert lua.execute("return Sample.call(function(a, b) return a + b end, 2, 3)") == [5]


def test_callback_error_surfaces_as_catchable_error(lua, sample):
    ok, message = lua.execute("return pcall(Sample.call, function() error('inner') end)")
    assert ok is False
    assert "inner" in message


def test_callbacks_from_a_worker_thread_run_on_the_script_thread(lua, sample):
    result, callback_thread = lua.execute(
        "local seen\n"
        "local function double(v) seen = Sample.thread() return v * 2 end\n"
        "return Sample.call_from_thread(double, 21), seen"
    )
    assert result == 42
    assert callback_thread == threading.get_ident()


def test_lazy_globals_are_built_on_first_use(lua):
    built: list[str] = []

    def factory() -> Sample:
        built.append("Sample")
        return Sample()

    lua.install_lazy("Sample", factory)
    lua.execute("local x = 1 + 1")
    assert built == []
    assert lua.execute("local s = Sample return s.hello('lazy'), Sample ~= nil") == [
        "hello lazy",
        True,
    ]
    assert built == ["Sample"]


def test_wrong_argument_counts_are_explained_in_script_terms(lua, sample):
    ok, message = lua.execute("return pcall(Sample.call)")
    assert ok is False
    assert message == "Sample.call: missing argument 'fn'; usage: Sample.call(fn, ...)"
    ok, message = lua.execute("return pcall(Sample.hello, 'a', 'b')")
    assert message == (
        "Sample.hello: expected at most 1 argument, got 2; usage: Sample.hello(who?)"
    )


def test_type_errors_inside_a_method_keep_their_own_message(lua, sample):
    ok, message = lua.execute("return pcall(Sample.call, 5)")
    assert ok is False
    assert message.startswith("TypeError: 'int' object is not callable")
