"""data_validation: JSON Schema and rule checks; invalid data is an answer, not an error."""

from __future__ import annotations

import json
import os

import pytest

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "email": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "email"],
}


def check(rt, **params):
    return rt.tools.invoke("data_validation", params)


def test_schema_valid_and_invalid(rt):
    ok = check(rt, input={"name": "Ada", "email": "ada@example.com"}, schema=PERSON_SCHEMA)
    assert ok.success and ok.result == {"valid": True, "errors": [], "error_count": 0}
    assert ok.text == "valid"
    bad = check(rt, data={"name": "", "email": "nope", "tags": ["x", 3]}, schema=PERSON_SCHEMA)
    assert bad.success and bad.result["valid"] is False
    assert [(e["field"], e["rule"]) for e in bad.result["errors"]] == [
        ("email", "format"),
        ("name", "minLength"),
        ("tags[1]", "type"),
    ]
    assert bad.text.startswith("invalid: 3 error(s)\n- email:")


def test_schema_reports_the_missing_property_as_the_field(rt):
    result = check(rt, input=json.dumps({"name": "Ada"}), schema=json.dumps(PERSON_SCHEMA))
    assert result.result["errors"] == [
        {
            "field": "email",
            "value": None,
            "rule": "required",
            "message": "'email' is a required property",
        }
    ]


def test_bad_schemas_are_errors(rt):
    with pytest.raises(ToolExecutionError, match=r"'schema' is not a valid JSON Schema"):
        check(rt, input={}, schema={"type": "nope"})
    with pytest.raises(ToolExecutionError, match=r"\$ref that cannot be resolved"):
        check(rt, input={}, schema={"$ref": "https://example.com/remote.json"})
    with pytest.raises(ToolExecutionError, match=r"give 'schema' .* or 'rules'"):
        check(rt, input={})


def test_field_rules(rt):
    rules = [
        {"field": "name", "required": True, "type": "string", "min_length": 2, "max_length": 10},
        {"field": "age", "type": "integer", "min": 0, "max": 120},
        {"field": "email", "email": True},
        {"field": "site", "url": True},
        {"field": "born", "date": "%Y-%m-%d"},
        {"field": "role", "enum": ["admin", "user"]},
        {"field": "code", "pattern": "^[A-Z]{3}$", "message": "code must be three capitals"},
        {"field": "address.city", "required": True},
        {"field": "items[0].sku", "type": "string"},
    ]
    good = {
        "name": "Ada",
        "age": 36,
        "email": "ada@example.com",
        "site": "https://ada.dev",
        "born": "1815-12-10",
        "role": "admin",
        "code": "ABC",
        "address": {"city": "London"},
        "items": [{"sku": "A1"}],
    }
    assert check(rt, input=good, rules=rules).result["valid"] is True
    bad = {
        "name": "A",
        "age": 130,
        "email": "ada@",
        "site": "not a url",
        "born": "10/12/1815",
        "role": "root",
        "code": "abc",
        "address": {},
        "items": [{"sku": 7}],
    }
    errors = check(rt, input=bad, rules=rules).result["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [
        ("name", "length"),
        ("age", "range"),
        ("email", "email"),
        ("site", "url"),
        ("born", "date"),
        ("role", "enum"),
        ("code", "pattern"),
        ("address.city", "required"),
        ("items[0].sku", "type"),
    ]
    assert errors[6]["message"] == "code must be three capitals"
    assert errors[1] == {
        "field": "age",
        "value": 130,
        "rule": "range",
        "message": "age must be at most 120",
    }


def test_rule_shapes_of_the_original(rt):
    # {rules = [...]} applied to the whole input
    short = check(rt, input="hi", rules={"rules": [{"type": "length", "min": 3}]}).result
    assert short["errors"][0]["field"] == "input" and short["errors"][0]["rule"] == "length"
    # a table of field -> rule
    assert check(rt, data={"email": "a@b.co"}, rules={"email": {"type": "email"}}).result["valid"]
    # nested object rules with properties, required and additional_properties
    rules = {
        "type": "object",
        "required": ["id"],
        "properties": {"tags": {"type": "array", "unique": True, "item_rules": {"type": "string"}}},
        "additional_properties": False,
    }
    result = check(rt, input={"tags": ["a", "a", 1], "extra": True}, rules=rules).result
    assert {(e["field"], e["rule"]) for e in result["errors"]} == {
        ("input.id", "required"),
        ("input.tags", "array"),
        ("input.tags[2]", "type"),
        ("input.extra", "object"),
    }
    card = check(rt, input="4111 1111 1111 1111", rules=[{"type": "custom", "name": "credit_card"}])
    assert card.result["valid"] is True
    with pytest.raises(ToolExecutionError, match=r"unknown custom check 'ssn'"):
        check(rt, input="x", rules=[{"type": "custom", "name": "ssn"}])
    with pytest.raises(ToolExecutionError, match=r"'rules' must be"):
        check(rt, input="x", rules=[1, 2])


def test_fail_fast_and_max_errors(rt):
    rules = [{"field": f, "required": True} for f in ("a", "b", "c")]
    assert check(rt, input={}, rules=rules, fail_fast=True).result["error_count"] == 1
    assert check(rt, input={}, rules=rules, max_errors=2).result["error_count"] == 2


def test_data_from_json_and_yaml_files(rt, work, outside):
    (work / "person.json").write_text(json.dumps({"name": "Ada", "email": "ada@example.com"}))
    (work / "person.yaml").write_text("name: Ada\nemail: nope\n")
    assert check(rt, path=str(work / "person.json"), schema=PERSON_SCHEMA).result["valid"]
    assert (
        check(rt, file="person.yaml", schema=PERSON_SCHEMA).result["errors"][0]["field"] == "email"
    )
    (outside / "x.json").write_text("{}")
    with pytest.raises(PathNotAllowed):
        check(rt, path=str(work / ".." / "outside" / "x.json"), schema={})
    os.symlink(outside / "x.json", work / "x.json")
    with pytest.raises(PathNotAllowed):
        check(rt, path=str(work / "x.json"), schema={})


def test_depth_limit(make_rt):
    rt = make_rt(**{"tools.data.max_json_depth": 2})
    with pytest.raises(ToolExecutionError, match=r"tools.data.max_json_depth"):
        check(rt, input={"a": {"b": {"c": 1}}}, schema={})


def test_bad_parameter_types(rt):
    with pytest.raises(ToolParameterError, match=r"parameter 'max_errors'"):
        check(rt, input={}, schema={}, max_errors="lots")
    with pytest.raises(ToolParameterError, match=r"parameter 'fail_fast'"):
        check(rt, input={}, schema={}, fail_fast="sometimes")


def test_from_lua(rt):
    values = rt.run_code(
        """
        local r = Tool.invoke("data_validation", {
          input = {email = "not-an-email", age = 200},
          rules = {
            {field = "email", required = true, email = true},
            {field = "age", type = "integer", min = 0, max = 150},
          },
        })
        return r.success, r.result.valid, #r.result.errors, r.result.errors[1].field,
          r.result.errors[2].rule
        """
    )
    assert values == [True, False, 2, "email", "range"]
