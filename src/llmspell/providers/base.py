"""The provider contract: chat and embedding models as the agents see them, SDK-free.

One adapter per wire API (`openai_chat.py`, `anthropic_messages.py`, `ollama.py`) implements
`ChatModel` (and `Embedder` where the API has embeddings). OpenAI-compatible vendors (Groq,
DeepSeek, Mistral, Together, OpenRouter, vLLM, LM Studio, llama.cpp) are rows of data in
`vendors.py`, served by the OpenAI adapter with their `base_url`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error"]


@dataclass(slots=True, kw_only=True)
class ToolCall:
    """A model asking for a tool: `arguments` already decoded from JSON."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(slots=True, kw_only=True)
class ImagePart:
    """An image sent with a user message: base64 data and its MIME type."""

    data: str
    media_type: str = "image/png"

    @property
    def data_url(self) -> str:
        return f"data:{self.media_type};base64,{self.data}"


@dataclass(slots=True, kw_only=True)
class ChatMessage:
    role: Role
    content: str | None = None
    images: list[ImagePart] = field(default_factory=list)  # user messages only
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None  # for role "tool": which call this answers
    name: str | None = None  # for role "tool": the tool's name


@dataclass(slots=True, kw_only=True)
class ToolSpec:
    """A tool offered to the model: its JSON Schema goes on the wire as is."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(slots=True, kw_only=True)
class ChatRequest:
    model: str
    messages: list[ChatMessage]
    temperature: float | None = None
    max_tokens: int | None = None
    tools: list[ToolSpec] = field(default_factory=list)
    response_format: dict[str, Any] | None = None  # a JSON Schema for structured output
    extra: dict[str, Any] = field(default_factory=dict)  # provider options passed through


@dataclass(slots=True, kw_only=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True, kw_only=True)
class ChatResponse:
    text: str
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: FinishReason = "stop"


@dataclass(slots=True, kw_only=True)
class StreamEvent:
    """A streamed piece: text deltas as they arrive, then one `done` with the whole response."""

    kind: Literal["text", "done"]
    text: str = ""
    response: ChatResponse | None = None


class ChatModel(Protocol):
    """A chat model at one provider; thread-safe; blocking calls release the GIL while waiting."""

    provider: str
    model: str

    def chat(self, request: ChatRequest) -> ChatResponse: ...

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]: ...


class Embedder(Protocol):
    provider: str
    model: str

    def embed(self, texts: list[str]) -> list[list[float]]: ...


@dataclass(slots=True, kw_only=True)
class Capabilities:
    supports_streaming: bool = True
    supports_tools: bool = True
    supports_multimodal: bool = False
    supports_embeddings: bool = False
    supports_structured_output: bool = False
    max_context_tokens: int | None = None
    available_models: list[str] = field(default_factory=list)
