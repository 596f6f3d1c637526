"""What the HTTP tools share: auth shapes, request bodies, sending through SafeHttp, the response.

`http_request`, `api-tester`, `graphql_query` and `webhook-caller` take the same `auth` tables:

- `{type="bearer", token=...}` sends `Authorization: Bearer <token>`;
- `{type="basic", username=..., password=...}` sends HTTP basic authentication;
- `{type="api_key", key=..., header="X-API-Key"}` sends the key in a header, or with
  `in="query", name="api_key"` as a query parameter;
- `{type="custom", headers={...}}` sends those headers; `{type="none"}` sends nothing.

Credentials never follow a redirect to another host: SafeHttp drops `Authorization` (bearer,
basic) and credential-looking headers, and `send` below names API-key and custom auth headers
for it to drop too.
"""

from __future__ import annotations

import base64
import http
import json
import mimetypes
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.base import ToolParams
from llmspell.tools.web.safe_http import HttpResponse, SafeHttp

if TYPE_CHECKING:
    from llmspell.tools.context import ToolContext
    from llmspell.tools.web.safe_http import Family

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class BearerAuth(ToolParams):
    type: Literal["bearer"]
    token: str = Field(description="the bearer token")


class BasicAuth(ToolParams):
    type: Literal["basic"]
    username: str = Field(validation_alias=AliasChoices("username", "user"))
    password: str = ""


class ApiKeyAuth(ToolParams):
    type: Literal["api_key"]
    key: str = Field(validation_alias=AliasChoices("key", "api_key", "value"))
    header: str = Field(
        "X-API-Key",
        validation_alias=AliasChoices("header", "header_name"),
        description="header that carries the key (in='header')",
    )
    location: Literal["header", "query"] = Field(
        "header", validation_alias=AliasChoices("in", "location")
    )
    name: str = Field("api_key", description="query parameter that carries the key (in='query')")


class CustomAuth(ToolParams):
    type: Literal["custom"]
    headers: dict[str, str]


class NoAuth(ToolParams):
    type: Literal["none"]


Auth = Annotated[
    BearerAuth | BasicAuth | ApiKeyAuth | CustomAuth | NoAuth, Field(discriminator="type")
]


class FilePart(ToolParams):
    """One multipart file: from `path` (inside the allowed paths) or inline `content`."""

    field: str = Field("file", validation_alias=AliasChoices("field", "name"))
    path: str | None = Field(None, description="file to send, inside the allowed paths")
    content: str | None = Field(None, description="inline text content")
    content_base64: str | None = Field(None, description="inline binary content, base64")
    filename: str | None = Field(None, description="default: the path's name, else the field")
    content_type: str | None = Field(None, description="default: guessed from the file name")

    @model_validator(mode="after")
    def _one_source(self) -> FilePart:
        given = [k for k in ("path", "content", "content_base64") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"file part {self.field!r} needs exactly one of path, content, content_base64 "
                f"(got {', '.join(given) or 'none'})"
            )
        return self


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


class RequestParams(ToolParams):
    """One HTTP request, as `http_request` and `api-tester` take it."""

    url: str = Field(
        validation_alias=AliasChoices("url", "input", "endpoint"),
        description="http:// or https:// URL",
    )
    method: Method = Field("GET", description="HTTP method")
    headers: dict[str, Any] = Field(default_factory=dict, description="request headers")
    params: dict[str, Any] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("params", "query", "query_params"),
        description="query parameters (a list value repeats the parameter)",
    )
    json_body: Any = Field(
        None,
        validation_alias=AliasChoices("json", "json_body"),
        description="body sent as JSON (any JSON value)",
    )
    body: Any = Field(
        None, description="a table is sent as JSON; a string is sent as-is (see content_type)"
    )
    content_type: str | None = Field(
        None, description="Content-Type of a string body; default text/plain; charset=utf-8"
    )
    form: dict[str, Any] | None = Field(
        None, description="form fields (urlencoded, or multipart together with files)"
    )
    files: list[FilePart] | None = Field(
        None,
        description="multipart files: [{field, path | content | content_base64, filename?, "
        "content_type?}]",
    )
    auth: Auth | None = Field(
        None,
        description="{type='bearer', token} | {type='basic', username, password} | "
        "{type='api_key', key, header='X-API-Key' | in='query', name} | "
        "{type='custom', headers} | {type='none'}",
    )
    follow_redirects: bool = Field(True, description="follow 3xx redirects")
    max_redirects: int | None = Field(
        None, ge=0, description="redirects followed; capped by `tools.http_request.max_redirects`"
    )
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("timeout_seconds", "timeout"),
        description="per-request timeout; capped by `tools.http_request.timeout_seconds`",
    )
    retries: int | None = Field(
        None,
        ge=0,
        le=10,
        validation_alias=AliasChoices("retries", "max_retries"),
        description="retries on connection errors, timeouts, 429 and 502-504; default "
        "`tools.network.max_retries` for GET, HEAD, PUT, DELETE, OPTIONS and 0 otherwise",
    )

    @field_validator("method", mode="before")
    @classmethod
    def _method_upper(cls, value: Any) -> Any:
        return _upper(value)


@dataclass(slots=True)
class Prepared:
    """A request ready to send: headers, query, encoded body and the credentials to guard."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    content: bytes | None = None
    basic: tuple[str, str] | None = None
    secret_headers: frozenset[str] = frozenset()


def text_value(value: Any) -> str:
    """A header, query or form value as text (`true`/`false` for booleans, JSON for tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _query(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(k): [text_value(x) for x in v] if isinstance(v, list) else text_value(v)
        for k, v in params.items()
    }


def json_bytes(value: Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ToolParameterError(f"the JSON body cannot be encoded: {exc}") from None


def apply_auth(prepared: Prepared, auth: Any) -> None:
    """Add `auth` (one of the Auth shapes) to the request."""
    if auth is None or isinstance(auth, NoAuth):
        return
    if isinstance(auth, BearerAuth):
        prepared.headers["Authorization"] = f"Bearer {auth.token}"
    elif isinstance(auth, BasicAuth):
        prepared.basic = (auth.username, auth.password)
    elif isinstance(auth, ApiKeyAuth):
        if auth.location == "query":
            prepared.params[auth.name] = auth.key
        else:
            prepared.headers[auth.header] = auth.key
            prepared.secret_headers |= {auth.header.lower()}
    elif isinstance(auth, CustomAuth):
        prepared.headers.update(auth.headers)
        prepared.secret_headers |= {k.lower() for k in auth.headers}


def prepare(p: RequestParams, ctx: ToolContext) -> Prepared:
    """Headers, query, auth and the encoded body of `p`; refuses a body over the size limit."""
    prepared = Prepared(
        method=p.method,
        url=p.url.strip(),
        headers={str(k): text_value(v) for k, v in p.headers.items()},
        params=_query(p.params),
    )
    apply_auth(prepared, p.auth)
    content, content_type = _encode_body(p, ctx)
    if content is not None:
        check_request_size(len(content), ctx)
        prepared.content = content
        if content_type and not has_header(prepared.headers, "content-type"):
            prepared.headers["Content-Type"] = content_type
    return prepared


def has_header(headers: Mapping[str, str], name: str) -> bool:
    return any(k.lower() == name for k in headers)


def check_request_size(size: int, ctx: ToolContext) -> None:
    limit = ctx.config.http_request.max_request_size
    if size > limit:
        raise ToolExecutionError(
            f"the request body is {size:,} bytes, over the {limit:,}-byte limit "
            "(`tools.http_request.max_request_size`); send less or raise the limit"
        )


def _encode_body(p: RequestParams, ctx: ToolContext) -> tuple[bytes | None, str | None]:
    given = [
        name
        for name, value in (("json", p.json_body), ("body", p.body), ("form", p.form))
        if value is not None
    ]
    if p.files and {"json", "body"} & set(given):
        raise ToolParameterError(
            "'files' sends a multipart body; it combines with 'form' only, not with "
            f"{' or '.join(sorted({'json', 'body'} & set(given)))}"
        )
    if len(given) > 1:
        raise ToolParameterError(
            f"give one request body, not {' and '.join(given)} "
            "(json: JSON, body: JSON table or raw string, form: form fields)"
        )
    if p.files:
        return _multipart(p.form or {}, p.files, ctx)
    if p.form is not None:
        import httpx

        request = httpx.Request("POST", "http://body.invalid/", data=_fields(p.form))
        return request.read(), request.headers["content-type"]
    if p.json_body is not None:
        return json_bytes(p.json_body), "application/json"
    if isinstance(p.body, str):
        return p.body.encode("utf-8"), p.content_type or "text/plain; charset=utf-8"
    if isinstance(p.body, bytes):
        return p.body, p.content_type or "application/octet-stream"
    if p.body is not None:
        return json_bytes(p.body), "application/json"
    return None, None


def _fields(form: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(k): [text_value(x) for x in v] if isinstance(v, list) else text_value(v)
        for k, v in form.items()
    }


def _multipart(
    form: Mapping[str, Any], files: list[FilePart], ctx: ToolContext
) -> tuple[bytes, str]:
    import httpx

    parts = []
    for part in files:
        if part.path is not None:
            data = ctx.read_bytes(part.path)
            filename = part.filename or os.path.basename(part.path)
        elif part.content_base64 is not None:
            try:
                data = base64.b64decode(part.content_base64, validate=True)
            except ValueError as exc:
                raise ToolParameterError(
                    f"file part {part.field!r}: content_base64 is not valid base64 ({exc})"
                ) from None
            filename = part.filename or part.field
        else:
            data = (part.content or "").encode("utf-8")
            filename = part.filename or part.field
        kind = part.content_type or mimetypes.guess_type(filename)[0]
        if kind is None:
            kind = "text/plain" if part.content is not None else "application/octet-stream"
        parts.append((part.field, (filename, data, kind)))
    request = httpx.Request("POST", "http://body.invalid/", data=_fields(form), files=parts)
    return request.read(), request.headers["content-type"]


def client(
    ctx: ToolContext,
    *,
    family: Family = "http_request",
    timeout_seconds: float | None = None,
    max_redirects: int | None = None,
) -> SafeHttp:
    """A SafeHttp for one call; the timeout and redirect cap never exceed the config's."""
    cfg = ctx.config.http_request if family != "web_tools" else ctx.config.web_tools
    limit = float(ctx.config.http_request.timeout_seconds)
    timeout = min(timeout_seconds, limit) if timeout_seconds else limit
    http_client = SafeHttp.for_tool(ctx, family=family, timeout=timeout)
    if max_redirects is not None:
        http_client.max_redirects = min(max_redirects, cfg.max_redirects)
    return http_client


def send(
    http_client: SafeHttp,
    prepared: Prepared,
    *,
    follow_redirects: bool = True,
    retries: int | None = None,
) -> HttpResponse:
    """Send `prepared`; its API-key and custom auth headers never follow a redirect to another
    host."""
    return http_client.request(
        prepared.method,
        prepared.url,
        headers=prepared.headers,
        params=prepared.params or None,
        content=prepared.content,
        auth=prepared.basic,
        follow_redirects=follow_redirects,
        retries=retries,
        secret_headers=prepared.secret_headers,
    )


def _is_textual(content_type: str) -> bool:
    return (
        not content_type
        or content_type.startswith("text/")
        or any(word in content_type for word in ("json", "xml", "javascript", "urlencoded"))
    )


def parse_json(response: HttpResponse) -> tuple[bool, Any]:
    """(True, value) when the body is JSON (by content type, or a body that looks like it)."""
    text = response.text.strip()
    if not text:
        return False, None
    if "json" not in response.content_type and text[0] not in "{[":
        return False, None
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def response_table(response: HttpResponse, method: str) -> dict[str, Any]:
    """The response as the tools report it (status, headers, text body, parsed JSON, timing)."""
    try:
        body = response.content.decode(response.encoding)
    except (UnicodeDecodeError, LookupError):
        body = None
    extra: dict[str, Any] = {}
    if body is None:
        if _is_textual(response.content_type):
            body = response.text
        else:
            body = ""
            extra["body_base64"] = base64.b64encode(response.content).decode("ascii")
    is_json, parsed = parse_json(response) if body else (False, None)
    try:
        reason = http.HTTPStatus(response.status_code).phrase
    except ValueError:
        reason = ""
    return {
        "method": method,
        "url": response.url,
        "status_code": response.status_code,
        "status": response.status_code,
        "status_text": reason,
        "ok": response.ok,
        "headers": dict(response.headers),
        "content_type": response.content_type,
        "body": body,
        "json": parsed,
        "body_is_json": is_json,
        **extra,
        "size": len(response.content),
        "redirects": list(response.redirects),
        "elapsed_ms": response.elapsed_ms,
        "attempts": response.attempts,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def summary(method: str, url: str, response: HttpResponse) -> str:
    return (
        f"{method} {url} -> {response.status_code} "
        f"({len(response.content):,} bytes, {response.elapsed_ms:.0f} ms)"
    )
