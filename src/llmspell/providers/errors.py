"""The one place where SDK and httpx exceptions become llmspell's ProviderError family.

`provider_errors(...)` wraps every call an adapter makes. The foreign exception's class and its
bases are looked up in one table, most specific class first (the MRO order), and the original is
chained with `from exc`. Every message names the provider, the model and the cause, and never a
key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from llmspell.core.errors import (
    ProviderAuthError,
    ProviderConnectionError,
    ProviderError,
    ProviderHTTPError,
    ProviderTimeout,
)

Kind = Literal["auth", "status", "timeout", "connect", "dropped", "malformed"]

_SDKS = ("openai", "anthropic")
_HTTP = ("httpx", "httpx2")

#: (package, class name) -> what it means. Looked up along the exception's MRO.
_TABLE: dict[tuple[str, str], Kind] = {
    **{(sdk, "AuthenticationError"): "auth" for sdk in _SDKS},
    **{(sdk, "PermissionDeniedError"): "auth" for sdk in _SDKS},
    **{(sdk, "APIStatusError"): "status" for sdk in _SDKS},
    **{(sdk, "APITimeoutError"): "timeout" for sdk in _SDKS},
    **{(sdk, "APIConnectionError"): "connect" for sdk in _SDKS},
    **{(sdk, "APIResponseValidationError"): "malformed" for sdk in _SDKS},
    **{(http, "TimeoutException"): "timeout" for http in _HTTP},
    **{(http, "ConnectError"): "connect" for http in _HTTP},
    **{(http, "ProtocolError"): "dropped" for http in _HTTP},
    **{(http, "ReadError"): "dropped" for http in _HTTP},
    **{(http, "TransportError"): "connect" for http in _HTTP},
    **{(http, "HTTPStatusError"): "status" for http in _HTTP},
    **{(http, "DecodingError"): "malformed" for http in _HTTP},
    ("json", "JSONDecodeError"): "malformed",
    ("pydantic_core", "ValidationError"): "malformed",
    ("pydantic", "ValidationError"): "malformed",
}

_BODY_LIMIT = 2000


def _kind(exc: BaseException) -> Kind | None:
    for cls in type(exc).__mro__:
        found = _TABLE.get((cls.__module__.partition(".")[0], cls.__name__))
        if found is not None:
            return found
    return None


def _who(provider: str, model: str | None) -> str:
    return f"provider {provider!r} (model {model!r})" if model else f"provider {provider!r}"


def _status_of(exc: BaseException) -> tuple[int, str, Any]:
    """Status code, body text and parsed body of an SDK or httpx status error."""
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", 0) or 0
    body = getattr(exc, "body", None)
    try:
        text = response.text if response is not None else ""
    except Exception:  # a streamed body that was never read
        text = ""
    if body is None and text:
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    if not text and body is not None:
        text = json.dumps(body) if not isinstance(body, str) else body
    return int(status), text[:_BODY_LIMIT], body


def error_message(body: Any, fallback: str = "") -> str:
    """The human message inside a provider's error body (OpenAI, Anthropic or Ollama shape)."""
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("type")
            if msg:
                return str(msg)
        elif isinstance(err, str) and err:
            return err
        if isinstance(body.get("message"), str):
            return str(body["message"])
    if isinstance(body, str) and body:
        return body
    return fallback


def map_exception(
    exc: BaseException,
    *,
    provider: str,
    model: str | None,
    base_url: str | None = None,
    timeout: float | None = None,
) -> ProviderError | None:
    """Our error for a foreign exception, or None when it is not a provider failure."""
    if isinstance(exc, ProviderError):
        return exc
    kind = _kind(exc)
    if kind is None:
        return None
    who = _who(provider, model)
    if kind in ("auth", "status"):
        status, text, body = _status_of(exc)
        cause = error_message(body, text or str(exc)).strip() or "no details"
        if kind == "auth" or status in (401, 403):
            return ProviderAuthError(
                f"The API key was rejected by {who}: HTTP {status}: {cause}. "
                f"Check it with `llmspell keys list` and replace it with `llmspell keys add "
                f"{provider}`.",
                provider=provider,
                model=model,
            )
        return ProviderHTTPError(
            f"Request to {who} failed: HTTP {status}: {cause}{_status_hint(status, model)}",
            status=status,
            body=text,
            provider=provider,
            model=model,
        )
    if kind == "timeout":
        after = f" after {timeout:g} s" if timeout else ""
        return ProviderTimeout(
            f"Request to {who} timed out{after}; raise `timeout_seconds` in "
            f"[providers.{provider}] or try again.",
            provider=provider,
            model=model,
        )
    if kind == "connect":
        where = f" at {base_url}" if base_url else ""
        return ProviderConnectionError(
            f"Cannot connect to {who}{where}: {_cause(exc)}. Is the server running and is "
            f"`base_url` right?",
            provider=provider,
            model=model,
        )
    if kind == "dropped":
        return ProviderConnectionError(
            f"The connection to {who} was dropped before the answer was complete: {_cause(exc)}",
            provider=provider,
            model=model,
        )
    return ProviderError(
        f"Malformed response from {who}: {_cause(exc)}", provider=provider, model=model
    )


def _status_hint(status: int, model: str | None) -> str:
    if status == 404:
        return f" (is {model!r} a model this provider serves?)" if model else ""
    if status == 429:
        return " (rate limited; retries exhausted)"
    return ""


def _cause(exc: BaseException) -> str:
    text = str(exc).strip()
    inner = exc.__cause__ or exc.__context__
    if (not text or text in ("Connection error.", "Request timed out.")) and inner is not None:
        text = str(inner).strip() or type(inner).__name__
    return text or type(exc).__name__


@contextmanager
def provider_errors(
    provider: str,
    model: str | None,
    *,
    base_url: str | None = None,
    timeout: float | None = None,
) -> Iterator[None]:
    """Run a provider call; SDK, httpx and JSON failures leave as ProviderError subclasses."""
    try:
        yield
    except ProviderError:
        raise
    except Exception as exc:
        mapped = map_exception(
            exc, provider=provider, model=model, base_url=base_url, timeout=timeout
        )
        if mapped is None:
            raise
        raise mapped from exc


def malformed(provider: str, model: str | None, what: str) -> ProviderError:
    """A response that parsed but does not have the shape the wire API promises."""
    return ProviderError(
        f"Malformed response from {_who(provider, model)}: {what}",
        provider=provider,
        model=model,
    )


def incomplete(provider: str, model: str | None) -> ProviderConnectionError:
    """A stream that ended without the wire's end marker: the answer is cut short."""
    return ProviderConnectionError(
        f"The stream from {_who(provider, model)} ended before the answer was complete",
        provider=provider,
        model=model,
    )
