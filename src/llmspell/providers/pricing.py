"""What a call costs: USD per million input and output tokens, per vendor and model.

The table holds list prices of common models; a config overrides or extends it with
`[providers.<name>] prices = { "model" = { input = 0.15, output = 0.6 } }`. A model name matches
its own row or the longest row it extends with `-` (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`).
Local servers cost nothing; an unknown model costs 0 with `known = False`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llmspell.core.errors import ConfigError
from llmspell.providers.base import Usage


@dataclass(frozen=True, slots=True, kw_only=True)
class Price:
    """USD per million tokens; `known` is False when the model is in no table."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0
    known: bool = False

    def cost(self, usage: Usage) -> float:
        return (
            usage.input_tokens * self.input_per_mtok + usage.output_tokens * self.output_per_mtok
        ) / 1_000_000


UNKNOWN = Price()
FREE = Price(known=True)

# (input, output) USD per 1M tokens: the vendors' list prices.
_TABLE: dict[str, dict[str, tuple[float, float]]] = {
    "openai": {
        "gpt-5": (1.25, 10.0),
        "gpt-5-mini": (0.25, 2.0),
        "gpt-5-nano": (0.05, 0.40),
        "gpt-4.1": (2.0, 8.0),
        "gpt-4.1-mini": (0.40, 1.60),
        "gpt-4.1-nano": (0.10, 0.40),
        "gpt-4o": (2.50, 10.0),
        "gpt-4o-mini": (0.15, 0.60),
        "gpt-4-turbo": (10.0, 30.0),
        "gpt-4": (30.0, 60.0),
        "gpt-3.5-turbo": (0.50, 1.50),
        "o1": (15.0, 60.0),
        "o1-mini": (1.10, 4.40),
        "o3": (2.0, 8.0),
        "o3-mini": (1.10, 4.40),
        "o4-mini": (1.10, 4.40),
        "text-embedding-3-small": (0.02, 0.0),
        "text-embedding-3-large": (0.13, 0.0),
        "text-embedding-ada-002": (0.10, 0.0),
    },
    "anthropic": {
        "claude-opus-4-5": (5.0, 25.0),
        "claude-opus-4-1": (15.0, 75.0),
        "claude-opus-4": (15.0, 75.0),
        "claude-sonnet-4-5": (3.0, 15.0),
        "claude-sonnet-4": (3.0, 15.0),
        "claude-haiku-4-5": (1.0, 5.0),
        "claude-3-7-sonnet": (3.0, 15.0),
        "claude-3-5-sonnet": (3.0, 15.0),
        "claude-3-5-haiku": (0.80, 4.0),
        "claude-3-opus": (15.0, 75.0),
        "claude-3-sonnet": (3.0, 15.0),
        "claude-3-haiku": (0.25, 1.25),
    },
    "groq": {
        "llama-3.3-70b-versatile": (0.59, 0.79),
        "llama-3.1-70b-versatile": (0.59, 0.79),
        "llama-3.1-8b-instant": (0.05, 0.08),
        "llama3-70b-8192": (0.59, 0.79),
        "llama3-8b-8192": (0.05, 0.08),
        "mixtral-8x7b-32768": (0.24, 0.24),
        "gemma2-9b-it": (0.20, 0.20),
    },
    "deepseek": {
        "deepseek-chat": (0.27, 1.10),
        "deepseek-reasoner": (0.55, 2.19),
    },
}


def _match(table: Mapping[str, Any], model: str) -> Any | None:
    if model in table:
        return table[model]
    best = None
    for name in table:
        if model.startswith(name + "-") and (best is None or len(name) > len(best)):
            best = name
    return table[best] if best is not None else None


def parse_overrides(provider: str, raw: Any) -> dict[str, Price]:
    """`prices = {"m" = {input = x, output = y}}` from a provider's options, checked."""
    if raw is None:
        return {}
    key = f"providers.{provider}.prices"
    if not isinstance(raw, Mapping):
        raise ConfigError("must be a table of model = { input = x, output = y }", key=key)
    out: dict[str, Price] = {}
    for model, entry in raw.items():
        if not isinstance(entry, Mapping):
            raise ConfigError(
                f"model {model!r}: expected {{ input = <USD per 1M>, output = <USD per 1M> }}",
                key=key,
            )
        values = []
        for side in ("input", "output"):
            value = entry.get(side, 0.0)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(
                    f"model {model!r}: `{side}` must be a number >= 0 (USD per 1M tokens), "
                    f"got {value!r}",
                    key=key,
                )
            values.append(float(value))
        out[str(model)] = Price(input_per_mtok=values[0], output_per_mtok=values[1], known=True)
    return out


def lookup_price(
    vendor: str | None,
    model: str,
    *,
    overrides: Mapping[str, Price] | None = None,
    local: bool = False,
) -> Price:
    """The price of `model` at `vendor`: config overrides, then the table; local servers free."""
    if overrides:
        found = _match(overrides, model)
        if isinstance(found, Price):
            return found
    if vendor:
        row = _match(_TABLE.get(vendor, {}), model)
        if row is None and "/" in model:  # openrouter-style "openai/gpt-4o"
            head, _, tail = model.partition("/")
            row = _match(_TABLE.get(head, {}), tail)
        if row is not None:
            return Price(input_per_mtok=row[0], output_per_mtok=row[1], known=True)
    return FREE if local else UNKNOWN
