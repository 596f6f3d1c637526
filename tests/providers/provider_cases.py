"""What the provider tests share: the three wire APIs and the model each is asked for."""

from __future__ import annotations

PROTOCOLS = ("openai", "anthropic", "ollama")
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest", "ollama": "llama3.2"}
