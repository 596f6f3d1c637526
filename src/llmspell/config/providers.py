"""`[providers]`: LLM provider tables, as `[providers.X]` or `[providers.providers.X]`."""

from __future__ import annotations

from typing import Any, ClassVar

from llmspell.config.normalisers import rate_limit_shorthand
from llmspell.config.section import ConfigProblem, Field, Section


class RateLimitConfig(Section):
    """`[providers.<name>.rate_limit]`: client-side request pacing for one provider."""

    requests_per_minute: int = Field(default=60, gt=0, description="Requests allowed per minute.")
    tokens_per_minute: int | None = Field(
        default=None, gt=0, description="Tokens allowed per minute; unset: no token budget."
    )
    auto_retry: bool = Field(
        default=True,
        description="Wait and retry when the limit is hit instead of failing the call.",
    )


class RetryConfig(Section):
    """`[providers.<name>.retry]`: retries with exponential backoff for one provider."""

    max_retries: int = Field(default=3, ge=0, description="Retries after the first failed attempt.")
    initial_delay_ms: int = Field(
        default=1000, ge=0, description="Delay before the first retry (ms)."
    )
    max_delay_ms: int = Field(
        default=30_000, ge=0, description="Longest delay between retries (ms)."
    )
    backoff_multiplier: float = Field(
        default=2.0, gt=0, description="Each delay is the previous one times this factor."
    )


class ProviderConfig(Section):
    """`[providers.<name>]`: one configured provider; unknown keys are kept in `options`."""

    _extras: ClassVar[str | None] = "options"

    name: str = Field(default="", description="Provider name; defaults to the table name.")
    provider_type: str = Field(
        default="",
        description=(
            "Wire API or vendor: `openai`, `anthropic`, `ollama`, `groq`, or any "
            "OpenAI-compatible name used with `base_url`; defaults to the table name."
        ),
    )
    enabled: bool = Field(default=True, description="false keeps the table but makes it unusable.")
    base_url: str | None = Field(
        default=None,
        aliases=("api_base",),
        description="Endpoint override (e.g. a vLLM or LM Studio server); unset: vendor default.",
        example='"http://localhost:8000/v1"',
    )
    api_key_env: str | None = Field(
        default=None,
        description="Environment variable holding the API key (e.g. `OPENAI_API_KEY`).",
        example='"OPENAI_API_KEY"',
    )
    api_key: str | None = Field(
        default=None,
        description="The key itself; prefer `api_key_env` or `llmspell keys`. Redacted in dumps.",
    )
    default_model: str | None = Field(
        default=None,
        aliases=("model",),
        description="Model used when a spell names only the provider (alias `model`).",
        example='"gpt-4o-mini"',
    )
    max_tokens: int | None = Field(
        default=None,
        gt=0,
        description="Default completion token limit; unset: the model's default.",
    )
    timeout_seconds: int | None = Field(
        default=None,
        gt=0,
        description="Per-request timeout in seconds; unset: the adapter's default.",
    )
    max_retries: int | None = Field(
        default=None, ge=0, description="Retries for failed requests; unset: the adapter's default."
    )
    rate_limit: RateLimitConfig | None = Field(
        default=None,
        before=rate_limit_shorthand,
        description="Client-side rate limit; `rate_limit = 60` means 60 requests per minute.",
    )
    retry: RetryConfig | None = Field(default=None, description="Retry and backoff policy.")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Any other key of the table (e.g. `temperature`), passed to the provider as is."
        ),
    )


class ProvidersConfig(Section):
    """`[providers]`: the provider tables and the default one.

    `[providers.openai]` and `[providers.providers.openai]` are the same table; both forms may
    appear, even in one file, and merge into `providers`.
    """

    _extras: ClassVar[str | None] = "providers"

    default_provider: str | None = Field(
        default=None,
        description="Provider used for model names without a `provider/` prefix.",
        example='"openai"',
    )
    providers: dict[str, ProviderConfig] = Field(
        default_factory=dict,
        description="Configured providers by name (`[providers.<name>]`).",
    )

    @classmethod
    def prepare(cls, data: dict[str, Any]) -> dict[str, Any]:
        tables = data.get("providers")
        if tables:
            filled = {}
            for key, table in tables.items():
                if isinstance(table, dict):
                    table = dict(table)
                    table["name"] = table.get("name") or key
                    table["provider_type"] = table.get("provider_type") or key
                filled[key] = table
            data["providers"] = filled
        return data

    def check(self) -> None:
        name = self.default_provider
        if name is not None and name not in self.providers:
            configured = ", ".join(sorted(self.providers)) or "none"
            raise ConfigProblem(
                "default_provider",
                f"names provider {name!r}, which is not configured "
                f"(configured: {configured}); add a [providers.{name}] table",
            )
