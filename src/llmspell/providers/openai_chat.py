"""OpenAI chat completions, for OpenAI and every OpenAI-compatible server, through the `openai` SDK.

Groq, DeepSeek, Mistral, Together, OpenRouter, vLLM, LM Studio, llama.cpp and the rest differ
only in `base_url` and key (`vendors.py`). The SDK retries 429/5xx and dropped connections with
backoff, honouring `retry-after`; `provider_errors` maps whatever still fails.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from llmspell.providers.base import (
    ChatMessage,
    ChatRequest,
    ChatResponse,
    StreamEvent,
    ToolSpec,
    Usage,
)
from llmspell.providers.errors import incomplete, malformed, provider_errors
from llmspell.providers.shapes import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ResponseBuilder,
    finish_reason,
    schema_format,
)

if TYPE_CHECKING:
    import openai

    from llmspell.providers.ratelimit import RateLimiter

#: Local servers ignore the key, but the SDK insists on having one.
NO_KEY = "not-needed"
#: OpenAI's reasoning models take `max_completion_tokens` instead of `max_tokens`.
_COMPLETION_TOKEN_MODELS = ("o1", "o3", "o4", "gpt-5")


class _Client:
    """The SDK client, imported and built on first use: building a model stays cheap."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        timeout: float | None,
        max_retries: int | None,
        http_client: Any = None,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout or DEFAULT_TIMEOUT
        self._kwargs: dict[str, Any] = {
            "api_key": api_key or NO_KEY,
            "base_url": base_url,
            "timeout": self.timeout,
            "max_retries": DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
        }
        if http_client is not None:
            self._kwargs["http_client"] = http_client
        self._sdk: openai.OpenAI | None = None
        self._lock = threading.Lock()

    @property
    def sdk(self) -> openai.OpenAI:
        if self._sdk is None:
            with self._lock:
                if self._sdk is None:
                    import openai

                    self._sdk = openai.OpenAI(**self._kwargs)
        return self._sdk

    def close(self) -> None:
        if self._sdk is not None:
            self._sdk.close()
            self._sdk = None


class OpenAIChatModel:
    """`ChatModel` over `/chat/completions`: chat, streaming, tools, structured output."""

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        http_client: Any = None,
        stream_usage: bool = True,
        default_max_tokens: int | None = None,
        default_temperature: float | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.stream_usage = stream_usage
        self.default_max_tokens = default_max_tokens
        self.default_temperature = default_temperature
        self._limiter = limiter
        self._client = _Client(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
        )

    # ChatModel ------------------------------------------------------------------------------

    def chat(self, request: ChatRequest) -> ChatResponse:
        kwargs = self._request(request)
        if self._limiter is not None:
            self._limiter.acquire(self.model)
        with self._errors():
            completion = self._client.sdk.chat.completions.create(**kwargs)
            response = self._map_completion(completion)
        self._record(response.usage)
        return response

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        kwargs = self._request(request)
        kwargs["stream"] = True
        if self.stream_usage:
            kwargs["stream_options"] = {"include_usage": True}
        if self._limiter is not None:
            self._limiter.acquire(self.model)
        built = ResponseBuilder(provider=self.provider, model=self.model)
        with self._errors():
            chunks = self._client.sdk.chat.completions.create(**kwargs)
            with chunks:
                for chunk in chunks:
                    delta_text = self._feed_chunk(built, chunk)
                    if delta_text:
                        yield StreamEvent(kind="text", text=delta_text)
            if built.finish_reason is None:
                raise incomplete(self.provider, self.model)
            response = built.finish()
        self._record(response.usage)
        yield StreamEvent(kind="done", response=response)

    def close(self) -> None:
        self._client.close()

    # Request --------------------------------------------------------------------------------

    def _request(self, request: ChatRequest) -> dict[str, Any]:
        model = request.model or self.model
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": [_message(m) for m in request.messages],
        }
        temperature = (
            request.temperature if request.temperature is not None else self.default_temperature
        )
        if temperature is not None:
            kwargs["temperature"] = temperature
        max_tokens = request.max_tokens or self.default_max_tokens
        if max_tokens:
            reasoning = model.startswith(_COMPLETION_TOKEN_MODELS)
            kwargs["max_completion_tokens" if reasoning else "max_tokens"] = max_tokens
        if request.tools:
            kwargs["tools"] = [_tool(t) for t in request.tools]
        fmt = schema_format(request.response_format)
        if fmt is not None:
            if fmt.schema is None:
                kwargs["response_format"] = {"type": "json_object"}
            else:
                spec: dict[str, Any] = {"name": fmt.name, "schema": fmt.schema}
                if fmt.strict is not None:
                    spec["strict"] = fmt.strict
                kwargs["response_format"] = {"type": "json_schema", "json_schema": spec}
        if request.extra:
            kwargs["extra_body"] = dict(request.extra)
        return kwargs

    # Response -------------------------------------------------------------------------------

    def _map_completion(self, completion: Any) -> ChatResponse:
        choices = getattr(completion, "choices", None)
        if not choices:
            raise malformed(self.provider, self.model, "no `choices` in the completion")
        choice = choices[0]
        message = getattr(choice, "message", None)
        if message is None:
            raise malformed(self.provider, self.model, "the first choice has no `message`")
        built = ResponseBuilder(provider=self.provider, model=self.model)
        built.add_text(getattr(message, "content", None))
        for index, call in enumerate(getattr(message, "tool_calls", None) or []):
            fn = getattr(call, "function", None)
            built.add_call(
                index,
                id=getattr(call, "id", None),
                name=getattr(fn, "name", None),
                arguments=getattr(fn, "arguments", None),
            )
        built.finish_reason = finish_reason(getattr(choice, "finish_reason", None))
        built.usage = _usage(getattr(completion, "usage", None))
        return built.finish()

    def _feed_chunk(self, built: ResponseBuilder, chunk: Any) -> str:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            built.usage = _usage(usage)
        text = ""
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "index", 0) not in (0, None):
                continue
            delta = getattr(choice, "delta", None)
            if delta is not None:
                text = getattr(delta, "content", None) or ""
                built.add_text(text)
                for call in getattr(delta, "tool_calls", None) or []:
                    fn = getattr(call, "function", None)
                    built.add_call(
                        getattr(call, "index", 0) or 0,
                        id=getattr(call, "id", None),
                        name=getattr(fn, "name", None),
                        arguments=getattr(fn, "arguments", None),
                    )
            reason = finish_reason(getattr(choice, "finish_reason", None))
            if reason is not None:
                built.finish_reason = reason
        return text

    def _record(self, usage: Usage) -> None:
        if self._limiter is not None:
            self._limiter.record_tokens(usage.total_tokens)

    def _errors(self) -> Any:
        return provider_errors(
            self.provider,
            self.model,
            base_url=self._client.base_url,
            timeout=self._client.timeout,
        )


class OpenAIEmbedder:
    """`Embedder` over `/embeddings`."""

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        http_client: Any = None,
        dimensions: int | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.dimensions = dimensions
        self._limiter = limiter
        self._client = _Client(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        kwargs: dict[str, Any] = {"model": self.model, "input": list(texts)}
        if self.dimensions:
            kwargs["dimensions"] = self.dimensions
        if self._limiter is not None:
            self._limiter.acquire(self.model)
        with provider_errors(
            self.provider,
            self.model,
            base_url=self._client.base_url,
            timeout=self._client.timeout,
        ):
            result = self._client.sdk.embeddings.create(**kwargs)
            rows = sorted(getattr(result, "data", None) or [], key=lambda d: d.index)
            vectors = [list(row.embedding) for row in rows]
        if len(vectors) != len(texts):
            raise malformed(
                self.provider,
                self.model,
                f"asked for {len(texts)} embeddings, got {len(vectors)}",
            )
        return vectors

    def close(self) -> None:
        self._client.close()


def _message(message: ChatMessage) -> dict[str, Any]:
    if message.role == "tool":
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id or "",
            "content": message.content or "",
        }
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.images:
        out["content"] = [
            {"type": "text", "text": message.content or ""},
            *(
                {"type": "image_url", "image_url": {"url": image.data_url}}
                for image in message.images
            ),
        ]
    if message.role == "assistant" and message.tool_calls:
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    elif out["content"] is None:
        out["content"] = ""
    return out


def _tool(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.parameters,
        },
    }


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    return Usage(
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
    )
