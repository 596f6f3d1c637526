"""uuid_generator (the exemplar tool): v1, v3, v4, v5, v7, component ids, validate and parse."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from llmspell.core.errors import ToolExecutionError, ToolParameterError

HYPHENATED = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def gen(invoke, **params):
    return invoke("uuid_generator", {"operation": "generate", **params})


def test_v4_is_the_default_and_hyphenated(invoke):
    result = invoke("uuid_generator")
    made = result.result["uuid"]
    assert HYPHENATED.match(made)
    assert result.result["version"] == 4
    assert uuid.UUID(made).version == 4
    assert uuid.UUID(made).variant == uuid.RFC_4122
    assert result.text == made
    assert made != invoke("uuid_generator").result["uuid"]


@pytest.mark.parametrize(
    ("fmt", "pattern"),
    [
        ("hyphenated", HYPHENATED.pattern),
        ("simple", r"^[0-9a-f]{32}$"),
        ("urn", r"^urn:uuid:[0-9a-f-]{36}$"),
        ("braced", r"^\{[0-9a-f-]{36}\}$"),
    ],
)
def test_formats(invoke, fmt, pattern):
    assert re.match(pattern, gen(invoke, format=fmt).result["uuid"])


@pytest.mark.parametrize("version", ["v4", "4", 4])
def test_version_spellings(invoke, version):
    assert gen(invoke, version=version).result["version"] == 4


def test_v1_carries_the_time(invoke):
    made = gen(invoke, version="v1").result["uuid"]
    assert uuid.UUID(made).version == 1
    parsed = invoke("uuid_generator", operation="parse", uuid=made).result
    assert parsed["version"] == 1
    assert abs(parsed["timestamp"] - time.time()) < 5


@pytest.mark.parametrize(("version", "maker"), [("v3", uuid.uuid3), ("v5", uuid.uuid5)])
def test_name_based_versions_are_deterministic(invoke, version, maker):
    first = gen(invoke, version=version, namespace="dns", name="example.com").result["uuid"]
    again = gen(invoke, version=version, namespace="DNS", name="example.com").result["uuid"]
    assert first == again == str(maker(uuid.NAMESPACE_DNS, "example.com"))
    other = gen(invoke, version=version, namespace="url", name="https://example.com").result["uuid"]
    assert other == str(maker(uuid.NAMESPACE_URL, "https://example.com"))


def test_v5_in_a_custom_namespace_uuid(invoke):
    space = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"
    made = gen(invoke, version="v5", namespace=space, name="workflow").result["uuid"]
    assert made == str(uuid.uuid5(uuid.UUID(space), "workflow"))


def test_name_based_versions_need_a_name_and_take_any_namespace(invoke):
    with pytest.raises(ToolExecutionError, match=r"uuid_generator.*needs 'name'"):
        gen(invoke, version="v5")
    custom = gen(invoke, version="v5", namespace="test", name="x").result["uuid"]
    again = gen(invoke, version="v5", namespace="test", name="x").result["uuid"]
    dns = gen(invoke, version="v5", namespace="dns", name="x").result["uuid"]
    assert custom == again != dns


def test_v7_is_time_ordered_across_milliseconds(invoke):
    made = []
    for _ in range(5):
        made.append(gen(invoke, version="v7").result["uuid"])
        time.sleep(0.002)
    assert made == sorted(made)
    assert [uuid.UUID(u).int for u in made] == sorted(uuid.UUID(u).int for u in made)
    for value in made:
        assert uuid.UUID(value).version == 7
        assert uuid.UUID(value).variant == uuid.RFC_4122
    parsed = invoke("uuid_generator", operation="parse", input=made[-1]).result
    assert parsed["version"] == 7
    assert abs(parsed["timestamp"] - time.time()) < 5
    assert parsed["timestamp"] == round(parsed["timestamp"], 3)  # millisecond precision


def test_count_gives_distinct_uuids(invoke):
    result = gen(invoke, version="v7", count=50).result
    assert len(result["uuids"]) == 50
    assert len(set(result["uuids"])) == 50
    assert result["uuid"] == result["uuids"][0]
    assert "uuids" not in gen(invoke).result


def test_component_id(invoke):
    result = invoke("uuid_generator", operation="component_id", prefix="tool").result
    assert re.match(r"^tool_[0-9a-f]{8}$", result["id"])
    assert result["prefix"] == "tool"
    assert result["id"] == f"tool_{result['short']}"
    default = invoke("uuid_generator", operation="component_id").result
    assert default["id"].startswith("component_")


def test_validate_answers_in_band(invoke):
    good = invoke("uuid_generator", operation="validate", uuid=str(uuid.uuid4()))
    assert (good.success, good.result["valid"], good.result["version"]) == (True, True, 4)
    bad = invoke("uuid_generator", operation="validate", uuid="not-a-uuid")
    assert bad.success
    assert bad.result == {"valid": False, "uuid": "not-a-uuid"}
    upper = invoke("uuid_generator", operation="validate", input=str(uuid.uuid4()).upper())
    assert upper.result["valid"] is True


def test_parse_reports_variant(invoke):
    result = invoke("uuid_generator", operation="parse", uuid=str(uuid.uuid4())).result
    assert result["variant"] == uuid.RFC_4122
    assert "timestamp" not in result


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"version": "v9"}, "version"),
        ({"count": 0}, "count"),
        ({"count": 1001}, "count"),
        ({"count": "many"}, "count"),
        ({"format": "base64"}, "format"),
        ({"operation": "mint"}, "operation"),
    ],
)
def test_bad_parameters_name_the_parameter(invoke, params, name):
    with pytest.raises(ToolParameterError, match=rf"Tool 'uuid_generator'.*'{name}'"):
        invoke("uuid_generator", params)


def test_component_id_accepts_the_examples_short_flag(invoke):
    long = invoke("uuid_generator", operation="component_id", prefix="tool", short=False)
    assert long.result["id"].startswith("tool_") and len(long.result["id"]) == len("tool_") + 36
    short = invoke("uuid_generator", operation="component_id", prefix="tool")
    assert len(short.result["id"]) == len("tool_") + 8


def test_deterministic_operation_of_the_original(invoke):
    first = invoke("uuid_generator", operation="deterministic", namespace="agent", name="my-agent")
    again = invoke("uuid_generator", operation="deterministic", namespace="agent", name="my-agent")
    other = invoke("uuid_generator", operation="deterministic", namespace="agent", name="other")
    assert first.result["uuid"] == again.result["uuid"] != other.result["uuid"]
    assert first.result["version"] == 5


def test_v7_batches_are_in_order(invoke):
    made = invoke("uuid_generator", version="v7", count=200).result["uuids"]
    assert made == sorted(made)
    assert len(set(made)) == 200


def test_from_lua_as_the_examples_call_it(rt):
    made, length, ident = rt.run_code(
        """
        local u = Tool.invoke("uuid-generator",
            {operation = "generate", version = "v4", format = "hyphenated"})
        local c = Tool.invoke("uuid_generator", {operation = "component_id", prefix = "tool"})
        return u.result.uuid, #u.result.uuid, c.result.id
        """
    )
    assert length == 36 and HYPHENATED.match(made)
    assert ident.startswith("tool_")
