"""webhook-caller: deliver a JSON payload to a webhook, signed when a secret is given, retried.

Signature scheme (with `secret`): the body is the payload as compact JSON (UTF-8). For each
attempt the tool sends

    X-Webhook-Timestamp: <unix seconds>
    X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
    X-Webhook-Id: <one id per delivery, the same on every retry>

A receiver recomputes the HMAC over the timestamp, a dot and the exact body bytes it received,
compares in constant time, and rejects old timestamps to stop replays.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import time
import uuid
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.web.http_common import (
    check_request_size,
    client,
    has_header,
    json_bytes,
    parse_json,
    text_value,
)
from llmspell.tools.web.safe_http import HttpResponse, TransportFailure

FIRST_DELAY_S = 0.2
MAX_DELAY_S = 5.0
SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
ID_HEADER = "X-Webhook-Id"


class Params(ToolParams):
    url: str = Field(
        validation_alias=AliasChoices("url", "input", "webhook_url"),
        description="the webhook URL (http:// or https://)",
    )
    payload: Any = Field(
        default_factory=dict,
        validation_alias=AliasChoices("payload", "data", "body"),
        description="JSON payload sent as the body",
    )
    method: Literal["POST", "PUT", "PATCH"] = Field("POST", description="HTTP method")
    headers: dict[str, Any] = Field(default_factory=dict, description="extra request headers")
    secret: str | None = Field(
        None,
        description="HMAC-SHA256 signing secret: adds X-Webhook-Timestamp and "
        "X-Webhook-Signature = 'sha256=' + hex(HMAC(secret, timestamp + '.' + body))",
    )
    max_retries: int = Field(
        3,
        ge=0,
        le=10,
        validation_alias=AliasChoices("max_retries", "retries"),
        description="retries on 5xx, 429 and connection errors; waits 0.2 s, doubling, at "
        "most 5 s (Retry-After honoured up to 5 s)",
    )
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("timeout_seconds", "timeout"),
        description="per-attempt timeout; capped by `tools.http_request.timeout_seconds`",
    )

    @field_validator("method", mode="before")
    @classmethod
    def _method_upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Webhook-Signature value: `sha256=` and the hex HMAC of `timestamp.body`."""
    message = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _delay(attempt: int, response: HttpResponse | None) -> float:
    delay = min(FIRST_DELAY_S * 2 ** (attempt - 1), MAX_DELAY_S)
    retry_after = response.headers.get("retry-after") if response is not None else None
    if retry_after:
        with contextlib.suppress(ValueError):
            delay = min(max(float(retry_after), 0.0), MAX_DELAY_S)
    return delay


class WebhookCaller(Tool[Params]):
    name = "webhook-caller"
    category = "data"
    description = (
        "Call a webhook: send a JSON payload (POST by default), optionally HMAC-signed, "
        "retrying with backoff on server errors, 429 and connection failures."
    )
    security_level = "restricted"
    tags = ("webhook", "http", "notify", "hmac", "signature", "retry")
    Params = Params
    result_keys = {
        "all": "success (2xx), webhook_url, status_code, response {status_code, headers, body, "
        "json}, response_time_ms (last attempt), total_time_ms, retry_count, "
        "retries_attempted (the same), attempts, delivery_id, signed",
    }
    security_notes = (
        "Hosts are checked as for the other web tools: loopback, private, link-local and "
        "metadata addresses are refused (by name and after DNS) unless the host is in "
        "`tools.web_tools.allowed_hosts` or `tools.http_request.allowed_hosts` or "
        "`[tools.network] allow_private = true`; `tools.web_tools.allowed_domains` / "
        "`blocked_domains` apply. Redirects are not followed (a 3xx is a failed delivery). "
        "Bodies are capped by `tools.http_request.max_request_size`, responses by "
        "`tools.web_tools.max_response_size`. A delivery the server refuses (4xx, or 5xx after "
        "the retries) is an in-band failure (`success = false`); refusals and connection "
        "failures after the retries raise. Signing: X-Webhook-Signature = 'sha256=' + hex "
        "HMAC-SHA256(secret, X-Webhook-Timestamp + '.' + body)."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        url = params.url.strip()
        body = json_bytes(params.payload)
        check_request_size(len(body), ctx)
        delivery = str(uuid.uuid4())
        headers = {str(k): text_value(v) for k, v in params.headers.items()}
        if not has_header(headers, "content-type"):
            headers["Content-Type"] = "application/json"
        headers[ID_HEADER] = delivery
        attempts = 1 + params.max_retries
        started = time.perf_counter()
        response: HttpResponse | None = None
        with client(ctx, family="web_tools", timeout_seconds=params.timeout_seconds) as http:
            http.check_url(url)
            for attempt in range(1, attempts + 1):
                if params.secret is not None:
                    stamp = str(int(time.time()))
                    headers[TIMESTAMP_HEADER] = stamp
                    headers[SIGNATURE_HEADER] = sign(params.secret, stamp, body)
                try:
                    response = http.request(
                        params.method,
                        url,
                        headers=headers,
                        content=body,
                        follow_redirects=False,
                        retries=0,
                    )
                except TransportFailure as exc:
                    if attempt == attempts:
                        raise ToolExecutionError(
                            f"could not deliver the webhook to {url} after {attempt} "
                            f"attempt(s): {exc}"
                        ) from None
                    time.sleep(_delay(attempt, None))
                    continue
                if attempt < attempts and _retryable(response.status_code):
                    time.sleep(_delay(attempt, response))
                    continue
                break
        assert response is not None
        return self._result(params, url, response, attempt, started, delivery)

    @staticmethod
    def _result(
        params: Params,
        url: str,
        response: HttpResponse,
        attempt: int,
        started: float,
        delivery: str,
    ) -> ToolResult:
        success = 200 <= response.status_code < 300
        _, parsed = parse_json(response)
        result = {
            "success": success,
            "webhook_url": url,
            "status_code": response.status_code,
            "response": {
                "status_code": response.status_code,
                "headers": dict(response.headers),
                "body": response.text,
                "json": parsed,
            },
            "response_time_ms": response.elapsed_ms,
            "total_time_ms": round((time.perf_counter() - started) * 1000, 3),
            "retry_count": attempt - 1,
            "retries_attempted": attempt - 1,
            "attempts": attempt,
            "delivery_id": delivery,
            "signed": params.secret is not None,
        }
        retries = f", {attempt - 1} retr{'y' if attempt == 2 else 'ies'}" if attempt > 1 else ""
        text = (
            f"{params.method} {url} -> {response.status_code} in "
            f"{response.elapsed_ms:.0f} ms{retries}"
        )
        if success:
            return ToolResult.ok(text, result)
        return ToolResult.fail(f"webhook delivery failed: {text}", result)
