"""`"provider/model"` parsed once: split on the first `/`; no slash means no provider."""

from __future__ import annotations

from llmspell.core.errors import ValidationError


def parse_model_ref(ref: str) -> tuple[str | None, str]:
    """`"ollama/llama3.1:8b"` -> `("ollama", "llama3.1:8b")`; `"gpt-4o-mini"` -> `(None, ...)`.

    The caller picks the provider for `None` (the configured default, else `openai`), as
    pydantic-ai's `parse_model_id` leaves it to its caller.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise ValidationError(
            'a model must be a non-empty string such as "openai/gpt-4o-mini" or "gpt-4o-mini"'
        )
    ref = ref.strip()
    provider, sep, model = ref.partition("/")
    if not sep:
        return None, ref
    if not provider:
        raise ValidationError(f"model {ref!r} has an empty provider before '/'")
    return provider, model


def resolve_model(
    model: str | None, provider: str | None, *, default_provider: str
) -> tuple[str, str]:
    """The (provider, model) an agent uses, from a builder's `:model()` and `:provider()`.

    A `provider/` prefix names the provider, unless `:provider()` names another one: then the
    whole string is that provider's model id (`:provider("openrouter"):model("meta/llama-3")`).
    Without a prefix the model belongs to `:provider()`, else to the default provider.
    An empty model ("openai/" or only `:provider()`) asks for the provider's default model.
    """
    if model is None or not str(model).strip():
        return provider or default_provider, ""
    prefix, name = parse_model_ref(model)
    if prefix is None:
        return provider or default_provider, name
    if provider and provider != prefix:
        return provider, model.strip()
    return prefix, name
