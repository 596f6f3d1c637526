"""Known vendors as rows of data: which wire API serves them, where, and which key they need.

An OpenAI-compatible vendor is a row here, not a module: the OpenAI adapter serves it with the
row's `base_url`. A provider name that is no row but has a `base_url` is OpenAI-compatible too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

WireApi = Literal["openai", "anthropic", "ollama"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Vendor:
    name: str
    api: WireApi
    base_url: str | None  # None: the user must give one (a local server)
    key_env: tuple[str, ...] = ()  # the vendor's usual variables, most usual first
    key_required: bool = True
    local: bool = False  # runs on the user's machine: calls cost nothing
    stream_usage: bool = True  # accepts `stream_options={"include_usage": true}`
    supports_embeddings: bool = False
    supports_multimodal: bool = False
    supports_structured_output: bool = True
    max_context_tokens: int | None = None
    models: tuple[str, ...] = ()  # well-known models, listed by `Provider.list()`
    base_url_env: tuple[str, ...] = ()  # the vendor's usual variable for the endpoint
    example_url: str | None = None  # shown when a required base_url is missing
    aliases: tuple[str, ...] = field(default=())


VENDORS: dict[str, Vendor] = {
    v.name: v
    for v in (
        Vendor(
            name="openai",
            api="openai",
            base_url="https://api.openai.com/v1",
            key_env=("OPENAI_API_KEY",),
            base_url_env=("OPENAI_BASE_URL",),
            supports_embeddings=True,
            supports_multimodal=True,
            max_context_tokens=128_000,
            models=(
                "gpt-4o-mini",
                "gpt-4o",
                "gpt-4.1",
                "gpt-4.1-mini",
                "gpt-4.1-nano",
                "o3-mini",
                "o4-mini",
                "gpt-3.5-turbo",
                "text-embedding-3-small",
                "text-embedding-3-large",
            ),
        ),
        Vendor(
            name="anthropic",
            api="anthropic",
            base_url="https://api.anthropic.com",
            key_env=("ANTHROPIC_API_KEY",),
            base_url_env=("ANTHROPIC_BASE_URL",),
            supports_multimodal=True,
            max_context_tokens=200_000,
            models=(
                "claude-3-5-haiku-latest",
                "claude-3-5-sonnet-latest",
                "claude-3-7-sonnet-latest",
                "claude-sonnet-4-0",
                "claude-opus-4-0",
                "claude-3-haiku-20240307",
                "claude-3-opus-20240229",
            ),
        ),
        Vendor(
            name="ollama",
            api="ollama",
            base_url="http://localhost:11434",
            key_env=("OLLAMA_API_KEY",),
            key_required=False,
            local=True,
            base_url_env=("OLLAMA_HOST", "OLLAMA_BASE_URL"),
            supports_embeddings=True,
            max_context_tokens=8_192,
        ),
        Vendor(
            name="groq",
            api="openai",
            base_url="https://api.groq.com/openai/v1",
            key_env=("GROQ_API_KEY",),
            max_context_tokens=131_072,
            models=(
                "llama-3.3-70b-versatile",
                "llama-3.1-8b-instant",
                "gemma2-9b-it",
                "mixtral-8x7b-32768",
            ),
        ),
        Vendor(
            name="deepseek",
            api="openai",
            base_url="https://api.deepseek.com/v1",
            key_env=("DEEPSEEK_API_KEY",),
            max_context_tokens=64_000,
            models=("deepseek-chat", "deepseek-reasoner"),
        ),
        Vendor(
            name="mistral",
            api="openai",
            base_url="https://api.mistral.ai/v1",
            key_env=("MISTRAL_API_KEY",),
            stream_usage=False,  # usage arrives on the last chunk without asking
            supports_embeddings=True,
            max_context_tokens=128_000,
            models=("mistral-large-latest", "mistral-small-latest", "open-mistral-nemo"),
        ),
        Vendor(
            name="together",
            api="openai",
            base_url="https://api.together.xyz/v1",
            key_env=("TOGETHER_API_KEY",),
            supports_embeddings=True,
            max_context_tokens=128_000,
        ),
        Vendor(
            name="openrouter",
            api="openai",
            base_url="https://openrouter.ai/api/v1",
            key_env=("OPENROUTER_API_KEY",),
            supports_multimodal=True,
            max_context_tokens=128_000,
        ),
        Vendor(
            name="fireworks",
            api="openai",
            base_url="https://api.fireworks.ai/inference/v1",
            key_env=("FIREWORKS_API_KEY",),
            supports_embeddings=True,
            max_context_tokens=128_000,
        ),
        Vendor(
            name="perplexity",
            api="openai",
            base_url="https://api.perplexity.ai",
            key_env=("PERPLEXITY_API_KEY", "PPLX_API_KEY"),
            stream_usage=False,
            max_context_tokens=127_000,
            models=("sonar", "sonar-pro"),
        ),
        Vendor(
            name="gemini",
            api="openai",
            base_url="https://generativelanguage.googleapis.com/v1beta/openai/",
            key_env=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
            supports_embeddings=True,
            supports_multimodal=True,
            max_context_tokens=1_000_000,
            models=("gemini-2.0-flash", "gemini-1.5-flash", "gemini-1.5-pro"),
            aliases=("google",),
        ),
        Vendor(
            name="vllm",
            api="openai",
            base_url=None,
            key_env=("VLLM_API_KEY",),
            key_required=False,
            local=True,
            supports_embeddings=True,
            example_url="http://localhost:8000/v1",
        ),
        Vendor(
            name="lmstudio",
            api="openai",
            base_url=None,
            key_required=False,
            local=True,
            supports_embeddings=True,
            example_url="http://localhost:1234/v1",
            aliases=("lm-studio", "lm_studio"),
        ),
        Vendor(
            name="llamacpp",
            api="openai",
            base_url=None,
            key_required=False,
            local=True,
            supports_embeddings=True,
            example_url="http://localhost:8080/v1",
            aliases=("llama.cpp", "llama-cpp", "llama_cpp"),
        ),
    )
}

#: `provider_type` values meaning "an OpenAI-compatible server at `base_url`".
OPENAI_COMPATIBLE_TYPES = frozenset(
    {"openai-compatible", "openai_compatible", "openai-compat", "custom", "local"}
)

_ALIASES = {alias: v.name for v in VENDORS.values() for alias in v.aliases}

#: What an unknown OpenAI-compatible server is assumed to offer.
GENERIC_OPENAI = Vendor(
    name="openai-compatible",
    api="openai",
    base_url=None,
    key_required=False,
    supports_embeddings=True,
    example_url="http://localhost:8000/v1",
)


def find_vendor(name: str | None) -> Vendor | None:
    """The row for a vendor name or alias (case-insensitive), or None."""
    if not name:
        return None
    key = name.strip().lower()
    return VENDORS.get(key) or VENDORS.get(_ALIASES.get(key, ""))


def env_name(provider: str) -> str:
    """`my-groq` -> `MY_GROQ`: a provider name as it appears in variable names."""
    return "".join(ch if ch.isalnum() else "_" for ch in provider).upper()


def context_tokens(vendor: Vendor, model: str | None) -> int | None:
    """A model's context window where it is well known, else the vendor's usual one."""
    m = (model or "").lower()
    if vendor.api == "anthropic" or m.startswith("claude"):
        return 200_000
    if m.startswith("gpt-4.1"):
        return 1_047_576
    if m.startswith(("o1", "o3", "o4")):
        return 200_000
    if m.startswith("gpt-3.5"):
        return 16_385
    if m == "gpt-4" or m.startswith("gpt-4-0"):
        return 8_192
    return vendor.max_context_tokens
