"""url-analyzer: parsing without the network, and fetching pages served on 127.0.0.1."""

from __future__ import annotations

import pytest

from llmspell.core.errors import HostNotAllowed, ToolExecutionError


def analyze(runtime, **params):
    return runtime.tools.invoke("url-analyzer", params)


def test_parts_of_a_url(rt):
    url = "HTTPS://User@Shop.Example.co.uk:8443/a/b%20c/?tag=x&tag=y&q=hello%20world&empty=#top"
    r = analyze(rt, input=url)
    res = r.result
    assert r.success and res["valid"] is True and res["fetched"] is False
    assert res["original"] == url
    assert res["scheme"] == "https" and res["host"] == "shop.example.co.uk"
    assert res["host_type"] == "domain" and res["is_ip"] is False and res["is_private"] is False
    assert res["port"] == 8443 == res["effective_port"]
    assert res["path"] == "/a/b%20c/" and res["path_segments"] == ["a", "b%20c"]
    assert res["query"] == "tag=x&tag=y&q=hello%20world&empty="
    assert res["query_params"] == {"tag": ["x", "y"], "q": "hello world", "empty": ""}
    assert res["fragment"] == "top"
    assert res["username"] == "User" and res["has_credentials"] is True
    assert res["registered_domain"] == "example.co.uk"
    assert res["subdomain"] == "shop" and res["tld"] == "co.uk"
    assert res["normalized"] == (
        "https://shop.example.co.uk:8443/a/b%20c/?tag=x&tag=y&q=hello%20world&empty=#top"
    )
    assert "domain example.co.uk" in r.text


def test_defaults_and_raw_params(rt):
    res = analyze(rt, url="http://docs.python.org?a=%41", decode_params=False).result
    assert res["port"] is None and res["effective_port"] == 80
    assert res["path"] == "/" and res["normalized"] == "http://docs.python.org/?a=%41"
    assert res["query_params"] == {"a": "%41"}
    assert res["registered_domain"] == "python.org" and res["subdomain"] == "docs"
    assert res["tld"] == "org" and res["fragment"] is None
    assert analyze(rt, url="https://example.com:443/x").result["normalized"] == (
        "https://example.com/x"
    )


@pytest.mark.parametrize(
    ("url", "host_type", "private"),
    [
        ("http://127.0.0.1:8080/", "ipv4", True),
        ("http://10.1.2.3/", "ipv4", True),
        ("http://169.254.169.254/latest/", "ipv4", True),
        ("http://[::1]:9000/", "ipv6", True),
        ("http://8.8.8.8/", "ipv4", False),
        ("http://localhost/", "domain", True),
        ("http://printer.local/", "domain", True),
    ],
)
def test_ip_and_private_hosts(rt, url, host_type, private):
    res = analyze(rt, url=url).result
    assert res["host_type"] == host_type
    assert res["is_ip"] is (host_type != "domain")
    assert res["is_private"] is private
    if res["is_ip"]:
        assert res["registered_domain"] is None


@pytest.mark.parametrize("url", ["not a url", "example.com/path", "http://", "http://host:99999/"])
def test_invalid_urls_are_a_finding(rt, url):
    r = analyze(rt, url=url)
    assert r.success and r.result["valid"] is False and r.result["error"]
    assert "not a valid URL" in r.text
    with pytest.raises(ToolExecutionError, match="cannot fetch"):
        analyze(rt, url=url, fetch=True)


def test_no_network_without_fetch(rt, server):
    server.text("/", "hi")
    analyze(rt, url=server.url("/?x=1"))
    assert server.requests == []


def test_fetch_html_page_after_a_redirect(web_rt, server):
    page = "<html><head><title>Welcome  home</title></head><body>hi</body></html>"
    server.text("/home", page, content_type="text/html; charset=utf-8")
    server.redirect("/start", "/home")
    r = analyze(web_rt, url=server.url("/start"), fetch=True)
    res = r.result
    assert res["fetched"] is True
    assert res["status_code"] == 200 and res["status_text"] == "OK" and res["is_success"]
    assert res["is_redirect"] is True and res["redirects"] == [server.url("/home")]
    assert res["final_url"] == server.url("/home")
    assert res["content_type"] == "text/html" and res["content_length"] == len(page)
    assert res["title"] == "Welcome home" and res["response_time_ms"] >= 0
    assert [(q.method, q.path) for q in server.requests] == [
        ("HEAD", "/start"),
        ("HEAD", "/home"),
        ("GET", "/start"),
        ("GET", "/home"),
    ]
    assert "HTTP 200 text/html" in r.text and "'Welcome home'" in r.text


def test_fetch_non_html_uses_head_only(web_rt, server):
    server.route("/file.bin", lambda _req: (200, {"Content-Type": "application/zip"}, b"x" * 2048))
    res = analyze(web_rt, url=server.url("/file.bin"), fetch=True).result
    assert res["content_type"] == "application/zip" and res["content_length"] == 2048
    assert res["title"] is None
    assert [q.method for q in server.requests] == ["HEAD"]


def test_fetch_falls_back_to_get_when_head_is_refused(web_rt, server):
    server.route("/api", lambda _req: (405, {}, b""), method="HEAD")
    server.route("/api", lambda _req: (404, {}, "nope"), method="GET")
    res = analyze(web_rt, url=server.url("/api"), fetch=True).result
    assert res["status_code"] == 404 and res["is_success"] is False
    assert res["status_text"] == "Not Found"
    assert [q.method for q in server.requests] == ["HEAD", "GET"]


def test_fetch_refuses_loopback_unless_allowed(make_rt, server):
    server.text("/", "hi")
    with pytest.raises(HostNotAllowed, match="private or loopback"):
        analyze(make_rt(), url=server.url("/"), fetch=True)
    assert server.requests == []


def test_fetch_refuses_a_redirect_to_a_private_address(web_rt, server):
    server.redirect("/go", "http://192.168.1.1/admin")
    with pytest.raises(HostNotAllowed, match=r"192\.168\.1\.1"):
        analyze(web_rt, url=server.url("/go"), fetch=True)
    assert [q.path for q in server.requests] == ["/go"]


def test_tool_selftest_runs_examples_without_the_network(web_rt, server):
    from llmspell.tools.selftest import run_selftest
    from llmspell.tools.web.url_analyzer import UrlAnalyzer

    class Fetching(UrlAnalyzer):
        name = "fetching-analyzer"
        example = {"url": server.url("/"), "fetch": True}

    server.text("/", "hello")
    web_rt.tools.register(Fetching())
    *_, example = run_selftest(web_rt.tools, "fetching-analyzer")
    assert not example.ok and "network access is off" in example.detail
    assert server.requests == []
    assert run_selftest(web_rt.tools, "url-analyzer")[-1].ok
