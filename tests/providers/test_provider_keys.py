"""Key resolution order and the 0600 key store."""

from __future__ import annotations

import json
import os
import stat

import pytest

from llmspell.config import config_from_toml
from llmspell.core.errors import LLMSpellError
from llmspell.providers import KeyStore, ProviderRegistry
from llmspell.providers.keys import mask, resolve_key
from llmspell.providers.vendors import find_vendor

ALL_SOURCES = [
    "argument",
    "config",
    "env CFG_VAR",
    "key store",
    "env LLMSPELL_OPENAI_API_KEY",
    "env OPENAI_API_KEY",
]


def test_resolution_order(tmp_path):
    store = KeyStore(tmp_path)
    store.set("openai", "from-store")
    env = {
        "CFG_VAR": "from-cfg-env",
        "LLMSPELL_OPENAI_API_KEY": "from-llmspell-env",
        "OPENAI_API_KEY": "from-vendor-env",
    }
    sources = {"explicit": "from-arg", "config_key": "from-config", "config_key_env": "CFG_VAR"}
    seen = []
    while True:
        found = resolve_key("openai", vendor=find_vendor("openai"), store=store, env=env, **sources)
        if found is None:
            break
        seen.append(found.source)
        # take the winning source away and look again
        match found.source:
            case "argument":
                sources["explicit"] = None
            case "config":
                sources["config_key"] = None
            case "env CFG_VAR":
                env.pop("CFG_VAR")
            case "key store":
                store.remove("openai")
            case source:
                env.pop(source.removeprefix("env "))
    assert seen == ALL_SOURCES


def test_llmspell_provider_prefixed_variable_counts_too(tmp_path):
    found = resolve_key(
        "groq",
        vendor=find_vendor("groq"),
        store=KeyStore(tmp_path),
        env={"LLMSPELL_PROVIDER_GROQ_API_KEY": "gk"},
    )
    assert found is not None and found.key == "gk"


def test_a_named_provider_falls_back_to_its_vendors_key(tmp_path):
    store = KeyStore(tmp_path)
    store.set("openai", "sk-vendor-level")
    found = resolve_key("work-openai", vendor=find_vendor("openai"), store=store, env={})
    assert found is not None and found.key == "sk-vendor-level"


def test_the_resolved_key_is_the_one_sent(tmp_path, fake_llm):
    config = config_from_toml(
        f'[providers.openai]\nbase_url = "{fake_llm.openai_base_url}"\nmax_retries = 0\n'
    ).config.providers
    registry = ProviderRegistry(
        config, home=tmp_path, env={"OPENAI_API_KEY": "sk-env", "LLMSPELL_OPENAI_API_KEY": "sk-ll"}
    )
    registry.keys.set("openai", "sk-stored")
    fake_llm.require_api_key("sk-stored")
    from llmspell.providers import ChatMessage, ChatRequest

    try:
        registry.chat_model("openai", "gpt-4o").chat(
            ChatRequest(model="gpt-4o", messages=[ChatMessage(role="user", content="hi")])
        )
    finally:
        registry.close()
    assert fake_llm.last_chat.api_key == "sk-stored"


def test_store_is_written_atomically_with_mode_0600(tmp_path):
    home = tmp_path / "new-home"
    store = KeyStore(home)
    store.set("openai", "sk-abcdefghijklmnop")
    store.set("anthropic", "sk-ant-0123456789")

    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode == 0o600
    assert json.loads(store.path.read_text()) == {
        "anthropic": "sk-ant-0123456789",
        "openai": "sk-abcdefghijklmnop",
    }
    assert sorted(p.name for p in home.iterdir()) == ["keys.json"]  # no temp file left
    assert store.remove("openai")
    assert not store.remove("openai")
    assert store.load() == {"anthropic": "sk-ant-0123456789"}
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_a_loose_file_is_tightened_on_the_next_write(tmp_path):
    store = KeyStore(tmp_path)
    store.path.write_text('{"openai": "sk-old-old-old-old"}')
    os.chmod(store.path, 0o644)
    store.set("groq", "gsk-new-new-new")
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.get("openai") == "sk-old-old-old-old"


def test_a_broken_store_is_a_clear_error(tmp_path):
    store = KeyStore(tmp_path)
    store.path.write_text("{not json")
    with pytest.raises(LLMSpellError, match=r"keys\.json.*not valid JSON"):
        store.load()


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("sk-proj-abcdefgh1234", "sk-...1234"),
        ("short", "****"),
        ("sk-ant-api03-xyzw", "sk-...xyzw"),
    ],
)
def test_mask(key, shown):
    assert mask(key) == shown
