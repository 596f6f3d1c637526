"""api-tester: send a request like http_request and check the response against assertions."""

from __future__ import annotations

import re
from typing import Any

from pydantic import AliasChoices, Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.web.http_common import RequestParams, client, prepare, response_table, send
from llmspell.tools.web.http_request import NETWORK_NOTES
from llmspell.tools.web.json_path import PathError, select


class Assertions(ToolParams):
    status: int | list[int] | None = Field(None, description="expected status code(s)")
    headers: dict[str, str | bool] | None = Field(
        None,
        description="header name -> exact value, '/regex/' (searched), true (present) or "
        "false (absent); names are case-insensitive",
    )
    json_values: dict[str, Any] | None = Field(
        None,
        validation_alias=AliasChoices("json", "json_values", "json_path"),
        description="JSON path ($, .key, [index], ['key']) -> expected value",
    )
    body_contains: str | list[str] | None = Field(None, description="text(s) the body must contain")
    max_latency_ms: float | None = Field(
        None, gt=0, description="the response must arrive within this many milliseconds"
    )


class Params(RequestParams):
    assertions: Assertions | None = Field(
        None,
        validation_alias=AliasChoices("assertions", "expect"),
        description="checks on the response: {status = code or [codes], headers = {name = "
        "value | '/regex/' | true | false}, json = {path = value}, body_contains = text(s), "
        "max_latency_ms}; none given: the status must be 2xx",
    )
    retries: int | None = Field(
        0,
        ge=0,
        le=10,
        validation_alias=AliasChoices("retries", "max_retries"),
        description="retries on connection errors, timeouts, 429 and 502-504 (default 0: a "
        "test sees the first answer)",
    )


def _check(name: str, passed: bool, expected: Any, actual: Any, message: str) -> dict[str, Any]:
    return {
        "name": name,
        "passed": passed,
        "expected": expected,
        "actual": actual,
        "message": message,
    }


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 equals 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _header_check(name: str, want: str | bool, headers: dict[str, str]) -> dict[str, Any]:
    actual = headers.get(name.lower())
    label = f"header {name}"
    if want is True or want is False:
        passed = (actual is not None) is want
        shown = "present" if want else "absent"
        return _check(
            label, passed, shown, actual, f"{name} is {'present' if actual else 'absent'}"
        )
    if len(want) > 1 and want.startswith("/") and want.endswith("/"):
        try:
            passed = actual is not None and re.search(want[1:-1], actual) is not None
        except re.error as exc:
            return _check(label, False, want, actual, f"bad pattern {want!r}: {exc}")
        verb = "matches" if passed else "does not match"
    else:
        passed = actual is not None and actual.strip() == want.strip()
        verb = "equals" if passed else "does not equal"
    if actual is None:
        return _check(label, False, want, None, f"no {name} header in the response")
    return _check(label, passed, want, actual, f"{name} {actual!r} {verb} {want!r}")


def evaluate(assertions: Assertions | None, response: dict[str, Any]) -> list[dict[str, Any]]:
    """Each assertion checked against the response table; none given: status must be 2xx."""
    code = response["status_code"]
    if assertions is None or not assertions.model_fields_set:
        passed = 200 <= code < 300
        return [_check("status", passed, "2xx", code, f"status {code}")]
    out = []
    if assertions.status is not None:
        wanted = [assertions.status] if isinstance(assertions.status, int) else assertions.status
        passed = code in wanted
        out.append(
            _check(
                "status",
                passed,
                assertions.status,
                code,
                f"status {code}" + ("" if passed else f", expected {assertions.status}"),
            )
        )
    for name, want in (assertions.headers or {}).items():
        out.append(_header_check(name, want, response["headers"]))
    for path, want in (assertions.json_values or {}).items():
        label = f"json {path}"
        if not response["body_is_json"]:
            out.append(_check(label, False, want, None, "the response body is not JSON"))
            continue
        try:
            actual = select(response["json"], path)
        except PathError as exc:
            out.append(_check(label, False, want, None, str(exc)))
            continue
        passed = _same(actual, want)
        verb = "equals" if passed else "does not equal"
        out.append(_check(label, passed, want, actual, f"{path} = {actual!r} {verb} {want!r}"))
    needles = assertions.body_contains
    for needle in [needles] if isinstance(needles, str) else needles or []:
        passed = needle in response["body"]
        out.append(
            _check(
                f"body contains {needle!r}",
                passed,
                needle,
                passed,
                f"the body {'contains' if passed else 'does not contain'} {needle!r}",
            )
        )
    if assertions.max_latency_ms is not None:
        took = response["elapsed_ms"]
        passed = took <= assertions.max_latency_ms
        out.append(
            _check(
                "latency",
                passed,
                assertions.max_latency_ms,
                took,
                f"{took:.0f} ms {'<=' if passed else '>'} {assertions.max_latency_ms:g} ms",
            )
        )
    return out


class ApiTester(Tool[Params]):
    name = "api-tester"
    category = "data"
    description = (
        "Test an HTTP API endpoint: send a request (as http_request) and check status, headers, "
        "JSON values at paths, body text and latency; reports each assertion."
    )
    security_level = "restricted"
    tags = ("api", "test", "http", "assertions", "rest", "latency")
    Params = Params
    result_keys = {
        "all": "passed (every assertion held), assertions [{name, passed, expected, actual, "
        "message}], passed_count, failed_count, request {method, url, timeout}, response (the "
        "http_request result keys plus is_success), timing {duration_ms, duration_secs}",
    }
    security_notes = (
        NETWORK_NOTES + " Failed assertions are a successful call with `passed = false`; "
        "refusals, timeouts and connection failures raise. JSON paths are a built-in subset: "
        "`$`, `.key`, `[index]`, `['key']`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        prepared = prepare(params, ctx)
        with client(
            ctx, timeout_seconds=params.timeout_seconds, max_redirects=params.max_redirects
        ) as http:
            response = send(
                http, prepared, follow_redirects=params.follow_redirects, retries=params.retries
            )
            timeout = http.timeout
        table = response_table(response, prepared.method)
        table["is_success"] = 200 <= response.status_code < 300
        checks = evaluate(params.assertions, table)
        failed = [c for c in checks if not c["passed"]]
        result = {
            "passed": not failed,
            "assertions": checks,
            "passed_count": len(checks) - len(failed),
            "failed_count": len(failed),
            "request": {"method": prepared.method, "url": prepared.url, "timeout": timeout},
            "response": table,
            "timing": {
                "duration_ms": response.elapsed_ms,
                "duration_secs": round(response.elapsed_ms / 1000, 6),
            },
        }
        text = (
            f"{prepared.method} {prepared.url} -> {response.status_code}: "
            f"{len(checks) - len(failed)}/{len(checks)} assertions passed"
        )
        if failed:
            text += "; failed: " + "; ".join(c["message"] for c in failed)
        return ToolResult.ok(text, result, passed=not failed)
