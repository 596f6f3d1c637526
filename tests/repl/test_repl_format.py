"""Results are shown as the standalone `lua` prompt shows them, tables compactly."""

from __future__ import annotations

import pytest

from llmspell.repl import format_value, format_values, lua_repr
from llmspell.repl.format import MAX_ITEMS, short_repr


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (2, "2"),
        (-7, "-7"),
        (1.0, "1.0"),
        (0.1 + 0.2, "0.3"),
        (2.0**53, "9.007199254741e+15"),
        (1e100, "1e+100"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (True, "true"),
        (False, "false"),
        (None, "nil"),
        ("plain text", "plain text"),
        (b"\xffraw", "\ufffdraw"),
    ],
)
def test_scalars_look_like_lua(value, shown):
    assert format_value(value) == shown


def test_nan_keeps_its_sign_like_lua():
    nan = float("nan")
    assert format_value(nan) == "nan"
    assert format_value(-nan) == "-nan"


def test_several_values_are_tab_separated_and_none_means_no_line():
    assert format_values([1, "a", None]) == "1\ta\tnil"
    assert format_values([]) is None


def test_tables_are_compact_with_sorted_keys():
    assert format_value({"b": [1, 2], "a": 1}) == "{a = 1, b = {1, 2}}"
    assert format_value([]) == "{}"
    assert format_value({}) == "{}"
    assert format_value([1, None, 3]) == "{1, nil, 3}"


def test_mixed_tables_show_the_sequence_part_first():
    assert format_value({1: "x", 2: "y", "n": 2}) == '{"x", "y", n = 2}'
    assert format_value({3: "c", 10: "d"}) == '{[3] = "c", [10] = "d"}'


def test_keys_that_are_not_names_are_bracketed():
    assert lua_repr({"two words": 1, "end": 2, 1.5: 3, True: 4}) == (
        '{[1.5] = 3, ["end"] = 2, ["two words"] = 1, [true] = 4}'
    )


def test_strings_inside_tables_are_quoted_and_escaped():
    assert lua_repr(['say "hi"\n', "tab\tback\\", "\x01"]) == (
        '{"say \\"hi\\"\\n", "tab\\tback\\\\", "\\1"}'
    )


def test_deep_and_long_tables_are_cut():
    deep = {"a": {"b": {"c": {"d": {"e": 1}}}}}
    assert format_value(deep) == "{a = {b = {c = {d = {...}}}}}"
    long = list(range(MAX_ITEMS + 5))
    assert format_value(long).endswith(", ...}")


def test_functions_and_objects_have_placeholders():
    class Named:
        name = "JSON"

    assert lua_repr(print) == "<function>"
    assert lua_repr(Named()) == "<JSON>"
    assert lua_repr(object()) == "<object>"


def test_short_repr_truncates():
    text = short_repr("x" * 100, width=20)
    assert len(text) == 20
    assert text.endswith("...")
