"""url-analyzer: take a URL apart (and, when asked, see what it answers)."""

from __future__ import annotations

import ipaddress
from http import HTTPStatus
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit, urlunsplit

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError
from llmspell.security import is_private_host
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.web.safe_http import HttpResponse, SafeHttp

DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
#: second-level labels that sit under a country code in public suffixes (`co.uk`, `com.au`)
_SECOND_LEVEL = frozenset(
    {"ac", "co", "com", "edu", "gob", "go", "gov", "govt", "ltd", "me", "mil", "ne", "net",
     "nic", "nom", "or", "org", "plc", "sch"}
)  # fmt: skip
TITLE_BYTES = 1_000_000
_HTML = ("text/html", "application/xhtml+xml")


class Params(ToolParams):
    url: str = Field(
        validation_alias=AliasChoices("url", "input"), description="the URL to analyze"
    )
    fetch: bool = Field(
        False,
        validation_alias=AliasChoices("fetch", "fetch_metadata"),
        description="also request the URL (HEAD, then GET for HTML) and report status, "
        "content type and length, the final URL after redirects and the page title",
    )
    decode_params: bool = Field(True, description="percent-decode query parameter names and values")
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("timeout_seconds", "timeout"),
        description="per-request timeout when fetching",
    )


class UrlAnalyzer(Tool[Params]):
    name = "url-analyzer"
    category = "data"
    description = (
        "Analyze a URL: scheme, host, port, path, query parameters, fragment, registered domain, "
        "whether the host is an IP or private; optionally fetch it for status, content type, "
        "size, final URL and title."
    )
    security_level = "safe"
    tags = ("url", "parse", "domain", "query", "http", "web")
    Params = Params
    result_keys = {
        "analyze": "valid, error (when not valid), original, normalized, scheme, host, "
        "host_type (domain|ipv4|ipv6), port, effective_port, path, path_segments, query, "
        "query_params {name: value | [values]}, fragment, username, has_credentials, "
        "registered_domain, subdomain, tld, is_ip, is_private, fetched",
        "fetch = true": "also status_code, status_text, is_success, is_redirect, redirects, "
        "final_url, content_type, content_length, title, response_time_ms",
    }
    security_notes = (
        "Without `fetch` no network call is made. With it the request goes through the web "
        "tools' safe client: the host and every redirect hop are checked (private, loopback and "
        "link-local addresses refused unless in `tools.web_tools.allowed_hosts` or "
        "`tools.http_request.allowed_hosts`), and a GET "
        "body is read only for an HTML title, capped."
    )
    example = {"url": "https://example.com:8443/a/b?x=1&x=2&y=hello%20world#top"}

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        original = params.url.strip()
        result = analyze(original, decode=params.decode_params)
        result["fetched"] = False
        if params.fetch:
            if not result["valid"]:
                raise ToolExecutionError(f"cannot fetch {original!r}: {result['error']}")
            with SafeHttp.for_tool(ctx, family="web_tools", timeout=params.timeout_seconds) as http:
                result.update(_fetch(http, original))
            result["fetched"] = True
        if not result["valid"]:
            return ToolResult.ok(f"{original}: not a valid URL ({result['error']})", result)
        text = f"{result['normalized']}: host {result['host']} ({result['host_type']})"
        if result["registered_domain"]:
            text += f", registered domain {result['registered_domain']}"
        if result["fetched"]:
            text += f"; HTTP {result['status_code']} {result['content_type'] or ''}".rstrip()
            if result["title"]:
                text += f", title {result['title']!r}"
        return ToolResult.ok(text, result, operation="analyze")


def analyze(url: str, *, decode: bool = True) -> dict[str, Any]:
    """Everything the URL itself says; `valid` false (with `error`) when it does not parse."""
    out: dict[str, Any] = {"valid": False, "original": url}
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return {**out, "error": str(exc)}
    if not parts.scheme or not parts.netloc or not parts.hostname:
        return {**out, "error": "a URL needs a scheme and a host (like https://example.com/)"}
    host = parts.hostname
    host_type, is_ip = _host_type(host)
    scheme = parts.scheme.lower()
    out.update(
        valid=True,
        normalized=_normalized(parts, scheme, host, port),
        scheme=scheme,
        host=host,
        host_type=host_type,
        port=port,
        effective_port=port or DEFAULT_PORTS.get(scheme),
        path=parts.path or "/",
        path_segments=[segment for segment in parts.path.split("/") if segment],
        query=parts.query or None,
        query_params=_query_params(parts.query, decode=decode),
        fragment=parts.fragment or None,
        username=parts.username,
        has_credentials=parts.username is not None or parts.password is not None,
        is_ip=is_ip,
        is_private=is_private_host(host)
        or host.endswith((".local", ".internal"))
        or host == "metadata.google.internal",
        **_domain_parts(host, is_ip),
    )
    return out


def _host_type(host: str) -> tuple[str, bool]:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "domain", False
    return f"ipv{address.version}", True


def _normalized(parts: SplitResult, scheme: str, host: str, port: int | None) -> str:
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        ascii_host = host
    shown = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        shown += f":{port}"
    path = parts.path or ("/" if scheme in ("http", "https") else "")
    return urlunsplit((scheme, shown, path, parts.query, parts.fragment))


def _query_params(query: str, *, decode: bool) -> dict[str, Any]:
    pairs: list[tuple[str, str]]
    if decode:
        pairs = parse_qsl(query, keep_blank_values=True)
    else:
        pairs = [tuple(p.partition("=")[::2]) for p in query.split("&") if p]  # type: ignore[misc]
    params: dict[str, Any] = {}
    for name, value in pairs:
        if name not in params:
            params[name] = value
        elif isinstance(params[name], list):
            params[name].append(value)
        else:
            params[name] = [params[name], value]
    return params


def _domain_parts(host: str, is_ip: bool) -> dict[str, str | None]:
    """Best effort without the public suffix list: `a.b.example.co.uk` -> `example.co.uk`."""
    labels = host.rstrip(".").lower().split(".")
    if is_ip or len(labels) < 2:
        return {"registered_domain": None, "subdomain": None, "tld": None}
    suffix = 2 if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 1
    if len(labels) <= suffix:
        return {"registered_domain": None, "subdomain": None, "tld": ".".join(labels)}
    keep = suffix + 1
    return {
        "registered_domain": ".".join(labels[-keep:]),
        "subdomain": ".".join(labels[:-keep]) or None,
        "tld": ".".join(labels[-suffix:]),
    }


def _fetch(http: SafeHttp, url: str) -> dict[str, Any]:
    head = http.request("HEAD", url)
    if head.status_code in (405, 501):
        return _describe(http.request("GET", url))
    if head.content_type not in _HTML:
        return _describe(head)
    try:
        page = http.request("GET", url, max_bytes=min(TITLE_BYTES, http.max_response_bytes))
    except ToolExecutionError:  # too big for a title, or gone meanwhile: HEAD said enough
        return _describe(head)
    return _describe(page)


def _describe(response: HttpResponse) -> dict[str, Any]:
    code = response.status_code
    try:
        status_text = HTTPStatus(code).phrase
    except ValueError:
        status_text = None
    declared = response.headers.get("content-length")
    length = int(declared) if declared and declared.isdigit() else None
    if length is None and response.content:
        length = len(response.content)
    title = None
    if response.content and response.content_type in _HTML:
        from llmspell.tools.web.html_content import metadata, parse_html

        title = metadata(parse_html(response.content))["title"]
    return {
        "status_code": code,
        "status_text": status_text,
        "is_success": 200 <= code < 300,
        "is_redirect": bool(response.redirects),
        "redirects": response.redirects,
        "final_url": response.url,
        "content_type": response.content_type or None,
        "content_length": length,
        "title": title,
        "response_time_ms": response.elapsed_ms,
    }
