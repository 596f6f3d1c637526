"""The fake server's plain data: scripted replies, tool calls, messages, recorded requests."""

from __future__ import annotations

import hashlib
import math
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Literal

Protocol = Literal["openai", "anthropic", "ollama"]
Endpoint = Literal["chat", "embed", "models", "other"]
PROTOCOLS: tuple[Protocol, ...] = ("openai", "anthropic", "ollama")


@dataclass(slots=True)
class FakeToolCall:
    """A tool call the fake model makes (or one found in a request's assistant message)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(slots=True, kw_only=True)
class Reply:
    """One scripted model turn: text and/or tool calls, optional usage and stream chunks."""

    text: str = ""
    tool_calls: list[FakeToolCall] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None  # "stop" | "length" | "tool_calls"; default from content
    chunks: list[str] | None = None  # explicit stream text chunks; default: split by words


@dataclass(slots=True, kw_only=True)
class Turn:
    """A reply resolved for one request: ids assigned, usage and finish reason filled in."""

    text: str
    tool_calls: list[FakeToolCall]
    input_tokens: int
    output_tokens: int
    finish_reason: str  # "stop" | "length" | "tool_calls"
    chunks: list[str]
    model: str
    response_id: str


@dataclass(slots=True)
class Message:
    """A chat message normalised across the three wire formats."""

    role: str  # "system" | "user" | "assistant" | "tool"
    content: str = ""
    tool_calls: list[FakeToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(slots=True, kw_only=True)
class RecordedRequest:
    """One request as the server received it, parsed and normalised."""

    protocol: Protocol
    endpoint: Endpoint
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""
    body: Any = None
    api_key: str | None = None
    model: str | None = None
    stream: bool = False
    messages: list[Message] = field(default_factory=list)
    system: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    temperature: float | None = None
    max_tokens: int | None = None
    json_schema: dict[str, Any] | None = None  # requested structured output ({} for plain JSON)
    include_usage: bool = False  # openai stream_options.include_usage
    inputs: list[str] = field(default_factory=list)  # embedding inputs

    @property
    def tool_results(self) -> list[Message]:
        return [m for m in self.messages if m.role == "tool"]

    @property
    def last_user_text(self) -> str | None:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return None

    @property
    def last_message(self) -> Message | None:
        return self.messages[-1] if self.messages else None


def words(text: str) -> int:
    return len(text.split())


def default_input_tokens(request: RecordedRequest) -> int:
    total = words(request.system or "")
    for message in request.messages:
        if message.role != "system":
            total += words(message.content)
    return max(1, total)


def default_output_tokens(text: str, tool_calls: list[FakeToolCall]) -> int:
    return max(1, words(text)) + 10 * len(tool_calls)


def split_chunks(text: str) -> list[str]:
    """Word-sized pieces that join back to `text` exactly."""
    return re.findall(r"\s*\S+|\s+", text)


def embed_vector(text: str, dim: int = 8) -> list[float]:
    """A deterministic (nearly) unit vector for `text`: same text, same vector (llm's EmbedDemo)."""
    values: list[float] = []
    counter = 0
    while len(values) < dim:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        for (word,) in struct.iter_unpack(">I", digest):
            values.append(word / 0xFFFFFFFF * 2 - 1)
        counter += 1
    values = values[:dim]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    # multiples of 1/4096 survive float32 (the OpenAI SDK's base64 encoding) and JSON exactly
    return [round(v / norm * 4096) / 4096 for v in values]


def minimal_instance(schema: Any, depth: int = 0) -> Any:
    """A small value valid for common JSON Schemas (required properties only)."""
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return minimal_instance(schema[key][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        props = schema.get("properties", {})
        required = schema.get("required", [])
        return {name: minimal_instance(props.get(name, {}), depth + 1) for name in required}
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [minimal_instance(schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind == "string":
        return "echo"
    if kind in ("integer", "number"):
        minimum = schema.get("minimum", 0)
        return int(minimum) if kind == "integer" else minimum
    if kind == "boolean":
        return False
    return None
