"""Stored values round-trip exactly: int vs float, bytes, nesting, non-string table keys."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmspell.core.errors import StateError
from llmspell.state.codec import decode, encode, is_plain_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(max_size=20)
)
keys = st.text(max_size=8) | st.integers(min_value=-(2**63), max_value=2**63 - 1)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


def same(a, b):
    """Equality that tells 1 from 1.0 and True from 1, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@given(values)
def test_every_value_round_trips_exactly(value):
    text = encode(value)
    json.loads(text)  # always valid JSON
    assert same(decode(text), value)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (1, "1"),
        (1.0, "1.0"),
        ("héllo", '"héllo"'),
        (True, "true"),
        ({"a": [1, 2.5]}, '{"a":[1,2.5]}'),
        ([], "[]"),
        ({}, "{}"),
    ],
)
def test_plain_values_are_plain_json(value, stored):
    assert encode(value) == stored


def test_tags_appear_only_where_json_cannot_say_it():
    assert json.loads(encode(b"\xff\x00")) == {"$t": "bytes", "v": "/wA="}
    assert json.loads(encode({10: "x"})) == {"$t": "map", "v": [[10, "x"]]}
    assert json.loads(encode({"$t": "mine"})) == {"$t": "map", "v": [["$t", "mine"]]}
    assert decode(encode({"$t": "mine"})) == {"$t": "mine"}


def test_non_finite_floats_and_a_string_that_looks_like_a_tag():
    assert math.isnan(decode(encode(float("nan"))))
    assert decode(encode([float("inf"), float("-inf")])) == [float("inf"), float("-inf")]
    assert decode(encode("$t")) == "$t"
    assert decode(encode({"a": '"$t"'})) == {"a": '"$t"'}


def test_functions_and_objects_are_refused_by_name():
    with pytest.raises(StateError, match="a function cannot be stored"):
        encode({"f": lambda: 1})
    with pytest.raises(StateError, match="a object value cannot be stored"):
        encode([object()])


def test_a_cycle_is_refused_not_a_recursion_error():
    loop: list = []
    loop.append(loop)
    with pytest.raises(StateError, match="nested deeper"):
        encode(loop)


def test_plain_json_check_rejects_malformed_tags():
    assert is_plain_json({"a": [1, {"$t": "bytes", "v": "AA=="}]})
    assert not is_plain_json({"$t": "bogus"})
    assert not is_plain_json({"$t": "map", "v": [[1]]})
