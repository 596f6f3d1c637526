"""webhook-caller against a receiver on 127.0.0.1 that verifies the HMAC signature itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time

import pytest

from llmspell.core.errors import HostNotAllowed, ToolExecutionError

SECRET = "whsec-test"


def verify(req, secret=SECRET):
    """What a receiver does: HMAC over `timestamp.body`, compared in constant time."""
    stamp = req.headers["x-webhook-timestamp"]
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + req.body, hashlib.sha256)
    given = req.headers["x-webhook-signature"]
    return given.startswith("sha256=") and hmac.compare_digest(
        given.removeprefix("sha256="), expected.hexdigest()
    )


def receiver(req):
    if not verify(req):
        return 401, {}, {"error": "bad signature"}
    if abs(time.time() - int(req.headers["x-webhook-timestamp"])) > 300:
        return 401, {}, {"error": "stale"}
    return 200, {}, {"received": req.json()}


def test_signed_delivery_verified_by_the_receiver(invoke, server):
    server.route("/hook", receiver)
    payload = {"event": "order.created", "id": 42, "name": "Zoë", "items": [1, 2]}
    r = invoke("webhook-caller", url=server.url("/hook"), payload=payload, secret=SECRET)
    assert r.success
    res = r.result
    assert res["success"] is True and res["status_code"] == 200
    assert res["response"]["json"] == {"received": payload}
    assert res["webhook_url"] == server.url("/hook")
    assert res["retry_count"] == res["retries_attempted"] == 0 and res["attempts"] == 1
    assert res["signed"] is True and res["response_time_ms"] >= 0
    sent = server.requests[0]
    assert sent.method == "POST" and sent.headers["content-type"] == "application/json"
    assert sent.headers["x-webhook-id"] == res["delivery_id"]
    assert sent.body == json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    assert "-> 200" in r.text


def test_wrong_secret_is_rejected_by_the_receiver(invoke, server):
    server.route("/hook", receiver)
    r = invoke("webhook-caller", url=server.url("/hook"), payload={"a": 1}, secret="other")
    assert r.success is False and r.result["status_code"] == 401
    assert r.result["retry_count"] == 0 and "webhook delivery failed" in r.error


def test_unsigned_delivery_has_no_signature_headers(invoke, server):
    server.json("/hook", {"ok": True})
    r = invoke("webhook-caller", input=server.url("/hook"), payload={"a": 1}, method="put")
    assert r.result["success"] and r.result["signed"] is False
    sent = server.requests[0]
    assert sent.method == "PUT"
    assert "x-webhook-signature" not in sent.headers and "x-webhook-timestamp" not in sent.headers


def test_retries_on_5xx_then_success_each_attempt_signed(invoke, server):
    answers = [(500, {}, "oops"), (503, {}, "busy"), (200, {}, "ok")]

    def flaky(req):
        assert verify(req)
        return answers.pop(0)

    server.route("/hook", flaky)
    started = time.monotonic()
    r = invoke("webhook-caller", url=server.url("/hook"), payload={"n": 1}, secret=SECRET)
    assert r.result["success"] and r.result["retry_count"] == 2 and r.result["attempts"] == 3
    hits = server.hits("/hook")
    assert len({h.headers["x-webhook-id"] for h in hits}) == 1
    assert hits[1].received_at - hits[0].received_at >= 0.18
    assert hits[2].received_at - hits[1].received_at >= 0.38
    assert time.monotonic() - started < 5
    assert "2 retries" in r.text


def test_429_honours_retry_after(invoke, server):
    server.sequence("/hook", [(429, {"Retry-After": "1"}, "slow down"), (200, {}, "ok")])
    r = invoke("webhook-caller", url=server.url("/hook"), payload={})
    assert r.result["success"] and r.result["retry_count"] == 1
    first, second = server.hits("/hook")
    assert second.received_at - first.received_at >= 0.9


def test_4xx_is_not_retried(invoke, server):
    server.json("/hook", {"error": "bad payload"}, status=400)
    r = invoke("webhook-caller", url=server.url("/hook"), payload={"a": 1})
    assert r.success is False and r.result["success"] is False
    assert r.result["status_code"] == 400 and r.result["retry_count"] == 0
    assert r.result["response"]["json"] == {"error": "bad payload"}
    assert len(server.hits("/hook")) == 1


def test_retries_exhausted_on_5xx(invoke, server):
    server.json("/hook", {"error": "down"}, status=502)
    r = invoke("webhook-caller", url=server.url("/hook"), payload={}, max_retries=1)
    assert r.success is False and r.result["status_code"] == 502
    assert r.result["retry_count"] == 1 and len(server.hits("/hook")) == 2


def test_connection_failures_retried_then_raise(invoke):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ToolExecutionError, match="after 3 attempt"):
        invoke("webhook-caller", url=f"http://127.0.0.1:{port}/hook", payload={}, max_retries=2)
    assert time.monotonic() - started >= 0.55


def test_redirect_is_not_followed(invoke, server):
    server.redirect("/hook", "/elsewhere", status=307)
    server.json("/elsewhere", {"ok": True})
    r = invoke("webhook-caller", url=server.url("/hook"), payload={})
    assert r.success is False and r.result["status_code"] == 307
    assert server.hits("/elsewhere") == []


def test_host_rules_of_the_web_tools(make_rt, server):
    server.json("/hook", {"ok": True})
    with pytest.raises(HostNotAllowed, match="Tool 'webhook-caller' refused"):
        make_rt().tools.invoke("webhook-caller", {"url": server.url("/hook")})
    assert server.requests == []
    web = make_rt({"tools.web_tools.allowed_hosts": ["127.0.0.1"]})
    assert web.tools.invoke("webhook-caller", {"url": server.url("/hook")}).success
    blocked = make_rt(
        {
            "tools.web_tools.allowed_hosts": ["127.0.0.1"],
            "tools.web_tools.blocked_domains": ["hooks.example.com"],
        }
    )
    with pytest.raises(HostNotAllowed, match="blocked domain"):
        blocked.tools.invoke("webhook-caller", {"url": "https://a.hooks.example.com/x"})


def test_payload_size_limit(make_web_rt, server):
    server.json("/hook", {"ok": True})
    rt = make_web_rt({"tools.http_request.max_request_size": 50})
    with pytest.raises(ToolExecutionError, match="max_request_size"):
        rt.tools.invoke("webhook-caller", {"url": server.url("/hook"), "payload": {"x": "y" * 60}})
    assert server.requests == []
