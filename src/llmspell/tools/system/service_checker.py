"""service_checker: is a TCP port open, does an HTTP(S) endpoint answer, does a name resolve?"""

from __future__ import annotations

import ipaddress
import socket
import time
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field

from llmspell.core.errors import HostNotAllowed, ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext


class Params(ToolParams):
    target: str = Field(
        validation_alias=AliasChoices("target", "url", "host", "input"),
        description="'host:port' for tcp, a URL for http/https, a host name for dns",
    )
    check_type: Literal["tcp", "http", "https", "dns"] | None = Field(
        None,
        validation_alias=AliasChoices("check_type", "operation", "type"),
        description="tcp, http, https or dns; default: from the target (URL: http, "
        "host:port: tcp, bare name: dns)",
    )
    port: int | None = Field(
        None, ge=1, le=65535, description="for tcp: the port, if not in target"
    )
    timeout_seconds: float = Field(
        5, gt=0, description="connect/response timeout; capped by `tools.network.timeout_seconds`"
    )
    timeout_ms: int | None = Field(None, gt=0, description="the timeout in milliseconds")
    expected_status: int | list[int] | None = Field(
        None, description="for http: status code(s) counted as healthy; default: 200-399"
    )
    method: Literal["GET", "HEAD"] = Field("GET", description="for http: the request method")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class ServiceChecker(Tool[Params]):
    name = "service_checker"
    category = "system"
    description = (
        "Check a service: whether a TCP port accepts connections, whether an HTTP(S) endpoint "
        "answers (status code, response time), or whether a host name resolves."
    )
    security_level = "restricted"
    tags = ("health", "tcp", "http", "dns", "port", "monitoring")
    Params = Params
    result_keys = {
        "tcp": "target, check_type, host, port, address, reachable, healthy, available, status "
        "('healthy'|'unhealthy'), response_time_ms, error",
        "http/https": "the tcp keys plus url, status_code, expected_status",
        "dns": "target, check_type, host, addresses, reachable, healthy, available, status, "
        "response_time_ms, error",
    }
    security_notes = (
        "Hosts and every address they resolve to are checked: loopback, private and link-local "
        "addresses are refused unless `[tools.network] allow_private = true` or the host is in "
        "`tools.http_request.allowed_hosts`; `tools.http_request.blocked_hosts` are refused. "
        "Redirects are not followed and no proxy from the environment is used. A closed port or "
        "failing endpoint is success with `healthy = false`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        target = params.target.strip()
        kind = params.check_type or _guess_kind(target)
        wait = params.timeout_ms / 1000 if params.timeout_ms else params.timeout_seconds
        wait = min(wait, float(ctx.config.network.timeout_seconds), ctx.timeout)
        if kind == "dns":
            host = (urlsplit(target).hostname if "://" in target else target.strip("[]")) or ""
            found = self._dns(host, wait, ctx)
        elif kind == "tcp":
            host, port = _host_port(target, params.port)
            found = self._tcp(host, port, wait, ctx)
        else:
            found = self._http(target, kind, params, wait, ctx)
        healthy = bool(found["healthy"])
        result = {
            "target": target,
            "check_type": kind,
            **found,
            "available": healthy,
            "status": "healthy" if healthy else "unhealthy",
        }
        text = f"{kind} {target}: {'healthy' if healthy else 'unhealthy'}"
        if result.get("status_code") is not None:
            text += f" (HTTP {result['status_code']})"
        if result["error"]:
            text += f" ({result['error']})"
        text += f" in {result['response_time_ms']} ms"
        return ToolResult.ok(text, result, operation=kind)

    # checks ----------------------------------------------------------------------------------

    @staticmethod
    def _dns(host: str, wait: float, ctx: ToolContext) -> dict[str, Any]:
        if not host:
            raise ToolExecutionError("dns check needs a host name in 'target'")
        ctx.check_host(host)
        out: dict[str, Any] = {"host": host, "addresses": []}
        started = time.perf_counter()
        try:
            addresses = _resolve(host, None)
        except OSError as exc:
            return _down(out, started, f"does not resolve: {exc.strerror or exc}")
        elapsed = _ms(started)
        _check_addresses(host, addresses, ctx)
        out["addresses"] = addresses
        return _up(out, elapsed)

    @staticmethod
    def _tcp(host: str, port: int, wait: float, ctx: ToolContext) -> dict[str, Any]:
        ctx.check_host(host)
        out: dict[str, Any] = {"host": host, "port": port, "address": None}
        started = time.perf_counter()
        try:
            addresses = _resolve(host, port)
        except OSError as exc:
            return _down(out, started, f"cannot resolve {host!r}: {exc.strerror or exc}")
        _check_addresses(host, addresses, ctx)
        error = None
        for address in addresses:  # connect to the checked address, not a fresh lookup
            started = time.perf_counter()
            try:
                with socket.create_connection((address, port), timeout=wait):
                    return _up({**out, "address": address}, _ms(started))
            except TimeoutError:
                error = f"no answer within {wait:g}s"
            except OSError as exc:
                error = exc.strerror or str(exc)
        return _down(out, started, f"port {port} closed or unreachable: {error}")

    @staticmethod
    def _http(
        target: str, kind: str, params: Params, wait: float, ctx: ToolContext
    ) -> dict[str, Any]:
        import httpx

        url = target if "://" in target else f"{kind}://{target}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ToolExecutionError(f"{target!r} is not an http:// or https:// URL with a host")
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        expected = params.expected_status
        wanted = [expected] if isinstance(expected, int) else expected
        out: dict[str, Any] = {
            "url": url,
            "host": host,
            "port": port,
            "status_code": None,
            "expected_status": wanted,
        }
        ctx.check_host(host)
        started = time.perf_counter()
        try:
            _check_addresses(host, _resolve(host, port), ctx)
        except OSError as exc:
            return _down(out, started, f"cannot resolve {host!r}: {exc.strerror or exc}")
        started = time.perf_counter()
        try:
            with (
                httpx.Client(
                    timeout=wait,
                    follow_redirects=False,
                    trust_env=False,
                    verify=ctx.config.network.verify_ssl,
                    headers={"User-Agent": "llmspell-service-checker/1.0"},
                ) as client,
                client.stream(params.method, url) as response,
            ):
                code = response.status_code
        except httpx.TimeoutException:
            return _down(out, started, f"no answer within {wait:g}s")
        except httpx.HTTPError as exc:
            return _down(out, started, f"{type(exc).__name__}: {exc}")
        out["status_code"] = code
        if (code in wanted) if wanted else (200 <= code < 400):
            return _up(out, _ms(started))
        found = _down(out, started, f"status {code}" + (f", expected {wanted}" if wanted else ""))
        found["reachable"] = True
        return found


def _up(out: dict[str, Any], elapsed: float) -> dict[str, Any]:
    return {**out, "reachable": True, "healthy": True, "response_time_ms": elapsed, "error": None}


def _down(out: dict[str, Any], started: float, error: str) -> dict[str, Any]:
    return {
        **out,
        "reachable": False,
        "healthy": False,
        "response_time_ms": _ms(started),
        "error": error,
    }


def _guess_kind(target: str) -> str:
    if "://" in target:
        return "https" if target.lower().startswith("https://") else "http"
    try:
        port = urlsplit(f"//{target}").port
    except ValueError:
        port = None
    return "tcp" if port else "dns"


def _host_port(target: str, port: int | None) -> tuple[str, int]:
    try:
        parts = urlsplit(target if "://" in target else f"//{target}")
        host, found = parts.hostname, parts.port
    except ValueError as exc:
        raise ToolExecutionError(f"cannot read host:port from {target!r}: {exc}") from None
    if not host:
        raise ToolExecutionError(f"no host in target {target!r}; use 'host:port'")
    if not (port or found):
        raise ToolExecutionError(
            f"tcp check of {target!r} needs a port: 'host:port' or the 'port' parameter"
        )
    return host, int(port or found)  # type: ignore[arg-type]


def _resolve(host: str, port: int | None) -> list[str]:
    if _is_ip(host):
        return [host]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _check_addresses(host: str, addresses: list[str], ctx: ToolContext) -> None:
    """Every address a name resolves to must be allowed too (a public name may point inward)."""
    listed = {h.lower() for h in ctx.config.http_request.allowed_hosts if h != "*"}
    if _is_ip(host) or host.lower() in listed:
        return
    for address in addresses:
        try:
            ctx.check_host(address)
        except HostNotAllowed as exc:
            raise HostNotAllowed(f"{host!r} resolves to {address}: {exc}") from None


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
