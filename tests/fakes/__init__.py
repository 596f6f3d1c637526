"""Test fakes: a loopback server speaking the OpenAI, Anthropic and Ollama wire formats."""

from .provider_server import DEFAULT_MODELS, FakeProviderServer
from .records import FakeToolCall, Message, RecordedRequest, Reply, embed_vector

__all__ = [
    "DEFAULT_MODELS",
    "FakeProviderServer",
    "FakeToolCall",
    "Message",
    "RecordedRequest",
    "Reply",
    "embed_vector",
]
