"""http_request through the registry against a real server on 127.0.0.1."""

from __future__ import annotations

import base64
import re
import socket

import pytest

from llmspell.core.errors import (
    HostNotAllowed,
    PathNotAllowed,
    ToolExecutionError,
    ToolParameterError,
)


def echo(req):
    return (
        200,
        {"X-Echo": "yes"},
        {
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "headers": req.headers,
            "body": req.text,
        },
    )


def test_get_with_query_and_headers_parses_json(server, invoke):
    server.route("/echo", echo)
    r = invoke(
        "http_request",
        {
            "url": server.url("/echo"),
            "params": {"q": "tea", "n": 3, "flag": True, "tag": ["a", "b"]},
            "headers": {"X-Trace": "abc", "X-Num": 7},
        },
    )
    assert r.success
    res = r.result
    assert res["status_code"] == res["status"] == 200 and res["ok"] is True
    assert res["status_text"] == "OK"
    assert res["json"]["query"] == {"q": ["tea"], "n": ["3"], "flag": ["true"], "tag": ["a", "b"]}
    assert res["json"]["headers"]["x-trace"] == "abc" and res["json"]["headers"]["x-num"] == "7"
    assert res["headers"]["x-echo"] == "yes" and res["content_type"] == "application/json"
    assert res["body_is_json"] and res["body"].startswith("{")
    assert res["size"] == len(res["body"].encode()) and res["attempts"] == 1
    assert res["redirects"] == [] and res["url"].startswith(server.url("/echo"))
    assert re.fullmatch(
        rf"GET {re.escape(server.url('/echo'))} -> 200 \([\d,]+ bytes, \d+ ms\)", r.text
    )
    assert r.metadata["method"] == "GET"


def test_reference_shape_input_and_lowercase_method(server, invoke):
    server.route("/echo", echo)
    r = invoke("http_request", input=server.url("/echo"), method="delete")
    assert r.result["json"]["method"] == "DELETE"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "POST"])
def test_every_method_reaches_the_server(server, invoke, method):
    server.route("/echo", echo)
    r = invoke("http_request", url=server.url("/echo"), method=method)
    assert r.result["json"]["method"] == method


def test_head_has_no_body(server, invoke):
    server.text("/page", "some text")
    r = invoke("http_request", url=server.url("/page"), method="HEAD")
    assert r.result["status_code"] == 200 and r.result["body"] == "" and r.result["size"] == 0
    assert server.requests[0].method == "HEAD"


def test_json_bodies(server, invoke):
    server.route("/echo", echo)
    for key in ("json", "body"):
        r = invoke("http_request", url=server.url("/echo"), method="POST", **{key: {"a": [1, 2]}})
        sent = server.requests[-1]
        assert sent.json() == {"a": [1, 2]}
        assert sent.headers["content-type"] == "application/json"
        assert r.result["json"]["method"] == "POST"
    invoke("http_request", url=server.url("/echo"), method="PUT", json="just a string")
    assert server.requests[-1].json() == "just a string"


def test_raw_text_body_and_content_type(server, invoke):
    server.route("/echo", echo)
    invoke("http_request", url=server.url("/echo"), method="POST", body="héllo")
    assert server.requests[-1].body == "héllo".encode()
    assert server.requests[-1].headers["content-type"] == "text/plain; charset=utf-8"
    invoke(
        "http_request",
        url=server.url("/echo"),
        method="POST",
        body="<a/>",
        content_type="application/xml",
    )
    assert server.requests[-1].headers["content-type"] == "application/xml"
    invoke(
        "http_request",
        url=server.url("/echo"),
        method="POST",
        body="x=1",
        headers={"content-type": "text/x-custom"},
    )
    assert server.requests[-1].headers["content-type"] == "text/x-custom"


def test_form_body(server, invoke):
    server.route("/echo", echo)
    invoke(
        "http_request",
        url=server.url("/echo"),
        method="POST",
        form={"name": "Ada Lovelace", "n": 2, "ok": False},
    )
    sent = server.requests[-1]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.form() == {"name": ["Ada Lovelace"], "n": ["2"], "ok": ["false"]}


def test_multipart_files_from_allowed_path_and_inline(server, invoke, allowed_dir):
    (allowed_dir / "notes.txt").write_text("file content here")
    server.route("/upload", echo)
    invoke(
        "http_request",
        url=server.url("/upload"),
        method="POST",
        form={"title": "report"},
        files=[
            {"field": "doc", "path": str(allowed_dir / "notes.txt")},
            {"field": "inline", "content": "inline text", "filename": "x.csv"},
            {"field": "bin", "content_base64": base64.b64encode(b"\x00\x01").decode()},
        ],
    )
    sent = server.requests[-1]
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = sent.body
    assert b'name="title"' in body and b"report" in body
    assert b'name="doc"; filename="notes.txt"' in body and b"file content here" in body
    assert b'filename="x.csv"' in body and b"Content-Type: text/csv" in body
    assert b'name="bin"; filename="bin"' in body and b"\x00\x01" in body


def test_multipart_file_outside_allowed_paths_refused(server, invoke):
    server.route("/upload", echo)
    with pytest.raises(PathNotAllowed):
        invoke(
            "http_request",
            url=server.url("/upload"),
            method="POST",
            files=[{"field": "f", "path": "/etc/hostname"}],
        )
    assert server.requests == []


def test_conflicting_bodies_refused(server, invoke):
    with pytest.raises(ToolParameterError, match="one request body"):
        invoke("http_request", url=server.url("/"), method="POST", json={"a": 1}, form={"b": 2})
    with pytest.raises(ToolParameterError, match="combines with 'form' only"):
        invoke(
            "http_request",
            url=server.url("/"),
            method="POST",
            json={"a": 1},
            files=[{"content": "x"}],
        )
    with pytest.raises(ToolParameterError, match="exactly one of path"):
        invoke("http_request", url=server.url("/"), method="POST", files=[{"field": "f"}])


@pytest.mark.parametrize(
    ("auth", "header", "expected"),
    [
        ({"type": "bearer", "token": "t0k"}, "authorization", "Bearer t0k"),
        (
            {"type": "basic", "username": "ada", "password": "pw"},
            "authorization",
            "Basic " + base64.b64encode(b"ada:pw").decode(),
        ),
        ({"type": "api_key", "key": "k1"}, "x-api-key", "k1"),
        ({"type": "api_key", "key": "k2", "header": "X-Token"}, "x-token", "k2"),
        ({"type": "custom", "headers": {"X-Sig": "abc"}}, "x-sig", "abc"),
    ],
)
def test_auth_shapes(server, invoke, auth, header, expected):
    server.route("/echo", echo)
    invoke("http_request", url=server.url("/echo"), auth=auth)
    assert server.requests[-1].headers[header] == expected


def test_api_key_in_query(server, invoke):
    server.route("/echo", echo)
    invoke(
        "http_request",
        url=server.url("/echo"),
        auth={"type": "api_key", "key": "k3", "in": "query", "name": "apikey"},
    )
    assert server.requests[-1].arg("apikey") == "k3"


def test_auth_shape_errors_name_the_parameter(invoke, server):
    with pytest.raises(ToolParameterError, match="auth"):
        invoke("http_request", url=server.url("/"), auth={"type": "oauth9"})


def test_api_key_header_not_sent_to_another_host_on_redirect(invoke, server_factory):
    first, second = server_factory(), server_factory()
    first.route("/land", echo)
    second.route("/land", echo)
    first.redirect("/away", second.url("/land"))
    first.redirect("/near", "/land")
    auth = {"type": "api_key", "key": "secret-key"}
    r = invoke("http_request", url=first.url("/away"), auth=auth, headers={"X-Other": "kept"})
    assert r.result["redirects"] == [second.url("/land")]
    assert "x-api-key" not in second.hits("/land")[0].headers
    assert second.hits("/land")[0].headers["x-other"] == "kept"
    r = invoke("http_request", url=first.url("/near"), auth=auth)
    assert first.hits("/land")[0].headers["x-api-key"] == "secret-key"
    assert r.result["url"] == first.url("/land")


def test_secret_header_redirects_still_capped_and_checked(make_web_rt, server):
    rt = make_web_rt({"tools.http_request.max_redirects": 1})
    server.redirect("/a", "/b")
    server.redirect("/b", "/c")
    server.redirect("/meta", "http://169.254.169.254/latest/")
    auth = {"type": "custom", "headers": {"X-Key": "v"}}
    with pytest.raises(ToolExecutionError, match="too many redirects"):
        rt.tools.invoke("http_request", {"url": server.url("/a"), "auth": auth})
    with pytest.raises(HostNotAllowed, match=r"169\.254\.169\.254"):
        rt.tools.invoke("http_request", {"url": server.url("/meta"), "auth": auth})


def test_http_error_status_is_data(server, invoke):
    server.json("/missing", {"error": "not here"}, status=404)
    r = invoke("http_request", url=server.url("/missing"))
    assert r.success
    assert r.result["status_code"] == 404 and r.result["ok"] is False
    assert r.result["json"] == {"error": "not here"}
    assert "-> 404" in r.text


def test_redirects_followed_or_not(server, invoke):
    server.text("/new", "new place")
    server.redirect("/old", "/new", status=301)
    r = invoke("http_request", url=server.url("/old"))
    assert r.result["body"] == "new place"
    assert r.result["url"] == server.url("/new") and r.result["redirects"] == [server.url("/new")]
    r = invoke("http_request", url=server.url("/old"), follow_redirects=False)
    assert r.result["status_code"] == 301 and r.result["headers"]["location"] == "/new"


def test_post_303_becomes_get(server, invoke):
    server.redirect("/submit", "/done", status=303)
    server.route("/done", echo)
    r = invoke("http_request", url=server.url("/submit"), method="POST", json={"a": 1})
    assert r.result["json"]["method"] == "GET" and r.result["json"]["body"] == ""


def test_max_redirects_parameter_capped_by_config(make_web_rt, server):
    for n in range(4):
        server.redirect(f"/r{n}", f"/r{n + 1}")
    server.text("/r4", "end")
    rt = make_web_rt({"tools.http_request.max_redirects": 2})
    with pytest.raises(ToolExecutionError, match="too many redirects"):
        rt.tools.invoke("http_request", {"url": server.url("/r0"), "max_redirects": 10})
    with pytest.raises(ToolExecutionError, match="more than 1"):
        rt.tools.invoke("http_request", {"url": server.url("/r0"), "max_redirects": 1})


def test_timeout_and_config_cap(make_web_rt, server):
    server.slow("/slow", 1.5)
    rt = make_web_rt()
    with pytest.raises(ToolExecutionError, match=r"within 0\.3s"):
        rt.tools.invoke(
            "http_request", {"url": server.url("/slow"), "timeout_seconds": 0.3, "retries": 0}
        )
    capped = make_web_rt({"tools.http_request.timeout_seconds": 1})
    with pytest.raises(ToolExecutionError, match="within 1s"):
        capped.tools.invoke(
            "http_request", {"url": server.url("/slow"), "timeout": 60, "retries": 0}
        )


def test_request_size_limit(make_web_rt, server):
    server.route("/echo", echo)
    rt = make_web_rt({"tools.http_request.max_request_size": 100})
    with pytest.raises(ToolExecutionError, match="max_request_size"):
        rt.tools.invoke(
            "http_request", {"url": server.url("/echo"), "method": "POST", "body": "x" * 101}
        )
    assert server.requests == []
    r = rt.tools.invoke(
        "http_request", {"url": server.url("/echo"), "method": "POST", "body": "x" * 100}
    )
    assert r.result["json"]["body"] == "x" * 100


def test_retries_default_from_config_for_get_only(make_web_rt, server):
    rt = make_web_rt({"tools.network.max_retries": 2})
    server.sequence("/flaky", [(502, {}, ""), (503, {}, ""), (200, {}, "ok")])
    r = rt.tools.invoke("http_request", {"url": server.url("/flaky")})
    assert r.result["status_code"] == 200 and r.result["attempts"] == 3
    server.sequence("/post", [(503, {}, ""), (200, {}, "ok")])
    r = rt.tools.invoke("http_request", {"url": server.url("/post"), "method": "POST"})
    assert r.result["status_code"] == 503 and r.result["attempts"] == 1
    server.sequence("/post", [(503, {}, ""), (200, {}, "ok")])
    r = rt.tools.invoke(
        "http_request", {"url": server.url("/post"), "method": "POST", "retries": 1}
    )
    assert r.result["status_code"] == 200 and r.result["attempts"] == 2


def test_binary_response_as_base64(server, invoke):
    data = bytes(range(256))
    server.route("/img", lambda _req: (200, {"Content-Type": "image/png"}, data))
    r = invoke("http_request", url=server.url("/img"))
    assert r.result["body"] == "" and base64.b64decode(r.result["body_base64"]) == data
    assert r.result["json"] is None and r.result["size"] == 256


def test_refusals_and_connection_failures_raise(make_rt, invoke, server):
    server.text("/", "x")
    with pytest.raises(HostNotAllowed, match="Tool 'http_request' refused"):
        make_rt().tools.invoke("http_request", {"url": server.url("/")})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ToolExecutionError, match="cannot reach"):
        invoke("http_request", url=f"http://127.0.0.1:{port}/", retries=0)
    with pytest.raises(ToolExecutionError, match="not an http"):
        invoke("http_request", url="ftp://example.com/")
