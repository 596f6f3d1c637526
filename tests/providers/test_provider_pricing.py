"""Prices per model: the table, dated names, config overrides, free local models, unknowns."""

from __future__ import annotations

import pytest

from llmspell.config import config_from_toml
from llmspell.core.errors import ConfigError
from llmspell.providers import ProviderRegistry, Usage


def make(tmp_path, toml: str = "") -> ProviderRegistry:
    return ProviderRegistry(config_from_toml(toml).config.providers, home=tmp_path, env={})


@pytest.mark.parametrize(
    ("provider", "model", "prices"),
    [
        ("openai", "gpt-4o-mini", (0.15, 0.60)),
        ("openai", "gpt-4o-mini-2024-07-18", (0.15, 0.60)),
        ("openai", "gpt-4o", (2.50, 10.0)),
        ("anthropic", "claude-3-5-haiku-latest", (0.80, 4.0)),
        ("anthropic", "claude-3-haiku-20240307", (0.25, 1.25)),
        ("groq", "llama-3.1-8b-instant", (0.05, 0.08)),
        ("openrouter", "openai/gpt-4o-mini", (0.15, 0.60)),
    ],
)
def test_table_prices(tmp_path, provider, model, prices):
    price = make(tmp_path).price(provider, model)
    assert (price.input_per_mtok, price.output_per_mtok) == prices
    assert price.known


def test_cost_of_a_call(tmp_path):
    price = make(tmp_path).price("openai", "gpt-4o")
    assert price.cost(Usage(input_tokens=1_000_000, output_tokens=500_000)) == pytest.approx(7.5)


def test_unknown_model_costs_nothing_and_says_so(tmp_path):
    price = make(tmp_path).price("openai", "gpt-9-ultra")
    assert (price.known, price.cost(Usage(input_tokens=10, output_tokens=10))) == (False, 0.0)
    assert not make(tmp_path).price("nosuch", "x").known


def test_local_models_are_free_and_known(tmp_path):
    price = make(tmp_path).price("ollama", "llama3.2")
    assert price.known and price.cost(Usage(input_tokens=100, output_tokens=100)) == 0


def test_config_overrides_and_extends_the_table(tmp_path):
    registry = make(
        tmp_path,
        '[providers.openai]\nprices = { "gpt-4o-mini" = { input = 1, output = 2 }, '
        '"my-finetune" = { input = 3.5, output = 7 } }\n'
        '[providers.lab]\nprovider_type = "openai-compatible"\nbase_url = "http://x/v1"\n'
        'prices = { "qwen" = { input = 0.1, output = 0.2 } }\n',
    )
    assert registry.price("openai", "gpt-4o-mini").input_per_mtok == 1.0
    assert registry.price("openai", "my-finetune-v2").output_per_mtok == 7.0
    assert registry.price("openai", "gpt-4o").input_per_mtok == 2.5  # table still used
    assert registry.price("lab", "qwen").known


def test_a_bad_override_is_a_config_error(tmp_path):
    registry = make(tmp_path, '[providers.openai]\nprices = { "m" = { input = "cheap" } }\n')
    with pytest.raises(ConfigError, match=r"providers\.openai\.prices.*input"):
        registry.price("openai", "m")
