"""LLM providers: chat and embedding models over the OpenAI, Anthropic and Ollama wire APIs.

Other rooms use `ProviderRegistry` and the contract types of `base.py`. Importing this door
imports no SDK: an adapter and its SDK load when the first model of that wire API is built.
"""

from __future__ import annotations

from llmspell.providers.base import (
    Capabilities,
    ChatMessage,
    ChatModel,
    ChatRequest,
    ChatResponse,
    Embedder,
    StreamEvent,
    ToolCall,
    ToolSpec,
    Usage,
)
from llmspell.providers.keys import KeyStore
from llmspell.providers.pricing import Price
from llmspell.providers.registry import ProviderRegistry

__all__ = [
    "Capabilities",
    "ChatMessage",
    "ChatModel",
    "ChatRequest",
    "ChatResponse",
    "Embedder",
    "KeyStore",
    "Price",
    "ProviderRegistry",
    "StreamEvent",
    "ToolCall",
    "ToolSpec",
    "Usage",
]
