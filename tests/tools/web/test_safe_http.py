"""SafeHttp's refusals and limits against a real server on 127.0.0.1, with clients from config."""

from __future__ import annotations

import socket
import time

import pytest

from llmspell.core.errors import HostNotAllowed, ToolExecutionError
from llmspell.tools.web.safe_http import SafeHttp


def http_for(runtime, family="http_request"):
    return SafeHttp.for_tool(runtime.tools.context, family=family)


@pytest.fixture
def fake_dns(monkeypatch):
    """`fake_dns({"name": "address"})`: those names resolve to those addresses."""
    real = socket.getaddrinfo

    def install(table):
        def getaddrinfo(host, port, *args, **kwargs):
            if host in table:
                family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
                return [(family, socket.SOCK_STREAM, 6, "", (table[host], port or 0))]
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    return install


def test_loopback_refused_without_an_allow_list(make_rt, server):
    server.text("/", "hello")
    with http_for(make_rt()) as http, pytest.raises(HostNotAllowed, match="private or loopback"):
        http.request("GET", server.url("/"))
    assert server.requests == []


@pytest.mark.parametrize("host", ["10.1.2.3", "192.168.0.1", "169.254.169.254", "[::1]", "0.0.0.0"])
def test_private_link_local_and_metadata_literals_refused(make_rt, host):
    with http_for(make_rt()) as http, pytest.raises(HostNotAllowed):
        http.request("GET", f"http://{host}/latest/meta-data/", retries=0)


def test_allowed_host_is_reached_and_default_headers_sent(rt, server):
    server.text("/", "hello")
    with http_for(rt) as http:
        response = http.request("GET", server.url("/"))
    assert response.status_code == 200 and response.text == "hello"
    assert server.requests[0].headers["user-agent"] == "llmspell-http/1.0"


def test_allow_private_switch_reaches_loopback(make_rt, server):
    server.text("/", "hello")
    with http_for(make_rt({"tools.network.allow_private": True})) as http:
        assert http.request("GET", server.url("/")).text == "hello"


@pytest.mark.parametrize(
    "target", ["http://10.0.0.5/admin", "http://169.254.169.254/latest/meta-data/"]
)
def test_redirect_from_an_allowed_host_to_a_private_address_refused(rt, server, target):
    server.redirect("/go", target)
    with http_for(rt) as http, pytest.raises(HostNotAllowed) as caught:
        http.request("GET", server.url("/go"))
    assert urlhost(target) in str(caught.value)
    assert [r.path for r in server.requests] == ["/go"]


def urlhost(url):
    return url.split("/")[2]


def test_localhost_name_refused_unless_listed(make_web_rt, server):
    server.text("/", "hello")
    with http_for(make_web_rt()) as http, pytest.raises(HostNotAllowed, match="localhost"):
        http.request("GET", f"http://localhost:{server.port}/")
    listed = make_web_rt({"tools.http_request.allowed_hosts": ["localhost"]})
    with http_for(listed) as http:
        response = http.request("GET", f"http://localhost:{server.port}/")
    assert response.text == "hello"
    assert server.requests[-1].headers["host"] == f"localhost:{server.port}"


def test_public_looking_name_resolving_to_loopback_refused(make_rt, server, fake_dns):
    fake_dns({"api.example.test": "127.0.0.1", "rebind.example.test": "10.0.0.7"})
    server.text("/", "hello")
    with (
        http_for(make_rt()) as http,
        pytest.raises(HostNotAllowed, match=r"'api\.example\.test' resolves to 127\.0\.0\.1"),
    ):
        http.request("GET", f"http://api.example.test:{server.port}/")
    with http_for(make_rt()) as http, pytest.raises(HostNotAllowed, match=r"10\.0\.0\.7"):
        http.request("GET", "http://rebind.example.test/")
    assert server.requests == []


def test_listed_name_is_pinned_to_the_checked_address(make_web_rt, server, fake_dns):
    fake_dns({"api.example.test": "127.0.0.1"})
    server.text("/", "hello")
    runtime = make_web_rt({"tools.http_request.allowed_hosts": ["api.example.test"]})
    with http_for(runtime) as http:
        response = http.request("GET", f"http://api.example.test:{server.port}/")
    assert response.text == "hello"
    assert response.url == f"http://api.example.test:{server.port}/"
    assert server.requests[0].headers["host"] == f"api.example.test:{server.port}"


def test_ipv4_mapped_ipv6_refused(make_web_rt, server, fake_dns):
    server.text("/", "hello")
    rt = make_web_rt({"tools.http_request.allowed_hosts": ["*", "127.0.0.1"]})
    with http_for(rt) as http, pytest.raises(HostNotAllowed):
        http.request("GET", f"http://[::ffff:127.0.0.1]:{server.port}/")
    fake_dns({"mapped.example.test": "::ffff:10.0.0.1"})
    with http_for(rt) as http, pytest.raises(HostNotAllowed, match=r"::ffff:10\.0\.0\.1"):
        http.request("GET", "http://mapped.example.test/")
    assert server.requests == []


def test_oversize_response_by_content_length(make_web_rt, server):
    server.route("/big", lambda _req: (200, {}, b"x" * 5000))
    runtime = make_web_rt({"tools.http_request.max_response_size": 1000})
    with http_for(runtime) as http, pytest.raises(ToolExecutionError, match="larger than 1,000"):
        http.request("GET", server.url("/big"))


def test_oversize_response_by_streamed_body(make_web_rt, server):
    server.route("/stream", lambda _req: (200, {}, iter([b"y" * 600] * 4)))
    runtime = make_web_rt({"tools.http_request.max_response_size": 1000})
    with (
        http_for(runtime) as http,
        pytest.raises(ToolExecutionError, match="max_response_size"),
    ):
        http.request("GET", server.url("/stream"))
    server.route("/small", lambda _req: (200, {}, iter([b"y" * 300] * 3)))
    with http_for(runtime) as http:
        assert len(http.request("GET", server.url("/small")).content) == 900


def test_redirect_cap(make_web_rt, server):
    for n in range(5):
        server.redirect(f"/r{n}", f"/r{n + 1}")
    server.text("/r5", "end")
    runtime = make_web_rt({"tools.http_request.max_redirects": 2})
    with http_for(runtime) as http, pytest.raises(ToolExecutionError, match="too many redirects"):
        http.request("GET", server.url("/r0"))
    assert [r.path for r in server.requests] == ["/r0", "/r1", "/r2"]
    with http_for(make_web_rt()) as http:
        response = http.request("GET", server.url("/r0"))
    assert response.text == "end" and len(response.redirects) == 5


def test_retry_on_503_honours_retry_after(rt, server):
    server.sequence("/flaky", [(503, {"Retry-After": "1"}, "busy"), (200, {}, "done")])
    started = time.monotonic()
    with http_for(rt) as http:
        response = http.request("GET", server.url("/flaky"))
    assert response.status_code == 200 and response.attempts == 2
    first, second = server.hits("/flaky")
    assert second.received_at - first.received_at >= 0.9
    assert time.monotonic() - started < 5


def test_post_is_not_retried_by_default(rt, server):
    server.sequence("/flaky", [(503, {}, "busy"), (200, {}, "done")])
    with http_for(rt) as http:
        response = http.request("POST", server.url("/flaky"), content=b"x")
    assert response.status_code == 503 and response.attempts == 1
    assert len(server.hits("/flaky")) == 1


def test_authorization_dropped_on_cross_host_redirect(rt, server_factory):
    first, second = server_factory(), server_factory()
    second.text("/land", "landed")
    first.text("/land", "landed")
    first.redirect("/away", second.url("/land"))
    first.redirect("/near", "/land")
    with http_for(rt) as http:
        http.request("GET", first.url("/away"), headers={"Authorization": "Bearer s3cret"})
        http.request("GET", first.url("/near"), auth=("user", "pw"))
    assert "authorization" not in second.hits("/land")[0].headers
    assert first.hits("/away")[0].headers["authorization"] == "Bearer s3cret"
    assert first.hits("/land")[0].headers["authorization"].startswith("Basic ")


def test_non_http_scheme_refused(rt):
    with http_for(rt) as http, pytest.raises(ToolExecutionError, match="not an http"):
        http.request("GET", "file:///etc/passwd")


def test_allowed_hosts_without_star_limit_requests_to_the_list(rt, server):
    server.text("/", "hello")
    with http_for(rt) as http:
        assert http.request("GET", f"http://127.0.0.1:{server.port}/").text == "hello"
        with pytest.raises(HostNotAllowed, match=r"not in `tools\.http_request\.allowed_hosts`"):
            http.request("GET", "http://example.com/")


def test_blocked_host_wins_over_allowed(make_web_rt, server):
    server.text("/", "hello")
    rt = make_web_rt({"tools.http_request.blocked_hosts": ["127.0.0.1"]})
    with http_for(rt) as http, pytest.raises(HostNotAllowed, match="blocked_hosts"):
        http.request("GET", f"http://127.0.0.1:{server.port}/")
    assert server.requests == []


@pytest.mark.parametrize("address", ["100.100.100.200", "100.64.0.1", "224.0.0.1", "fe80::1%eth0"])
def test_shared_multicast_and_scoped_addresses_are_refused(make_web_rt, address):
    rt = make_web_rt({"tools.http_request.allowed_hosts": ["*"]})
    host = f"[{address}]" if ":" in address else address
    with http_for(rt) as http, pytest.raises(HostNotAllowed):
        http.request("GET", f"http://{host}/")
