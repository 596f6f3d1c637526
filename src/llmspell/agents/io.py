"""What an agent takes and gives back: `AgentInput` and `AgentOutput` (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmspell.providers import Usage

if TYPE_CHECKING:
    from llmspell.providers.base import FinishReason, ImagePart


@dataclass(slots=True, kw_only=True)
class AgentInput:
    """One request to an agent; unset options fall back to the agent's config."""

    text: str
    system: str | None = None  # replaces the agent's system prompt for this call
    temperature: float | None = None
    max_tokens: int | None = None
    tools: list[str] | None = None  # None: the agent's allowed tools; []: none this call
    response_format: dict[str, Any] | None = None
    context: dict[str, Any] = field(default_factory=dict)  # shown to the model with the system
    images: list[ImagePart] = field(default_factory=list)  # sent with this call only
    parameters: dict[str, Any] = field(default_factory=dict)  # the script's own extras


@dataclass(slots=True, kw_only=True)
class ToolCallRecord:
    """One tool call the model asked for and what the tool answered."""

    id: str
    name: str
    arguments: dict[str, Any]
    output: str  # what the model was shown: the tool's text, or the error
    success: bool
    error: str | None = None
    result: Any = None  # the tool's structured result
    duration_ms: float = 0.0


@dataclass(slots=True, kw_only=True)
class AgentOutput:
    text: str
    agent: str
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    duration_ms: float = 0.0
    finish_reason: FinishReason = "stop"
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    rounds: int = 1  # model calls made (one more per round of tool calls)
    chunks: int = 0  # streamed text chunks delivered
