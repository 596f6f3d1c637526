"""Ollama's native API over httpx: `/api/chat` (NDJSON streaming), `/api/embed`, `/api/tags`.

Tool calls arrive with their arguments already as objects; structured output is the `format`
field (a JSON Schema, or `"json"`). Retries with backoff come from `retry.py`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx

from llmspell.providers.base import ChatMessage, ChatRequest, ChatResponse, StreamEvent, Usage
from llmspell.providers.errors import error_message, incomplete, malformed, provider_errors
from llmspell.providers.retry import (
    RETRY_STATUSES,
    RetryableStatus,
    RetryPolicy,
    with_retries,
)
from llmspell.providers.shapes import (
    DEFAULT_TIMEOUT,
    ResponseBuilder,
    finish_reason,
    schema_format,
)

if TYPE_CHECKING:
    from llmspell.providers.ratelimit import RateLimiter

DEFAULT_BASE_URL = "http://localhost:11434"


class _Http:
    """The httpx client for one Ollama server, built on first use."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        timeout: float | None,
        retry: RetryPolicy | None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.retry = retry or RetryPolicy()
        self._api_key = api_key
        self._client = http_client
        self._owned = http_client is None
        self._lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
                    self._client = httpx.Client(
                        base_url=self.base_url,
                        headers=headers,
                        timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
                    )
        return self._client

    def send(self, method: str, path: str, body: Any = None, *, stream: bool) -> httpx.Response:
        """One request with retries; an error status raises httpx.HTTPStatusError, body read."""

        def attempt() -> httpx.Response:
            request = self.client.build_request(method, path, json=body)
            response = self.client.send(request, stream=stream)
            if response.status_code in RETRY_STATUSES:
                response.read()
                response.close()
                raise RetryableStatus(response)
            return response

        try:
            response = with_retries(attempt, self.retry)
        except RetryableStatus as exc:
            response = exc.response
        if response.status_code >= 400:
            response.read()
            response.close()
            response.raise_for_status()
        return response

    def close(self) -> None:
        if self._client is not None and self._owned:
            self._client.close()
        self._client = None


class OllamaChatModel:
    """`ChatModel` over Ollama's `/api/chat`."""

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        default_max_tokens: int | None = None,
        default_temperature: float | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.default_max_tokens = default_max_tokens
        self.default_temperature = default_temperature
        self._limiter = limiter
        if max_retries is not None:
            base = retry or RetryPolicy()
            retry = RetryPolicy(
                max_retries=max_retries,
                initial_delay=base.initial_delay,
                max_delay=base.max_delay,
                multiplier=base.multiplier,
            )
        self._http = _Http(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            retry=retry,
            http_client=http_client,
        )

    def chat(self, request: ChatRequest) -> ChatResponse:
        body = self._body(request, stream=False)
        if self._limiter is not None:
            self._limiter.acquire(self.model)
        with self._errors():
            response = self._http.send("POST", "/api/chat", body, stream=False)
            data = response.json()
            if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
                raise malformed(self.provider, self.model, "no `message` in the answer")
            built = ResponseBuilder(provider=self.provider, model=self.model)
            _feed(built, data)
            result = built.finish()
        self._record(result.usage)
        return result

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        body = self._body(request, stream=True)
        if self._limiter is not None:
            self._limiter.acquire(self.model)
        built = ResponseBuilder(provider=self.provider, model=self.model)
        with self._errors():
            response = self._http.send("POST", "/api/chat", body, stream=True)
            try:
                for line in response.iter_lines():
                    if not line.strip():
                        continue
                    chunk = json.loads(line)
                    if not isinstance(chunk, dict):
                        raise malformed(self.provider, self.model, f"stream line {line[:200]!r}")
                    if "error" in chunk:
                        raise malformed(
                            self.provider, self.model, f"error in stream: {error_message(chunk)}"
                        )
                    text = _feed(built, chunk)
                    if text:
                        yield StreamEvent(kind="text", text=text)
            finally:
                response.close()
            if not built.done:
                raise incomplete(self.provider, self.model)
            result = built.finish()
        self._record(result.usage)
        yield StreamEvent(kind="done", response=result)

    def list_models(self, *, timeout: float | None = None) -> list[str]:
        """Names of the models the server has pulled (`/api/tags`)."""
        with self._errors():
            response = self._http.client.get("/api/tags", timeout=timeout or self._http.timeout)
            response.raise_for_status()
            models = response.json().get("models") or []
        return [str(m.get("name") or m.get("model")) for m in models if isinstance(m, dict)]

    def close(self) -> None:
        self._http.close()

    def _body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model or self.model,
            "messages": [_message(m) for m in request.messages],
            "stream": stream,
        }
        options: dict[str, Any] = {}
        temperature = (
            request.temperature if request.temperature is not None else self.default_temperature
        )
        if temperature is not None:
            options["temperature"] = temperature
        max_tokens = request.max_tokens or self.default_max_tokens
        if max_tokens:
            options["num_predict"] = max_tokens
        if options:
            body["options"] = options
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
        fmt = schema_format(request.response_format)
        if fmt is not None:
            body["format"] = fmt.schema if fmt.schema is not None else "json"
        if request.extra:
            extra = dict(request.extra)
            if isinstance(extra.get("options"), dict):
                body.setdefault("options", {}).update(extra.pop("options"))
            body.update(extra)
        return body

    def _record(self, usage: Usage) -> None:
        if self._limiter is not None:
            self._limiter.record_tokens(usage.total_tokens)

    def _errors(self) -> Any:
        return provider_errors(
            self.provider, self.model, base_url=self._http.base_url, timeout=self._http.timeout
        )


class OllamaEmbedder:
    """`Embedder` over Ollama's `/api/embed`."""

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        http_client: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self._limiter = limiter
        retry = RetryPolicy(max_retries=max_retries) if max_retries is not None else None
        self._http = _Http(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            retry=retry,
            http_client=http_client,
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self._limiter is not None:
            self._limiter.acquire(self.model)
        with provider_errors(
            self.provider, self.model, base_url=self._http.base_url, timeout=self._http.timeout
        ):
            response = self._http.send(
                "POST", "/api/embed", {"model": self.model, "input": list(texts)}, stream=False
            )
            vectors = response.json().get("embeddings")
        if not isinstance(vectors, list) or len(vectors) != len(texts):
            raise malformed(
                self.provider, self.model, f"asked for {len(texts)} embeddings, got {vectors!r:.80}"
            )
        return [[float(x) for x in v] for v in vectors]

    def close(self) -> None:
        self._http.close()


def _feed(built: ResponseBuilder, chunk: dict[str, Any]) -> str:
    """One `/api/chat` object (whole answer or stream line) into the builder; its text delta."""
    message = chunk.get("message") or {}
    text = message.get("content") or ""
    built.add_text(text)
    for call in message.get("tool_calls") or []:
        fn = call.get("function") or {}
        built.add_call(
            len(built.calls),
            id=call.get("id"),
            name=fn.get("name"),
            arguments=fn.get("arguments") if fn.get("arguments") is not None else {},
        )
    if chunk.get("done"):
        built.done = True
        built.finish_reason = finish_reason(chunk.get("done_reason") or "stop")
        built.usage = Usage(
            input_tokens=int(chunk.get("prompt_eval_count") or 0),
            output_tokens=int(chunk.get("eval_count") or 0),
        )
    return str(text)


def _message(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content or ""}
    if message.images:
        out["images"] = [image.data for image in message.images]
    if message.role == "tool":
        if message.name:
            out["tool_name"] = message.name
        if message.tool_call_id:
            out["tool_call_id"] = message.tool_call_id
    elif message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    return out
