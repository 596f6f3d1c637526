"""Anthropic's Messages API through the `anthropic` SDK.

The system prompt travels apart from the messages; tool calls are `tool_use` blocks and their
results `tool_result` blocks in a user turn. Structured output is a forced tool whose input is
the answer. Anthropic has no embeddings API.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from llmspell.providers.base import ChatMessage, ChatRequest, ChatResponse, StreamEvent, Usage
from llmspell.providers.errors import incomplete, malformed, provider_errors
from llmspell.providers.shapes import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ResponseBuilder,
    SchemaFormat,
    finish_reason,
    schema_format,
)

if TYPE_CHECKING:
    import anthropic

    from llmspell.providers.ratelimit import RateLimiter

#: The API requires `max_tokens`; this is used when neither the call nor the config sets one.
DEFAULT_MAX_TOKENS = 4096


class _Answer:
    """The forced tool that carries a structured answer, and how to unwrap its input."""

    def __init__(self, fmt: SchemaFormat) -> None:
        self.name = _tool_name(fmt.name)
        schema = fmt.schema if fmt.schema is not None else {"type": "object"}
        self.wrapped = schema.get("type") != "object"
        if self.wrapped:  # the tool input must be an object
            schema = {"type": "object", "properties": {"value": schema}, "required": ["value"]}
        self.schema = schema

    def tool(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": "Give the final answer as this tool's input, matching its schema.",
            "input_schema": self.schema,
        }

    def text(self, data: Any) -> str:
        if self.wrapped and isinstance(data, dict):
            data = data.get("value")
        return json.dumps(data)


class AnthropicChatModel:
    """`ChatModel` over `/v1/messages`: chat, streaming, tools, structured output."""

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
        default_max_tokens: int | None = None,
        default_temperature: float | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.base_url = base_url
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.default_max_tokens = default_max_tokens
        self.default_temperature = default_temperature
        self._limiter = limiter
        self._kwargs: dict[str, Any] = {
            "api_key": api_key,
            "base_url": base_url,
            "timeout": self.timeout,
            "max_retries": DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
        }
        if http_client is not None:
            self._kwargs["http_client"] = http_client
        self._sdk: anthropic.Anthropic | None = None
        self._lock = threading.Lock()

    @property
    def _client(self) -> anthropic.Anthropic:
        if self._sdk is None:
            with self._lock:
                if self._sdk is None:
                    import anthropic  # imported on the first call: ~1 s, paid once

                    self._sdk = anthropic.Anthropic(**self._kwargs)
        return self._sdk

    def close(self) -> None:
        if self._sdk is not None:
            self._sdk.close()
            self._sdk = None

    # ChatModel ------------------------------------------------------------------------------

    def chat(self, request: ChatRequest) -> ChatResponse:
        kwargs, answer = self._request(request)
        if self._limiter is not None:
            self._limiter.acquire(self.model)
        with self._errors():
            message = self._client.messages.create(**kwargs)
            response = self._map_message(message, answer)
        self._record(response.usage)
        return response

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        kwargs, answer = self._request(request)
        kwargs["stream"] = True
        if self._limiter is not None:
            self._limiter.acquire(self.model)
        built = ResponseBuilder(provider=self.provider, model=self.model)
        kinds: dict[int, str] = {}  # block index -> "text" | "tool" | "answer"
        with self._errors():
            events = self._client.messages.create(**kwargs)
            with events:
                for event in events:
                    text = self._feed_event(built, event, kinds, answer)
                    if text:
                        yield StreamEvent(kind="text", text=text)
            if not built.done:
                raise incomplete(self.provider, self.model)
            response = self._finish(built, answer)
        self._record(response.usage)
        yield StreamEvent(kind="done", response=response)

    # Request --------------------------------------------------------------------------------

    def _request(self, request: ChatRequest) -> tuple[dict[str, Any], _Answer | None]:
        system, messages = _messages(request.messages)
        kwargs: dict[str, Any] = {
            "model": request.model or self.model,
            "max_tokens": request.max_tokens or self.default_max_tokens or DEFAULT_MAX_TOKENS,
            "messages": messages,
        }
        temperature = (
            request.temperature if request.temperature is not None else self.default_temperature
        )
        # Sent as body fields: recent SDKs dropped `temperature` from `create()`'s signature.
        body: dict[str, Any] = {}
        if temperature is not None:
            body["temperature"] = temperature
        tools = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in request.tools
        ]
        answer = None
        fmt = schema_format(request.response_format)
        if fmt is not None and not tools:
            answer = _Answer(fmt)
            tools = [answer.tool()]
            kwargs["tool_choice"] = {"type": "tool", "name": answer.name}
        elif fmt is not None:  # tools in play: the schema becomes an instruction
            wanted = json.dumps(fmt.schema) if fmt.schema is not None else "any JSON object"
            system.append(f"Reply with JSON only, matching this JSON Schema: {wanted}")
        if tools:
            kwargs["tools"] = tools
        if system:
            kwargs["system"] = "\n\n".join(system)
        body.update(request.extra)
        if body:
            kwargs["extra_body"] = body
        return kwargs, answer

    # Response -------------------------------------------------------------------------------

    def _map_message(self, message: Any, answer: _Answer | None) -> ChatResponse:
        content = getattr(message, "content", None)
        if content is None:
            raise malformed(self.provider, self.model, "no `content` in the message")
        built = ResponseBuilder(provider=self.provider, model=self.model)
        for index, block in enumerate(content):
            kind = getattr(block, "type", None)
            if kind == "text":
                built.add_text(getattr(block, "text", ""))
            elif kind == "tool_use":
                if answer is not None and block.name == answer.name:
                    built.add_text(answer.text(block.input))
                    continue
                built.add_call(index, id=block.id, name=block.name, arguments=block.input or {})
        built.finish_reason = finish_reason(getattr(message, "stop_reason", None))
        built.usage = _usage(getattr(message, "usage", None))
        return self._finish(built, answer)

    def _feed_event(
        self, built: ResponseBuilder, event: Any, kinds: dict[int, str], answer: _Answer | None
    ) -> str:
        kind = getattr(event, "type", None)
        if kind == "message_start":
            built.usage = _usage(getattr(event.message, "usage", None))
        elif kind == "content_block_start":
            block = event.content_block
            if block.type == "tool_use":
                if answer is not None and block.name == answer.name:
                    kinds[event.index] = "answer"
                else:
                    kinds[event.index] = "tool"
                    built.add_call(event.index, id=block.id, name=block.name)
            else:
                kinds[event.index] = "text"
                text = getattr(block, "text", "") or ""
                built.add_text(text)
                return text
        elif kind == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta":
                built.add_text(delta.text)
                return str(delta.text)
            if delta.type == "input_json_delta":
                if kinds.get(event.index) == "answer":
                    built.add_text(delta.partial_json)  # unwrapped in _finish
                    return "" if answer is not None and answer.wrapped else delta.partial_json
                built.add_call(event.index, arguments=delta.partial_json)
        elif kind == "message_delta":
            built.finish_reason = finish_reason(getattr(event.delta, "stop_reason", None))
            usage = getattr(event, "usage", None)
            if usage is not None and getattr(usage, "output_tokens", None) is not None:
                final = _usage(usage)  # running totals; input only in newer API versions
                built.usage = Usage(
                    input_tokens=max(built.usage.input_tokens, final.input_tokens),
                    output_tokens=final.output_tokens,
                )
        elif kind == "message_stop":
            built.done = True
        return ""

    def _finish(self, built: ResponseBuilder, answer: _Answer | None) -> ChatResponse:
        if answer is not None:
            raw = "".join(built.text)
            if answer.wrapped:
                try:
                    built.text = [answer.text(json.loads(raw or "{}"))]
                except ValueError as exc:
                    raise malformed(self.provider, self.model, f"structured answer: {exc}") from exc
            if built.finish_reason == "tool_calls" and not built.calls:
                built.finish_reason = "stop"
        return built.finish()

    def _record(self, usage: Usage) -> None:
        if self._limiter is not None:
            self._limiter.record_tokens(usage.total_tokens)

    def _errors(self) -> Any:
        return provider_errors(
            self.provider, self.model, base_url=self.base_url, timeout=self.timeout
        )


def _messages(messages: list[ChatMessage]) -> tuple[list[str], list[dict[str, Any]]]:
    """System texts apart; turns in Anthropic's shape, same-role neighbours merged."""
    system: list[str] = []
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            if message.content:
                system.append(message.content)
            continue
        role, blocks = _blocks(message)
        if out and out[-1]["role"] == role:
            previous = out[-1]["content"]
            if isinstance(previous, str):
                previous = [{"type": "text", "text": previous}] if previous else []
            out[-1]["content"] = previous + blocks
        elif len(blocks) == 1 and blocks[0]["type"] == "text":
            out.append({"role": role, "content": blocks[0]["text"]})
        else:
            out.append({"role": role, "content": blocks})
    return system, out


def _blocks(message: ChatMessage) -> tuple[str, list[dict[str, Any]]]:
    if message.role == "tool":
        return "user", [
            {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.content or "",
            }
        ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "image",
            "source": {"type": "base64", "media_type": image.media_type, "data": image.data},
        }
        for image in message.images
    ]
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    for call in message.tool_calls:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        )
    if not blocks:
        blocks.append({"type": "text", "text": ""})
    return message.role, blocks


def _tool_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in name)[:64]
    return cleaned or "response"


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    cached = int(getattr(usage, "cache_read_input_tokens", 0) or 0) + int(
        getattr(usage, "cache_creation_input_tokens", 0) or 0
    )
    return Usage(
        input_tokens=int(getattr(usage, "input_tokens", 0) or 0) + cached,
        output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
    )
