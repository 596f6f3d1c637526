"""Values cross between Lua and Python exactly (SPEC: ints vs floats, arrays vs maps, bytes)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmspell.bridge.globals.base import ScriptGlobal
from llmspell.core.errors import ScriptError


class Echo(ScriptGlobal):
    name = "Echo"

    def back(self, value: object) -> object:
        return value

    def kind(self, value: object) -> str:
        return type(value).__name__


@pytest.fixture
def echo_lua(lua):
    lua.install(Echo())
    return lua


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary().filter(lambda b: not _is_utf8(b))
)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


values = st.recursive(
    scalars.filter(lambda v: v is not None),
    lambda children: (
        st.lists(children, min_size=1, max_size=5)
        | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values)
def test_python_values_round_trip_through_lua(echo_lua, value):
    echo_lua.set_global("v", value)
    (result,) = echo_lua.execute("return Echo.back(v)")
    assert result == value
    assert type(result) is type(value)


def test_integer_and_float_stay_distinct(echo_lua):
    assert echo_lua.execute("return math.type(Echo.back(3)), math.type(Echo.back(3.0))") == [
        "integer",
        "float",
    ]
    assert echo_lua.execute("return Echo.kind(3), Echo.kind(3.0)") == ["int", "float"]


def test_table_shapes(echo_lua):
    result = echo_lua.execute(
        "return Echo.back({}), Echo.back({1, 2, 3}), Echo.back({1, nil, 3}),"
        " Echo.back({a = 1, [2] = 'x'}), Echo.back({[1] = 'a', [10] = 'b'})"
    )
    assert result == [{}, [1, 2, 3], [1, None, 3], {"a": 1, 2: "x"}, {1: "a", 10: "b"}]


def test_binary_strings_survive(echo_lua):
    (value,) = echo_lua.execute("return Echo.back('a\\0\\255b')")
    assert value == b"a\x00\xffb"
    assert echo_lua.execute("return #Echo.back('a\\0\\255b')") == [4]


def test_nan_and_infinity_cross_as_floats(echo_lua):
    nan, inf = echo_lua.execute("return Echo.back(0/0), Echo.back(math.huge)")
    assert math.isnan(nan)
    assert inf == math.inf


def test_a_table_that_contains_itself_is_refused(echo_lua):
    ok, message = echo_lua.execute("local t = {} t.self = t return pcall(Echo.back, t)")
    assert ok is False
    assert "nested deeper than 100 levels" in message


def test_functions_cannot_hide_in_data_passed_back(echo_lua):
    (kind,) = echo_lua.execute("return Echo.kind(function() end)")
    assert kind == "LuaCallable"


def test_python_none_in_a_dict_leaves_no_key(echo_lua):
    echo_lua.set_global("d", {"a": None, "b": 1})
    assert echo_lua.execute("return d.a == nil, d.b") == [True, 1]


def test_lua_error_in_conversion_is_a_script_error(echo_lua):
    with pytest.raises(ScriptError, match="nested deeper"):
        echo_lua.execute("local t = {} t[1] = t Echo.back(t)")
