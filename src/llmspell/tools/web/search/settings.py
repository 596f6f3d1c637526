"""Which engines `web_search` may use, and with what key, engine id and base URL.

First found wins, per value:

- key: `[tools.search.providers.<name>] api_key`, the variable named by its `api_key_env`,
  `[tools.search] api_key` (for the `default_engine` only), `LLMSPELL_<NAME>_API_KEY`, then the
  vendor's usual variables (`BRAVE_API_KEY`, `GOOGLE_API_KEY`, `SERPAPI_API_KEY`, ...);
- Google's engine id: `[tools.search.providers.google] engine_id`,
  `LLMSPELL_GOOGLE_ENGINE_ID`, `GOOGLE_CSE_ID`, `GOOGLE_SEARCH_ENGINE_ID`;
- base URL: `[tools.search.providers.<name>] base_url`, `LLMSPELL_<NAME>_BASE_URL`, the vendor's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from llmspell.config.tools import SearchConfig, SearchProviderConfig
from llmspell.tools.web.search.providers import (
    ENGINES,
    ProviderSettings,
    canonical,
    engine_id_hint,
    env_prefix,
    key_hint,
)


@dataclass(slots=True, kw_only=True, frozen=True)
class Candidate:
    """One engine as configured: usable when `missing` is None, else what to set."""

    name: str
    settings: ProviderSettings
    missing: str | None = None


def _entry(search: SearchConfig, name: str) -> SearchProviderConfig | None:
    """`[tools.search.providers.<name>]`, also when keyed by an alias (`serperdev`)."""
    for key, entry in search.providers.items():
        if canonical(key) == name:
            return entry
    return None


def _first_env(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for var in names:
        value = env.get(var, "").strip()
        if value:
            return value
    return None


def resolve(name: str, search: SearchConfig, *, env: Mapping[str, str]) -> Candidate:
    """Engine `name` (canonical) as `search` (`ToolsConfig.search`) and `env` configure it."""
    cls = ENGINES[name]
    entry = _entry(search, name) or SearchProviderConfig()
    prefix = env_prefix(name)
    if not entry.enabled:
        return Candidate(
            name=name,
            settings=ProviderSettings(),
            missing=f"turned off (`[tools.search.providers.{name}] enabled = false`)",
        )
    key = entry.api_key or (_first_env(env, (entry.api_key_env,)) if entry.api_key_env else None)
    if not key and canonical(search.default_engine) == name:
        key = search.api_key
    key = key or _first_env(env, (f"{prefix}_API_KEY", *cls.key_env))
    engine_id = entry.engine_id
    if not engine_id and cls.needs_engine_id:
        engine_id = _first_env(env, (f"{prefix}_ENGINE_ID", *cls.engine_id_env))
    base_url = entry.base_url or _first_env(env, (f"{prefix}_BASE_URL",))
    settings = ProviderSettings(
        api_key=key or None, base_url=base_url or None, engine_id=engine_id or None
    )
    missing = []
    if cls.needs_key and not settings.api_key:
        missing.append(f"an API key: set {key_hint(name)}")
    if cls.needs_engine_id and not settings.engine_id:
        missing.append(f"a Programmable Search Engine id: set {engine_id_hint(name)}")
    return Candidate(
        name=name,
        settings=settings,
        missing=f"needs {' and '.join(missing)}" if missing else None,
    )
