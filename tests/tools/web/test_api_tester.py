"""api-tester against a JSON API on 127.0.0.1, and the JSON path subset it uses."""

from __future__ import annotations

import pytest

from llmspell.core.errors import HostNotAllowed, ToolParameterError
from llmspell.tools.web.json_path import PathError, parse, select

USER = {
    "id": 7,
    "name": "Ada",
    "active": True,
    "score": 9.5,
    "tags": ["math", "code"],
    "address": {"city": "London", "post code": "N1"},
    "items": [{"sku": "a1", "qty": 2}, {"sku": "b2", "qty": 1}],
}


@pytest.fixture
def api(server):
    server.json("/users/7", USER, **{"X-Request-Id": "req-123", "Cache-Control": "no-store"})
    server.text("/health", "all systems nominal")
    server.json("/fail", {"error": "boom"}, status=500)
    return server


def by_name(result):
    return {a["name"]: a for a in result["assertions"]}


def test_all_assertions_pass(invoke, api):
    r = invoke(
        "api-tester",
        url=api.url("/users/7"),
        assertions={
            "status": 200,
            "headers": {
                "content-type": "application/json",
                "X-Request-Id": "/^req-\\d+$/",
                "cache-control": True,
                "x-missing": False,
            },
            "json": {
                "$.id": 7,
                "$.name": "Ada",
                "$.active": True,
                "$.score": 9.5,
                "$.tags[1]": "code",
                "$.items[-1].sku": "b2",
                "$.address['post code']": "N1",
                "address.city": "London",
                "$.items[0]": {"sku": "a1", "qty": 2.0},
            },
            "body_contains": ["Ada", "London"],
            "max_latency_ms": 5000,
        },
    )
    assert r.success
    res = r.result
    assert res["passed"] is True and r.to_dict()["passed"] is True
    assert res["failed_count"] == 0 and res["passed_count"] == len(res["assertions"]) == 17
    assert all(
        set(a) == {"name", "passed", "expected", "actual", "message"} for a in res["assertions"]
    )
    assert by_name(res)["json $.items[-1].sku"]["actual"] == "b2"
    assert res["response"]["status_code"] == 200 and res["response"]["is_success"] is True
    assert res["response"]["json"] == USER and res["response"]["body_is_json"] is True
    assert res["request"]["method"] == "GET" and res["request"]["url"] == api.url("/users/7")
    assert res["timing"]["duration_ms"] >= 0
    assert "17/17 assertions passed" in r.text


def test_failed_assertions_are_data(invoke, api):
    r = invoke(
        "api-tester",
        url=api.url("/users/7"),
        assertions={
            "status": [201, 204],
            "headers": {"X-Request-Id": "/^abc/", "x-nope": "1", "cache-control": False},
            "json": {"$.id": 8, "$.active": 1, "$.tags[5]": "x", "$.name.first": "A"},
            "body_contains": "Grace",
        },
    )
    assert r.success
    res = r.result
    assert res["passed"] is False and res["passed_count"] == 0 and res["failed_count"] == 9
    checks = by_name(res)
    assert checks["status"]["actual"] == 200 and checks["status"]["expected"] == [201, 204]
    assert "no x-nope header" in checks["header x-nope"]["message"]
    assert checks["json $.id"]["actual"] == 7
    assert checks["json $.active"]["passed"] is False  # true is not 1
    assert "has 2 items" in checks["json $.tags[5]"]["message"]
    assert "not an object" in checks["json $.name.first"]["message"]
    assert "does not contain 'Grace'" in checks["body contains 'Grace'"]["message"]
    assert "0/9 assertions passed; failed: status 200, expected [201, 204]" in r.text


def test_json_assertion_on_a_text_body(invoke, api):
    r = invoke("api-tester", url=api.url("/health"), assertions={"json": {"$.ok": True}})
    check = r.result["assertions"][0]
    assert check["passed"] is False and check["message"] == "the response body is not JSON"


def test_latency_assertion(invoke, server):
    server.slow("/slow", 0.3, (200, {}, "late"))
    r = invoke("api-tester", url=server.url("/slow"), assertions={"max_latency_ms": 100})
    check = r.result["assertions"][0]
    assert check["name"] == "latency" and check["passed"] is False
    assert check["actual"] >= 300 and check["expected"] == 100


def test_default_assertion_is_a_2xx_status(invoke, api):
    assert invoke("api-tester", input=api.url("/health")).result["passed"] is True
    r = invoke("api-tester", url=api.url("/fail"))
    assert r.success and r.result["passed"] is False
    assert r.result["assertions"][0]["expected"] == "2xx"
    assert r.result["response"]["json"] == {"error": "boom"}


def test_first_answer_is_tested_not_retried(invoke, server):
    server.sequence("/flaky", [(503, {}, "busy"), (200, {}, "ok")])
    r = invoke("api-tester", url=server.url("/flaky"), assertions={"status": 503})
    assert r.result["passed"] is True and len(server.hits("/flaky")) == 1


def test_request_features_as_http_request(invoke, server):
    server.route(
        "/items", lambda req: (201, {}, {"got": req.json(), "auth": req.headers["x-api-key"]})
    )
    r = invoke(
        "api-tester",
        url=server.url("/items"),
        method="post",
        json={"name": "widget"},
        auth={"type": "api_key", "key": "k"},
        expect={"status": 201, "json": {"$.got.name": "widget", "$.auth": "k"}},
    )
    assert r.result["passed"] is True


def test_bad_pattern_and_refusals(invoke, make_rt, api):
    r = invoke(
        "api-tester", url=api.url("/users/7"), assertions={"headers": {"x-request-id": "/[/"}}
    )
    assert "bad pattern" in r.result["assertions"][0]["message"]
    with pytest.raises(HostNotAllowed):
        make_rt().tools.invoke("api-tester", {"url": api.url("/users/7")})
    with pytest.raises(ToolParameterError, match="assertions"):
        invoke("api-tester", url=api.url("/"), assertions={"statuz": 200})


def test_json_path_subset():
    doc = {"a": [{"b": 1}, {"b": 2}], "c d": {"e": None}, "f": "x"}
    assert parse("$.a[0].b") == ["a", 0, "b"]
    assert parse("$['c d'].e") == ["c d", "e"]
    assert parse('$["f"]') == ["f"]
    assert parse("a[-1]") == ["a", -1]
    assert parse("$") == []
    assert select(doc, "$") == doc
    assert select(doc, "$.a[1].b") == 2
    assert select(doc, "$.a[-2].b") == 1
    assert select(doc, "$['c d'].e") is None
    with pytest.raises(PathError, match="no key 'z'"):
        select(doc, "$.z")
    with pytest.raises(PathError, match="not an array"):
        select(doc, "$.f[0]")
    with pytest.raises(PathError, match="cannot read"):
        parse("$.a[x]")
    with pytest.raises(PathError, match="expected a key"):
        parse("$.")
