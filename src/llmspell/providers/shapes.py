"""Pieces every adapter shares: tool-argument decoding, JSON-schema formats, the final response.

A response is assembled the same way whether it arrived whole or streamed: the adapter feeds text
and tool-call fragments into a `ResponseBuilder`, and `finish()` decodes the calls and builds the
`ChatResponse`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from llmspell.core.errors import ProviderError
from llmspell.providers.base import ChatResponse, FinishReason, ToolCall, Usage

DEFAULT_TIMEOUT = 300.0
DEFAULT_MAX_RETRIES = 2


def decode_arguments(
    raw: str | dict[str, Any] | None, *, tool: str, provider: str, model: str
) -> dict[str, Any]:
    """A tool call's arguments as a dict; JSON that is broken or not an object is an error."""
    if isinstance(raw, dict):
        return raw
    if raw is None or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ProviderError(
            f"Malformed tool call from provider {provider!r} (model {model!r}): the arguments "
            f"for tool {tool!r} are not valid JSON ({exc}): {raw[:200]!r}",
            provider=provider,
            model=model,
        ) from exc
    if not isinstance(value, dict):
        raise ProviderError(
            f"Malformed tool call from provider {provider!r} (model {model!r}): the arguments "
            f"for tool {tool!r} must be a JSON object, got {raw[:200]!r}",
            provider=provider,
            model=model,
        )
    return value


@dataclass(slots=True, kw_only=True)
class SchemaFormat:
    """A requested structured output: a named JSON Schema, or any JSON object when None."""

    name: str = "response"
    schema: dict[str, Any] | None = None
    strict: bool | None = None


def schema_format(response_format: dict[str, Any] | None) -> SchemaFormat | None:
    """Read every accepted shape of `ChatRequest.response_format`.

    Accepted: the JSON Schema itself; `{name?, schema, strict?}`; OpenAI's
    `{"type": "json_schema", "json_schema": {...}}`; `{"type": "json_object"}` (any object).
    """
    if not response_format:
        return None
    rf = response_format
    kind = rf.get("type")
    if kind == "json_object":
        return SchemaFormat(schema=None)
    if kind == "json_schema" and isinstance(rf.get("json_schema"), dict):
        rf = rf["json_schema"]
    if isinstance(rf.get("schema"), dict):
        return SchemaFormat(
            name=str(rf.get("name") or "response"),
            schema=rf["schema"],
            strict=rf.get("strict"),
        )
    return SchemaFormat(schema=rf)


@dataclass(slots=True)
class _CallParts:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    decoded: dict[str, Any] | None = None


@dataclass(slots=True, kw_only=True)
class ResponseBuilder:
    """Collects a response's pieces, whole or streamed, and builds the ChatResponse once."""

    provider: str
    model: str
    text: list[str] = field(default_factory=list)
    calls: dict[int, _CallParts] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    finish_reason: FinishReason | None = None
    done: bool = False  # the wire said the answer is complete

    def add_text(self, text: str | None) -> None:
        if text:
            self.text.append(text)

    def add_call(
        self,
        index: int,
        *,
        id: str | None = None,
        name: str | None = None,
        arguments: str | dict[str, Any] | None = None,
    ) -> None:
        parts = self.calls.setdefault(index, _CallParts())
        if id:
            parts.id = id
        if name and name != parts.name:
            parts.name = name if not parts.name else parts.name + name  # fragments, or whole
        if isinstance(arguments, dict):
            parts.decoded = arguments
        elif arguments:
            parts.arguments.append(arguments)

    def finish(self) -> ChatResponse:
        calls = []
        for index in sorted(self.calls):
            parts = self.calls[index]
            if not parts.name:
                raise ProviderError(
                    f"Malformed tool call from provider {self.provider!r} (model "
                    f"{self.model!r}): a tool call has no function name",
                    provider=self.provider,
                    model=self.model,
                )
            args = (
                parts.decoded
                if parts.decoded is not None
                else decode_arguments(
                    "".join(parts.arguments),
                    tool=parts.name,
                    provider=self.provider,
                    model=self.model,
                )
            )
            calls.append(ToolCall(id=parts.id or f"call_{index}", name=parts.name, arguments=args))
        finish = self.finish_reason or ("tool_calls" if calls else "stop")
        if calls and finish == "stop":
            finish = "tool_calls"
        return ChatResponse(
            text="".join(self.text),
            provider=self.provider,
            model=self.model,
            usage=self.usage,
            tool_calls=calls,
            finish_reason=finish,
        )


def finish_reason(value: str | None) -> FinishReason | None:
    """Every wire's stop reasons folded into ours."""
    match value:
        case None | "":
            return None
        case "stop" | "end_turn" | "stop_sequence" | "pause_turn":
            return "stop"
        case "length" | "max_tokens" | "model_context_window_exceeded":
            return "length"
        case "tool_calls" | "function_call" | "tool_use":
            return "tool_calls"
        case "content_filter" | "refusal":
            return "content_filter"
        case _:
            return "stop"
