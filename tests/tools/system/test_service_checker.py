"""service_checker against real servers on 127.0.0.1, and its refusals of private hosts."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from llmspell.core.errors import HostNotAllowed, ToolExecutionError, ToolParameterError


def check(rt, **params):
    return rt.tools.invoke("service_checker", params)


def test_tcp_open_port_is_healthy(net_rt, listener):
    r = check(net_rt, check_type="tcp", target=f"127.0.0.1:{listener.port}", timeout_ms=1000)
    assert r.success
    res = r.result
    assert res["healthy"] is res["reachable"] is res["available"] is True
    assert res["status"] == "healthy"
    assert (res["host"], res["port"], res["address"]) == ("127.0.0.1", listener.port, "127.0.0.1")
    assert res["response_time_ms"] >= 0
    assert res["error"] is None
    assert r.to_dict()["operation"] == "tcp"
    assert "healthy" in r.text


def test_tcp_closed_port_is_a_finding_not_an_error(net_rt, closed_port):
    r = check(net_rt, check_type="tcp", target=f"127.0.0.1:{closed_port}")
    assert r.success
    assert r.result["healthy"] is False and r.result["reachable"] is False
    assert r.result["status"] == "unhealthy"
    assert f"port {closed_port} closed" in r.result["error"]


def test_tcp_port_as_a_parameter_and_type_from_the_target(net_rt, listener):
    assert check(net_rt, target="127.0.0.1", check_type="tcp", port=listener.port).result["healthy"]
    r = check(net_rt, target=f"127.0.0.1:{listener.port}")
    assert r.result["check_type"] == "tcp" and r.result["healthy"]
    with pytest.raises(ToolExecutionError, match="needs a port"):
        check(net_rt, check_type="tcp", target="127.0.0.1")


def test_http_endpoint_status_and_health(net_rt, http_server):
    base = f"http://127.0.0.1:{http_server.server_port}"
    ok = check(net_rt, check_type="http", target=f"{base}/")
    assert ok.result["status_code"] == 200 and ok.result["healthy"] is True
    assert ok.result["url"] == f"{base}/"
    assert "HTTP 200" in ok.text
    down = check(net_rt, target=f"{base}/down")  # type inferred from the URL
    assert down.success
    assert down.result["check_type"] == "http"
    assert down.result["status_code"] == 503
    assert down.result["reachable"] is True and down.result["healthy"] is False
    assert "status 503" in down.result["error"]
    assert http_server.paths == ["/", "/down"]


def test_http_expected_status(net_rt, http_server):
    url = f"http://127.0.0.1:{http_server.server_port}/missing"
    assert check(net_rt, target=url, expected_status=404).result["healthy"] is True
    r = check(net_rt, target=url, expected_status=[200, 204])
    assert r.result["healthy"] is False
    assert r.result["expected_status"] == [200, 204]


def test_http_without_scheme_and_with_head(net_rt, http_server):
    r = check(
        net_rt, check_type="http", target=f"127.0.0.1:{http_server.server_port}", method="HEAD"
    )
    assert r.result["status_code"] == 200
    assert r.result["url"].startswith("http://127.0.0.1:")


def test_http_redirects_are_not_followed(net_rt, http_server):
    r = check(net_rt, target=f"http://127.0.0.1:{http_server.server_port}/moved")
    assert r.result["status_code"] == 302
    assert http_server.paths == ["/moved"]


def test_http_to_a_closed_port_is_unreachable(net_rt, closed_port):
    r = check(net_rt, target=f"http://127.0.0.1:{closed_port}/", timeout_seconds=2)
    assert r.success
    assert r.result["reachable"] is False and r.result["status_code"] is None
    assert r.result["error"]


def test_dns(net_rt):
    r = check(net_rt, check_type="dns", target="localhost")
    assert r.result["healthy"] is True
    assert any(ipaddress.ip_address(a).is_loopback for a in r.result["addresses"])
    missing = check(net_rt, target="no-such-host.invalid")  # bare name: a dns check
    assert missing.result["check_type"] == "dns"
    assert missing.result["healthy"] is False and missing.result["addresses"] == []
    assert "does not resolve" in missing.result["error"]


@pytest.mark.parametrize("kind", ["tcp", "http"])
def test_loopback_is_refused_unless_config_allows_it(make_rt, listener, kind):
    rt = make_rt({"tools.http_request.blocked_hosts": []})  # allow_private stays false
    target = f"127.0.0.1:{listener.port}" if kind == "tcp" else f"http://127.0.0.1:{listener.port}/"
    with pytest.raises(HostNotAllowed, match="private or loopback") as info:
        check(rt, check_type=kind, target=target)
    assert "allow_private = true" in str(info.value)
    assert listener.accepted == 0


def test_private_and_local_names_are_refused_by_default(rt):
    for target in ("10.1.2.3:80", "192.168.0.1:22", "[::1]:80", "localhost:80"):
        with pytest.raises(HostNotAllowed):
            check(rt, check_type="tcp", target=target, timeout_ms=200)
    with pytest.raises(HostNotAllowed):
        check(rt, check_type="dns", target="localhost")


def test_a_name_that_resolves_to_a_private_address_is_refused(make_rt):
    name = socket.gethostname()
    try:
        address = socket.getaddrinfo(name, None)[0][4][0]
    except OSError:
        pytest.skip(f"this machine's host name {name!r} does not resolve")
    if not ipaddress.ip_address(address).is_private:
        pytest.skip(f"this machine's host name resolves to public {address}")
    rt = make_rt({"tools.http_request.blocked_hosts": []})
    with pytest.raises(HostNotAllowed, match=f"'{name}' resolves to"):
        check(rt, check_type="tcp", target=f"{name}:80")


def test_allowed_hosts_in_config_admit_a_loopback_host(make_rt, listener):
    rt = make_rt({"tools.http_request.allowed_hosts": ["127.0.0.1"]})
    r = check(rt, check_type="tcp", target=f"127.0.0.1:{listener.port}")
    assert r.result["healthy"] is True


def test_blocked_hosts_are_refused_even_with_allow_private(make_rt):
    rt = make_rt(
        {"tools.network.allow_private": True, "tools.http_request.blocked_hosts": ["10.9.9.9"]}
    )
    with pytest.raises(HostNotAllowed, match="blocked_hosts"):
        check(rt, check_type="tcp", target="10.9.9.9:80")


def test_no_network_refuses_every_check(make_rt, listener):
    rt = make_rt(
        {"tools.network.allow_private": True, "runtime.security.allow_network_access": False}
    )
    with pytest.raises(HostNotAllowed, match="allow_network_access = false"):
        check(rt, target=f"127.0.0.1:{listener.port}")


def test_bad_parameters_name_the_parameter(net_rt):
    with pytest.raises(ToolParameterError, match="parameter 'check_type'"):
        check(net_rt, target="127.0.0.1:80", check_type="ftp")
    with pytest.raises(ToolParameterError, match="parameter 'target' is required"):
        check(net_rt, check_type="tcp")
    with pytest.raises(ToolParameterError, match="parameter 'port'"):
        check(net_rt, target="127.0.0.1", port=70000)
    with pytest.raises(ToolExecutionError, match="not an http"):
        check(net_rt, check_type="http", target="ftp://127.0.0.1/")


def test_from_lua(net_rt, listener, closed_port):
    up, down, port = net_rt.run_code(
        f"""
        local a = Tool.invoke("service_checker",
            {{check_type = "tcp", target = "127.0.0.1:{listener.port}", timeout_ms = 1000}})
        local b = Tool.invoke("service_checker",
            {{check_type = "tcp", target = "127.0.0.1:{closed_port}", timeout_ms = 1000}})
        return a.result.available, b.result.available, a.result.port
        """
    )
    assert (up, down, port) == (True, False, listener.port)


def test_a_refusal_from_lua_can_be_caught(make_rt):
    rt = make_rt()
    ok, message = rt.run_code(
        'return pcall(Tool.invoke, "service_checker",'
        ' {check_type = "tcp", target = "127.0.0.1:8080", timeout_ms = 1000})'
    )
    assert ok is False
    assert "127.0.0.1" in message
