"""http_request: one HTTP request (any method, body and auth), checked, bounded and retried."""

from __future__ import annotations

from llmspell.tools.base import Tool, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.web.http_common import (
    RequestParams,
    client,
    prepare,
    response_table,
    send,
    summary,
)

NETWORK_NOTES = (
    "Every hop (the URL and each redirect) is checked before connecting: loopback, private, "
    "link-local and metadata addresses are refused, by name and after DNS resolution, unless "
    "the host is in `tools.http_request.allowed_hosts` or `[tools.network] allow_private = "
    "true`; `tools.http_request.blocked_hosts` are always refused. The connection goes to the "
    "address that was checked. Redirects are capped by `tools.http_request.max_redirects`, "
    "responses by `tools.http_request.max_response_size` (a larger one is an error), request "
    "bodies by `tools.http_request.max_request_size`, time by "
    "`tools.http_request.timeout_seconds`. Credentials (Authorization, cookies, API-key and "
    "custom auth headers) are not sent to another host on a redirect. No proxy from the "
    "environment is used."
)


class HttpRequest(Tool[RequestParams]):
    name = "http_request"
    category = "api"
    description = (
        "Send an HTTP request (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS) with headers, query "
        "parameters, a JSON, form, multipart or raw body, and bearer, basic or API-key auth; "
        "returns the status, headers and body (parsed when JSON)."
    )
    security_level = "safe"
    tags = ("http", "api", "rest", "request", "fetch", "json")
    Params = RequestParams
    result_keys = {
        "all": "method, url (final, after redirects), status_code, status (the same), "
        "status_text, ok (status 200-399), headers (lower-case names), content_type, body "
        "(text; '' and body_base64 for binary content), json (parsed body or nil), body_is_json, "
        "size (bytes), redirects (URLs followed), elapsed_ms, attempts, timestamp",
    }
    security_notes = (
        NETWORK_NOTES + " An HTTP error status is a successful call with `ok = false`; "
        "refusals, timeouts and connection failures raise."
    )

    def run(self, params: RequestParams, ctx: ToolContext) -> ToolResult:
        prepared = prepare(params, ctx)
        with client(
            ctx, timeout_seconds=params.timeout_seconds, max_redirects=params.max_redirects
        ) as http:
            response = send(
                http, prepared, follow_redirects=params.follow_redirects, retries=params.retries
            )
        text = summary(prepared.method, prepared.url, response)
        result = ToolResult.ok(text, response_table(response, prepared.method))
        result.metadata.update(method=prepared.method, url=response.url)
        return result
