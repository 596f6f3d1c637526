"""environment_reader: only variables in `tools.system.allowed_env_vars`, and never `set`."""

from __future__ import annotations

import os

import pytest

from llmspell.core.errors import SecurityError, ToolExecutionError, ToolParameterError

SECRET = "SYSTEM_TOOLS_TEST_SECRET"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv(SECRET, "s3cret-value")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("TZ", raising=False)


def read(rt, **params):
    return rt.tools.invoke("environment_reader", params)


def test_get_an_allowed_variable(rt):
    r = read(rt, operation="get", variable_name="HOME")
    assert r.success
    assert r.result == {"variable_name": "HOME", "value": os.environ["HOME"], "exists": True}
    assert r.text == os.environ["HOME"]
    assert r.to_dict()["operation"] == "get"


def test_get_accepts_name_as_an_alias_and_defaults_to_get(rt):
    assert read(rt, name="LANG").result["value"] == "C.UTF-8"


def test_an_allowed_but_unset_variable_has_no_value(rt):
    r = read(rt, variable_name="TZ")
    assert r.success
    assert r.result == {"variable_name": "TZ", "value": None, "exists": False}
    assert "not set" in r.text
    assert read(rt, variable_name="TZ", default="UTC").result["value"] == "UTC"


def test_a_variable_outside_the_allow_list_is_refused_by_name(rt):
    with pytest.raises(SecurityError, match=f"'{SECRET}' is not readable") as info:
        read(rt, variable_name=SECRET)
    assert "`tools.system.allowed_env_vars`" in str(info.value)
    assert "s3cret-value" not in str(info.value)
    with pytest.raises(SecurityError, match=SECRET):
        read(rt, operation="exists", variable_name=SECRET)


def test_the_allow_list_comes_from_config(make_rt):
    rt = make_rt({"tools.system.allowed_env_vars": ["HOME", SECRET]})
    assert read(rt, variable_name=SECRET).result["value"] == "s3cret-value"
    with pytest.raises(SecurityError, match="'PATH' is not readable"):
        read(rt, variable_name="PATH")


def test_list_shows_only_allowed_variables_that_are_set(rt):
    r = read(rt, operation="list")
    variables = r.result["variables"]
    assert SECRET not in variables and "s3cret-value" not in r.text
    assert variables["HOME"] == os.environ["HOME"]
    assert variables["LANG"] == "C.UTF-8"
    assert "TZ" not in variables  # allowed, but unset
    assert set(variables) <= {"PATH", "HOME", "USER", "SHELL", "TERM", "LANG", "LC_ALL", "TZ"}
    assert r.result["count"] == len(variables)
    assert f"HOME={os.environ['HOME']}" in r.text.splitlines()


def test_list_and_pattern_filter_by_glob(rt):
    assert set(read(rt, operation="list", pattern="H*").result["variables"]) == {"HOME"}
    r = read(rt, operation="pattern", pattern="LA*")
    assert r.result["variables"] == {"LANG": "C.UTF-8"}
    assert read(rt, operation="pattern", pattern="SYSTEM_*").result["count"] == 0
    with pytest.raises(ToolExecutionError, match="needs 'pattern'"):
        read(rt, operation="pattern")


def test_exists_and_check(rt):
    assert read(rt, operation="exists", variable_name="HOME").result == {
        "variable_name": "HOME",
        "exists": True,
    }
    r = read(rt, operation="check", variable_name="TZ")
    assert r.result["exists"] is False and r.text == "TZ is not set"


@pytest.mark.parametrize("operation", ["set", "SET", "unset"])
def test_set_is_not_offered(rt, operation):
    with pytest.raises(ToolParameterError, match="may not change the process environment"):
        read(rt, operation=operation, variable_name="HOME", value="/tmp/evil")
    assert os.environ["HOME"] != "/tmp/evil"


def test_set_is_not_in_the_schema(rt):
    schema = rt.tools.get("environment_reader").parameters_schema()
    assert "set" not in schema["properties"]["operation"]["enum"]


def test_bad_parameters_name_the_parameter(rt):
    with pytest.raises(ToolParameterError, match="parameter 'variable_name'"):
        read(rt, variable_name=["HOME"])
    with pytest.raises(ToolParameterError, match="unknown parameter 'value'"):
        read(rt, variable_name="HOME", value="x")
    with pytest.raises(ToolExecutionError, match="needs 'variable_name'"):
        read(rt, operation="get")


def test_from_lua(rt):
    home, exists, ok, message = rt.run_code(
        f"""
        local r = Tool.invoke("environment_reader", {{operation = "get", variable_name = "HOME"}})
        local ok, err = pcall(Tool.invoke, "environment_reader", {{variable_name = "{SECRET}"}})
        return r.result.value, r.result.exists, ok, tostring(err)
        """
    )
    assert (home, exists, ok) == (os.environ["HOME"], True, False)
    assert f"'{SECRET}' is not readable" in message
