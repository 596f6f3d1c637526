"""Outbound HTTP for tools: every hop checked, pinned to the checked address, bounded.

```python
http = SafeHttp.for_tool(ctx, family="http_request")       # or family="web_tools"
response = http.request("GET", "https://example.com/data.json", retries=2)
response.status_code, response.json(), response.redirects
```

Before each request and again on every redirect the host is checked: domain allow/block lists,
then the name and every address it resolves to against the private/loopback/link-local rules
(`[tools.network] allow_private`, the family's `allowed_hosts`). The connection then goes to the
address that was checked (Host header and TLS SNI keep the name), so a second DNS answer cannot
send it elsewhere. Responses are read up to a byte cap; a larger one is an error. Idempotent
requests are retried on connection errors, timeouts, 429 and 502-504, honouring Retry-After.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

from llmspell.core.errors import HostNotAllowed, ToolExecutionError
from llmspell.security import host_refusal

if TYPE_CHECKING:
    import httpx

    from llmspell.tools.context import ToolContext

Family = Literal["http_request", "web_tools", "web_search", "email"]
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
RETRY_STATUS = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SECRET_WORDS = ("auth", "cookie", "key", "token", "secret", "signature", "session")


class TransportFailure(ToolExecutionError):
    """No HTTP answer at all: a timeout or a connection that failed (after any retries)."""


def is_secret_header(name: str) -> bool:
    """Headers that never follow a redirect to another host (credentials, signatures)."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


@dataclass(slots=True)
class HttpResponse:
    status_code: int
    url: str
    headers: dict[str, str]
    content: bytes
    elapsed_ms: float
    redirects: list[str] = field(default_factory=list)
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 400

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def encoding(self) -> str:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip("\"' ")
        return "utf-8"

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise ToolExecutionError(
                f"the response from {self.url} is not JSON ({exc}); content-type "
                f"{self.content_type or 'unknown'}"
            ) from None


@dataclass(slots=True)
class HostRules:
    """Who may be contacted: one tool family's lists plus the shared network rules."""

    network_allowed: bool
    allow_private: bool
    allowed_hosts: tuple[str, ...] = ()
    blocked_hosts: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    family: str = "http_request"
    #: when set, only these hosts may be contacted (`allowed_hosts` without `*`)
    only_hosts: tuple[str, ...] = ()

    def check_name(self, host: str) -> None:
        name = host.strip("[]").lower().rstrip(".")
        if self.only_hosts and name not in {h.lower() for h in self.only_hosts}:
            raise HostNotAllowed(
                f"host {host!r} is not in `tools.{self.family}.allowed_hosts` "
                f"({', '.join(self.only_hosts)}); add it, or add `*` to allow any public host"
            )
        for domain in self.blocked_domains:
            if _in_domain(name, domain):
                raise HostNotAllowed(
                    f"host {host!r} is in a blocked domain ({domain!r}, "
                    f"`tools.{self.family}.blocked_domains`)"
                )
        allowed = [d for d in self.allowed_domains if d != "*"]
        if (
            allowed
            and "*" not in self.allowed_domains
            and not any(_in_domain(name, d) for d in allowed)
        ):
            raise HostNotAllowed(
                f"host {host!r} is not in `tools.{self.family}.allowed_domains` "
                f"({', '.join(allowed)})"
            )
        self._refuse(name, host)

    def check_address(self, host: str, address: str) -> None:
        if host.strip("[]").lower().rstrip(".") in self._listed:
            return
        try:
            self._refuse(_unmapped(address), address)
        except HostNotAllowed as exc:
            raise HostNotAllowed(f"{host!r} resolves to {address}: {exc}") from None

    @property
    def _listed(self) -> set[str]:
        return {h.lower() for h in self.allowed_hosts if h != "*"}

    def _refuse(self, name: str, shown: str) -> None:
        reason = host_refusal(
            name,
            network_allowed=self.network_allowed,
            allow_private=self.allow_private,
            allowed_hosts=self._listed,
            blocked_hosts=self.blocked_hosts,
        )
        if reason is not None:
            section = "search" if self.family == "web_search" else self.family
            reason = reason.replace(
                "the tool's `allowed_hosts`", f"`tools.{section}.allowed_hosts`"
            )
            raise HostNotAllowed(reason.replace(repr(name), repr(shown)))


def _in_domain(host: str, domain: str) -> bool:
    domain = domain.lower().lstrip("*.").rstrip(".")
    return host == domain or host.endswith("." + domain)


def _unmapped(address: str) -> str:
    """An IPv4-mapped IPv6 address as its IPv4 form (`::ffff:127.0.0.1` -> `127.0.0.1`)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal is itself)."""
    name = host.strip("[]")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return [name]
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ToolExecutionError(
            f"cannot resolve host {host!r}: {exc.strerror or exc}; check the URL"
        ) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class SafeHttp:
    """One tool call's HTTP client; use as a context manager or call `close()`."""

    def __init__(
        self,
        rules: HostRules,
        *,
        timeout: float,
        max_redirects: int,
        max_response_bytes: int,
        verify_ssl: bool = True,
        headers: Mapping[str, str] | None = None,
        max_retries: int = 0,
        size_key: str = "tools.http_request.max_response_size",
    ) -> None:
        self.rules = rules
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.max_response_bytes = max_response_bytes
        self.verify_ssl = verify_ssl
        self.headers = dict(headers or {})
        self.max_retries = max_retries
        self.size_key = size_key
        self._client: httpx.Client | None = None

    @classmethod
    def for_tool(
        cls,
        ctx: ToolContext,
        *,
        family: Family = "http_request",
        timeout: float | None = None,
        extra_allowed_hosts: Sequence[str] = (),
    ) -> SafeHttp:
        """A client with `ctx`'s configuration for the tool family's `[tools.<family>]` table."""
        tools = ctx.config
        http = tools.http_request
        web = tools.web_tools
        if family == "web_tools":
            allowed_hosts = (*web.allowed_hosts, *http.allowed_hosts)
            domains = (tuple(web.allowed_domains), tuple(web.blocked_domains))
            redirects, size = web.max_redirects, web.max_response_size
            size_key = "tools.web_tools.max_response_size"
            headers = {"User-Agent": web.user_agent}
        else:
            allowed_hosts = tuple(http.allowed_hosts)
            domains = ((), ())
            redirects, size = http.max_redirects, http.max_response_size
            size_key = "tools.http_request.max_response_size"
            headers = dict(http.default_headers)
        if family == "web_search":
            search = tools.web_search
            domains = ((), tuple(search.blocked_domains))
            headers = {"User-Agent": search.user_agent}
        rules = HostRules(
            network_allowed=ctx.network_allowed,
            allow_private=tools.network.allow_private,
            allowed_hosts=(*allowed_hosts, *extra_allowed_hosts),
            blocked_hosts=tuple(http.blocked_hosts),
            allowed_domains=domains[0],
            blocked_domains=domains[1],
            family=family,
            only_hosts=(
                tuple(h for h in allowed_hosts if h != "*")
                if family == "http_request" and "*" not in http.allowed_hosts
                else ()
            ),
        )
        limit = float(timeout or http.timeout_seconds)
        return cls(
            rules,
            timeout=min(limit, ctx.timeout),
            max_redirects=redirects,
            max_response_bytes=size,
            verify_ssl=tools.network.verify_ssl,
            headers=headers,
            max_retries=tools.network.max_retries,
            size_key=size_key,
        )

    def __enter__(self) -> SafeHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def check_url(self, url: str) -> tuple[str, str, int]:
        """`(scheme, host, port)` of an http(s) URL whose host may be contacted."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise ToolExecutionError(f"invalid URL {url!r}: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ToolExecutionError(
                f"{url!r} is not an http:// or https:// URL with a host; only those are fetched"
            )
        host = parts.hostname
        self.rules.check_name(host)
        return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        content: bytes | str | None = None,
        auth: tuple[str, str] | None = None,
        follow_redirects: bool = True,
        max_bytes: int | None = None,
        retries: int | None = None,
        timeout: float | None = None,
        secret_headers: Collection[str] = (),
    ) -> HttpResponse:
        """Send one request (following redirects, retrying when safe); the whole response.

        `secret_headers` names more headers (besides credential-looking ones) that must not
        follow a redirect to another host."""
        import httpx

        method = method.upper()
        attempts = 1 + (self.max_retries if retries is None else max(0, retries))
        if method not in IDEMPOTENT and retries is None:
            attempts = 1
        request_headers = {**self.headers, **(headers or {})}
        last_error = ""
        started = time.perf_counter()
        for attempt in range(1, attempts + 1):
            try:
                response = self._follow(
                    method,
                    url,
                    request_headers,
                    params=params,
                    json_body=json_body,
                    data=data,
                    files=files,
                    content=content,
                    auth=auth,
                    follow=follow_redirects,
                    secret={h.lower() for h in secret_headers},
                    max_bytes=max_bytes or self.max_response_bytes,
                    timeout=timeout or self.timeout,
                )
            except httpx.TimeoutException:
                last_error = f"no response from {url} within {timeout or self.timeout:g}s"
                if attempt == attempts:
                    raise TransportFailure(last_error) from None
                _pause(attempt, None)
                continue
            except httpx.TransportError as exc:
                last_error = f"cannot reach {url}: {exc or type(exc).__name__}"
                if attempt == attempts:
                    raise TransportFailure(last_error) from None
                _pause(attempt, None)
                continue
            if response.status_code in RETRY_STATUS and attempt < attempts:
                _pause(attempt, response.headers.get("retry-after"))
                continue
            response.attempts = attempt
            response.elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
            return response
        raise ToolExecutionError(last_error or f"request to {url} failed")

    def _client_for(self) -> httpx.Client:
        import httpx

        if self._client is None:
            self._client = httpx.Client(
                trust_env=False, verify=self.verify_ssl, follow_redirects=False
            )
        return self._client

    def _follow(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        follow: bool,
        secret: set[str],
        max_bytes: int,
        timeout: float,
        **body: Any,
    ) -> HttpResponse:
        redirects: list[str] = []
        current = url
        while True:
            response = self._send(method, current, headers, max_bytes, timeout, **body)
            location = response.headers.get("location")
            if not follow or response.status_code not in _REDIRECTS or not location:
                response.redirects = redirects
                return response
            if len(redirects) >= self.max_redirects:
                raise ToolExecutionError(
                    f"too many redirects from {url} (more than {self.max_redirects}; "
                    f"`tools.{self.rules.family}.max_redirects`)"
                )
            target = urljoin(current, location)
            redirects.append(target)
            if urlsplit(target).netloc != urlsplit(current).netloc:
                headers = {
                    k: v
                    for k, v in headers.items()
                    if not is_secret_header(k) and k.lower() not in secret
                }
                body["auth"] = None
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method == "POST"
            ):
                method = "GET"
                body = {"auth": body.get("auth")}
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            body["params"] = None
            current = target

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        max_bytes: int,
        timeout: float,
        **body: Any,
    ) -> HttpResponse:
        scheme, host, port = self.check_url(url)
        addresses = resolve(host, port)
        for address in addresses:
            self.rules.check_address(host, address)
        pinned, extensions = _pin(url, scheme, host, addresses[0])
        client = self._client_for()
        sent_headers = {**headers, "Host": urlsplit(url).netloc.rsplit("@", 1)[-1]}
        if body.get("auth") is not None:
            sent_headers["Authorization"] = basic_auth(*body["auth"])
        request = client.build_request(
            method,
            pinned,
            headers=sent_headers,
            params=body.get("params"),
            json=body.get("json_body"),
            data=body.get("data"),
            files=body.get("files"),
            content=body.get("content"),
            timeout=timeout,
            extensions=extensions,
        )
        started = time.perf_counter()
        response = client.send(request, stream=True)
        try:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise self._too_big(url, max_bytes)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise self._too_big(url, max_bytes)
                chunks.append(chunk)
        finally:
            response.close()
        final = _unpin(str(response.request.url), url)
        return HttpResponse(
            status_code=response.status_code,
            url=final,
            headers={k.lower(): v for k, v in response.headers.items()},
            content=b"".join(chunks),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    def _too_big(self, url: str, limit: int) -> ToolExecutionError:
        return ToolExecutionError(
            f"the response from {url} is larger than {limit:,} bytes (`{self.size_key}`); "
            "raise the limit or fetch something smaller"
        )


def _pin(url: str, scheme: str, host: str, address: str) -> tuple[str, dict[str, Any]]:
    """The URL with its host replaced by the checked address; SNI keeps the name for TLS."""
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    extensions: dict[str, Any] = {}
    if scheme == "https":
        extensions["sni_hostname"] = host
    return pinned, extensions


def _unpin(sent: str, original: str) -> str:
    """The URL as the caller wrote it (the pinned address swapped back for the name)."""
    sent_parts, original_parts = urlsplit(sent), urlsplit(original)
    return urlunsplit(
        (
            sent_parts.scheme,
            original_parts.netloc,
            sent_parts.path,
            sent_parts.query,
            original_parts.fragment,
        )
    )


def basic_auth(user: str, password: str) -> str:
    """An `Authorization` header value for HTTP basic authentication."""
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _pause(attempt: int, retry_after: str | None) -> None:
    delay = min(0.2 * 2 ** (attempt - 1), 5.0)
    if retry_after:
        with contextlib.suppress(ValueError):
            delay = min(float(retry_after), MAX_RETRY_AFTER_S)
    time.sleep(delay)
