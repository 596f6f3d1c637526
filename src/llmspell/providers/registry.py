"""ProviderRegistry: configured and environment-usable providers, and the models they serve.

It picks the wire API for a provider name (config `provider_type`, else a known vendor, else an
OpenAI-compatible server when a `base_url` is given), finds the endpoint and key, and builds
adapters on first use, importing the SDK only then. Building makes no network call.
"""

from __future__ import annotations

import builtins
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

from llmspell.core.errors import ProviderError
from llmspell.providers.base import Capabilities
from llmspell.providers.keys import FoundKey, KeyStore, missing_key_error, resolve_key
from llmspell.providers.pricing import Price, lookup_price, parse_overrides
from llmspell.providers.vendors import (
    GENERIC_OPENAI,
    OPENAI_COMPATIBLE_TYPES,
    VENDORS,
    Vendor,
    context_tokens,
    env_name,
    find_vendor,
)

if TYPE_CHECKING:
    from llmspell.config.providers import ProviderConfig, ProvidersConfig
    from llmspell.providers.base import ChatModel, Embedder
    from llmspell.providers.ratelimit import RateLimiter
    from llmspell.providers.retry import RetryPolicy

FALLBACK_PROVIDER = "openai"
_EMBEDDING_MODELS = {"openai": "text-embedding-3-small", "ollama": "nomic-embed-text"}
_TAGS_TIMEOUT = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Resolved:
    """Everything about one provider name except its key and model."""

    name: str
    config: ProviderConfig | None
    vendor: Vendor
    base_url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Settings:
    """Timeout and retries for one provider's adapters."""

    timeout: float | None
    max_retries: int | None
    retry: RetryPolicy | None  # the backoff for adapters without an SDK (Ollama)


class ProviderRegistry:
    """Providers from config, the key store and the environment; thread-safe."""

    def __init__(
        self,
        config: ProvidersConfig,
        *,
        home: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._config = config
        self._home = Path(home)
        self._env: Mapping[str, str] = os.environ if env is None else env
        self.keys = KeyStore(self._home)
        self._lock = threading.Lock()
        self._models: dict[tuple[Any, ...], ChatModel] = {}
        self._embedders: dict[tuple[Any, ...], Embedder] = {}
        self._limiters: dict[str, RateLimiter] = {}
        self._prices: dict[str, dict[str, Price]] = {}
        self._tags: dict[str, builtins.list[str]] = {}
        self._retired: builtins.list[Any] = []  # dropped from the caches, closed with the rest

    # Names ------------------------------------------------------------------------------------

    @property
    def default_provider(self) -> str:
        return self._config.default_provider or FALLBACK_PROVIDER

    def parse_model(self, spec: str) -> tuple[str, str]:
        """`"provider/model"` split on the first `/`; no slash: the default provider."""
        text = (spec or "").strip()
        if not text:
            raise ProviderError(
                "The model name is empty; use 'provider/model', e.g. 'openai/gpt-4o-mini'"
            )
        provider, slash, model = text.partition("/")
        if not slash:
            return self.default_provider, text
        return provider.strip() or self.default_provider, model.strip()

    # Models -----------------------------------------------------------------------------------

    def chat_model(
        self,
        provider: str | None,
        model: str | None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
    ) -> ChatModel:
        """The chat model, cached; a missing key or unknown provider raises now, no network."""
        provider = provider or self.default_provider
        wanted = (provider, model, base_url, api_key, timeout)
        found = self._models.get(wanted)
        if found is not None:
            return found
        resolved = self._resolve(provider, base_url, model=model)
        name = self._model_name(resolved, model)
        key = self._key(resolved, name, api_key)
        settings = self._settings(resolved, timeout)
        cfg = resolved.config
        options = cfg.options if cfg is not None else {}
        common: dict[str, Any] = {
            "provider": resolved.name,
            "model": name,
            "base_url": resolved.base_url,
            "api_key": key.key if key else None,
            "timeout": settings.timeout,
            "max_retries": settings.max_retries,
            "default_max_tokens": cfg.max_tokens if cfg is not None else None,
            "default_temperature": _number(options.get("temperature")),
            "limiter": self._limiter(resolved),
        }
        built: ChatModel
        match resolved.vendor.api:
            case "openai":
                from llmspell.providers.openai_chat import OpenAIChatModel

                stream_usage = options.get("stream_usage", resolved.vendor.stream_usage)
                built = OpenAIChatModel(**common, stream_usage=bool(stream_usage))
            case "anthropic":
                from llmspell.providers.anthropic_messages import AnthropicChatModel

                built = AnthropicChatModel(**common)
            case "ollama":
                from llmspell.providers.ollama import OllamaChatModel

                built = OllamaChatModel(**common, retry=settings.retry)
            case _:
                assert_never(resolved.vendor.api)
        with self._lock:
            return self._models.setdefault(wanted, built)

    def embedder(
        self,
        provider: str | None,
        model: str | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Embedder:
        """An embedding model (OpenAI-compatible or Ollama); Anthropic has none.

        `timeout` and `max_retries` replace the provider's `timeout_seconds` and `max_retries`
        for this embedder (RAG passes `rag.embedding.*`); None keeps the provider's.
        """
        provider = provider or self.default_provider
        wanted = (provider, model, timeout, max_retries)
        found = self._embedders.get(wanted)
        if found is not None:
            return found
        resolved = self._resolve(provider, None, model=model)
        cfg = resolved.config
        options = cfg.options if cfg is not None else {}
        name = (
            model or options.get("embedding_model") or _EMBEDDING_MODELS.get(resolved.vendor.name)
        )
        if resolved.vendor.api == "anthropic":
            raise ProviderError(
                f"Provider {provider!r} (model {name!r}) has no embeddings API; use an "
                f"OpenAI-compatible or Ollama provider for embeddings",
                provider=provider,
                model=name,
            )
        if not name:
            raise ProviderError(
                f"No embedding model for provider {provider!r}: pass one, or set "
                f"`embedding_model` in [providers.{provider}]",
                provider=provider,
            )
        key = self._key(resolved, name, None)
        settings = self._settings(resolved, timeout)
        common: dict[str, Any] = {
            "provider": resolved.name,
            "model": name,
            "base_url": resolved.base_url,
            "api_key": key.key if key else None,
            "timeout": settings.timeout,
            "max_retries": settings.max_retries if max_retries is None else max_retries,
            "limiter": self._limiter(resolved),
        }
        built: Embedder
        if resolved.vendor.api == "ollama":
            from llmspell.providers.ollama import OllamaEmbedder

            built = OllamaEmbedder(**common)
        else:
            from llmspell.providers.openai_chat import OpenAIEmbedder

            built = OpenAIEmbedder(**common, dimensions=_int(options.get("dimensions")))
        with self._lock:
            return self._embedders.setdefault(wanted, built)

    def price(self, provider: str | None, model: str) -> Price:
        """USD per million tokens for `model` at `provider`; unknown: 0 with `known=False`."""
        provider = provider or self.default_provider
        cfg = self._config.providers.get(provider)
        overrides = self._prices.get(provider)
        if overrides is None:
            raw = cfg.options.get("prices") if cfg is not None else None
            overrides = parse_overrides(provider, raw)
            self._prices[provider] = overrides
        vendor = find_vendor(cfg.provider_type if cfg is not None else provider)
        if vendor is None and cfg is None:
            vendor = find_vendor(provider)
        return lookup_price(
            vendor.name if vendor else None,
            model,
            overrides=overrides,
            local=bool(vendor and vendor.local),
        )

    # Listing ----------------------------------------------------------------------------------

    def names(self) -> builtins.list[str]:
        """Configured providers, then known vendors usable from a stored or environment key."""
        names = builtins.list(self._config.providers)
        for vendor in VENDORS.values():
            if vendor.name not in self._config.providers and self._usable_from_env(vendor):
                names.append(vendor.name)
        return names

    def list(self) -> builtins.list[dict[str, Any]]:
        return [self._info(name) for name in self.names()]

    def get(self, name: str) -> dict[str, Any] | None:
        known = self._known(name)
        return self._info(known) if known is not None else None

    def capabilities(self, name: str) -> dict[str, Any] | None:
        known = self._known(name)
        return self._info(known)["capabilities"] if known is not None else None

    def is_available(self, name: str) -> bool:
        """Configured (and enabled, with a key when one is needed) or usable from a key."""
        known = self._known(name)
        if known is None:
            return False
        cfg = self._config.providers.get(known)
        if cfg is not None and not cfg.enabled:
            return False
        try:
            resolved = self._resolve(known, None)
        except ProviderError:
            return False
        return not resolved.vendor.key_required or self._find_key(resolved, None) is not None

    def find_key(self, name: str) -> FoundKey | None:
        """The key `name` would use and where it comes from (for `llmspell keys list`)."""
        try:
            resolved = self._resolve(name, None)
        except ProviderError:
            return resolve_key(name, vendor=find_vendor(name), store=self.keys, env=self._env)
        return self._find_key(resolved, None)

    def reconfigure(self, config: ProvidersConfig, changed: str) -> None:
        """Use `config` from now on, forgetting what was cached for provider `changed`.

        Models already handed out keep working; new ones are built from the new settings.
        """
        try:
            old_url: str | None = self._resolve(changed, None).base_url
        except ProviderError:
            old_url = None
        with self._lock:
            self._config = config
            for cache in (self._models, self._embedders):
                for wanted in [w for w in cache if w[0] == changed]:
                    self._retired.append(cache.pop(wanted))
            self._limiters.pop(changed, None)
            self._prices.pop(changed, None)
            if old_url is not None:
                self._tags.pop(old_url, None)

    def close(self) -> None:
        with self._lock:
            items = [*self._models.values(), *self._embedders.values(), *self._retired]
            self._models.clear()
            self._embedders.clear()
            self._retired.clear()
        for item in items:
            close = getattr(item, "close", None)
            if close is not None:
                close()

    # Resolution -------------------------------------------------------------------------------

    def _resolve(
        self, provider: str, base_url: str | None, *, model: str | None = None
    ) -> _Resolved:
        cfg = self._config.providers.get(provider)
        if cfg is not None and not cfg.enabled:
            raise ProviderError(
                f"Provider {provider!r} is disabled: set `providers.{provider}.enabled = true`",
                provider=provider,
                model=model,
            )
        kind = (cfg.provider_type if cfg is not None else "") or provider
        vendor = find_vendor(kind)
        url = base_url or (cfg.base_url if cfg is not None else None) or self._env_url(provider)
        if vendor is None:
            if not (url or kind.lower() in OPENAI_COMPATIBLE_TYPES or cfg is not None):
                known = ", ".join(sorted(VENDORS))
                raise ProviderError(
                    f"Unknown provider {provider!r} (model {model!r}). Known providers: "
                    f"{known}; for any OpenAI-compatible server add a [providers.{provider}] "
                    f"table with `base_url`.",
                    provider=provider,
                    model=model,
                )
            vendor = GENERIC_OPENAI
        if not url:
            url = next((self._env[v] for v in vendor.base_url_env if self._env.get(v)), None)
        url = url or vendor.base_url
        if not url:
            example = f" (e.g. {vendor.example_url})" if vendor.example_url else ""
            raise ProviderError(
                f"Provider {provider!r} (model {model!r}) needs a server address: set "
                f"`base_url` in [providers.{provider}]{example} or call `:base_url(...)`",
                provider=provider,
                model=model,
            )
        if "://" not in url:  # OLLAMA_HOST is often host:port
            url = f"http://{url}"
        return _Resolved(name=provider, config=cfg, vendor=vendor, base_url=url)

    def _env_url(self, provider: str) -> str | None:
        prefix = f"LLMSPELL_{env_name(provider)}_"
        return self._env.get(prefix + "ENDPOINT") or self._env.get(prefix + "BASE_URL") or None

    def _model_name(self, resolved: _Resolved, model: str | None) -> str:
        if model:
            return model
        cfg = resolved.config
        default = (cfg.default_model if cfg is not None else None) or self._env.get(
            f"LLMSPELL_{env_name(resolved.name)}_MODEL"
        )
        if default:
            return default
        raise ProviderError(
            f"No model given for provider {resolved.name!r}: use "
            f"'{resolved.name}/<model>' or set `default_model` in [providers.{resolved.name}]",
            provider=resolved.name,
        )

    def _find_key(self, resolved: _Resolved, explicit: str | None) -> FoundKey | None:
        cfg = resolved.config
        return resolve_key(
            resolved.name,
            vendor=resolved.vendor if resolved.vendor is not GENERIC_OPENAI else None,
            explicit=explicit,
            config_key=cfg.api_key if cfg is not None else None,
            config_key_env=cfg.api_key_env if cfg is not None else None,
            store=self.keys,
            env=self._env,
        )

    def _key(self, resolved: _Resolved, model: str, explicit: str | None) -> FoundKey | None:
        found = self._find_key(resolved, explicit)
        custom = resolved.vendor is GENERIC_OPENAI or resolved.name != resolved.vendor.name
        keyless = custom and _is_local(resolved.base_url)
        if found is None and resolved.vendor.key_required and not keyless:
            cfg = resolved.config
            raise missing_key_error(
                resolved.name,
                model,
                vendor=resolved.vendor,
                config_key_env=cfg.api_key_env if cfg is not None else None,
            )
        return found

    def _settings(self, resolved: _Resolved, timeout: float | None) -> _Settings:
        from llmspell.providers.retry import RetryPolicy

        cfg = resolved.config
        retry = cfg.retry if cfg is not None else None
        max_retries = cfg.max_retries if cfg is not None else None
        if max_retries is None and retry is not None:
            max_retries = retry.max_retries
        policy = None
        if retry is not None:
            policy = RetryPolicy(
                max_retries=retry.max_retries if max_retries is None else max_retries,
                initial_delay=retry.initial_delay_ms / 1000,
                max_delay=retry.max_delay_ms / 1000,
                multiplier=retry.backoff_multiplier,
            )
        return _Settings(
            timeout=timeout or (cfg.timeout_seconds if cfg is not None else None),
            max_retries=max_retries,
            retry=policy,
        )

    def _limiter(self, resolved: _Resolved) -> RateLimiter | None:
        cfg = resolved.config
        if cfg is None or cfg.rate_limit is None:
            return None
        with self._lock:
            limiter = self._limiters.get(resolved.name)
            if limiter is None:
                from llmspell.providers.ratelimit import RateLimiter

                rl = cfg.rate_limit
                limiter = RateLimiter(
                    resolved.name,
                    requests_per_minute=rl.requests_per_minute,
                    tokens_per_minute=rl.tokens_per_minute,
                    auto_retry=rl.auto_retry,
                )
                self._limiters[resolved.name] = limiter
        return limiter

    def _usable_from_env(self, vendor: Vendor) -> bool:
        try:
            resolved = self._resolve(vendor.name, None)
        except ProviderError:
            return False
        if (vendor.key_required or vendor.key_env) and self._find_key(resolved, None):
            return True
        return not vendor.key_required and any(self._env.get(v) for v in vendor.base_url_env)

    def _known(self, name: str) -> str | None:
        if not isinstance(name, str) or not name:
            return None
        for candidate in (name, name.lower()):
            if candidate in self._config.providers:
                return candidate
        vendor = find_vendor(name)
        if vendor is not None and vendor.name in self.names():
            return vendor.name
        return None

    def _info(self, name: str) -> dict[str, Any]:
        cfg = self._config.providers.get(name)
        try:
            resolved: _Resolved | None = self._resolve(name, None)
        except ProviderError:
            resolved = None
        vendor = resolved.vendor if resolved else (find_vendor(name) or GENERIC_OPENAI)
        options = cfg.options if cfg is not None else {}
        default_model = (cfg.default_model if cfg is not None else None) or self._env.get(
            f"LLMSPELL_{env_name(name)}_MODEL"
        )
        return {
            "name": name,
            "enabled": cfg.enabled if cfg is not None else True,
            "provider_type": (cfg.provider_type if cfg is not None else "") or vendor.name,
            "base_url": resolved.base_url if resolved else (cfg.base_url if cfg else None),
            "default_model": default_model,
            "capabilities": asdict(
                Capabilities(
                    supports_multimodal=vendor.supports_multimodal,
                    supports_embeddings=vendor.supports_embeddings,
                    supports_structured_output=vendor.supports_structured_output,
                    max_context_tokens=_int(options.get("max_context_tokens"))
                    or context_tokens(vendor, default_model),
                    available_models=self._models_of(resolved, default_model, options),
                )
            ),
        }

    def _models_of(
        self,
        resolved: _Resolved | None,
        default_model: str | None,
        options: Mapping[str, Any],
    ) -> builtins.list[str]:
        models: builtins.list[str] = []
        if default_model:
            models.append(default_model)
        listed = options.get("models")
        if isinstance(listed, builtins.list):
            models.extend(str(m) for m in listed)
        if resolved is not None and resolved.vendor.api == "ollama":
            models.extend(self._ollama_tags(resolved))
        elif resolved is not None:
            models.extend(resolved.vendor.models)
        return builtins.list(dict.fromkeys(models))

    def _ollama_tags(self, resolved: _Resolved) -> builtins.list[str]:
        cached = self._tags.get(resolved.base_url)
        if cached is not None:
            return cached
        from llmspell.providers.ollama import OllamaChatModel

        probe = OllamaChatModel(provider=resolved.name, model="", base_url=resolved.base_url)
        try:
            tags = probe.list_models(timeout=_TAGS_TIMEOUT)
        except ProviderError:
            tags = []  # not running: list what the config names
        finally:
            probe.close()
        self._tags[resolved.base_url] = tags
        return tags


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _is_local(base_url: str | None) -> bool:
    """A server on this machine or a private network (vLLM, LM Studio...) needs no key."""
    if not base_url:
        return False
    from urllib.parse import urlsplit

    from llmspell.security import is_private_host

    host = urlsplit(base_url).hostname
    return host is not None and is_private_host(host)
