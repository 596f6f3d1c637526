"""Templating is pure: property tests over random values and names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmspell.core.errors import WorkflowError
from llmspell.workflows.template import TemplateContext, format_value, render

names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
plain = st.text(alphabet=st.characters(blacklist_characters="{}$"), max_size=30)
scalars = st.one_of(st.integers(), st.text(max_size=20), st.booleans())


def ctx(steps=None, input=None, loop=None):
    steps = steps or {}
    return TemplateContext(
        input=input or {},
        input_text="text",
        step=lambda n: steps.get(n),
        step_names=set(steps),
        loop=loop,
    )


@given(plain)
def test_plain_text_is_unchanged(text):
    assert render(text, ctx()) == text


@given(names, scalars, plain)
def test_step_output_embeds_and_whole_reference_keeps_type(name, value, prefix):
    c = ctx({name: {"output": value, "result": {"k": value}, "success": True}})
    assert render(f"{{{{step.{name}.output}}}}", c) == value
    assert render(f"{{{{ step.{name}.result.k }}}}", c) == value
    prefix = "x" + prefix
    assert render(prefix + f"{{{{step.{name}.output}}}}", c) == prefix + format_value(value)
    assert render({"a": ["$" + name]}, c) == {"a": [value]}


@given(names, scalars)
def test_input_and_loop_references(key, value):
    c = ctx(input={key: value}, loop={"value": value, "index": 2})
    assert render(f"{{{{input.{key}}}}}", c) == value
    assert render("{{loop.value}}", c) == render("{{loop_value}}", c) == value
    assert render("#{{loop.index}}", c) == "#2"


@given(names)
def test_missing_references_name_step_and_reference(name):
    with pytest.raises(WorkflowError) as err:
        render(f"x {{{{step.{name}.output}}}}", ctx(), step="here")
    assert "here" in str(err.value) and f"{{{{step.{name}.output}}}}" in str(err.value)
    with pytest.raises(WorkflowError, match="input"):
        render(f"{{{{input.{name}}}}}", ctx(), step="here")


def test_unknown_dollars_and_braces_stay():
    c = ctx({"s": {"output": 1, "success": True}})
    assert render("pay $5 to $bob, {{other}}, $s", c) == "pay $5 to $bob, {{other}}, 1"


def test_failed_step_reference_says_it_failed():
    c = ctx({"s": {"output": None, "success": False, "error": "boom"}})
    with pytest.raises(WorkflowError, match="failed: boom"):
        render("{{step.s.output}}", c, step="t")
