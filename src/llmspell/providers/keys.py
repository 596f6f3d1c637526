"""API keys: where a provider's key comes from, and the key store that `llmspell keys` edits.

Resolution order, first found wins: the key passed in code (`:api_key(...)`), the config's
`api_key`, the variable named by the config's `api_key_env`, the key store (`<home>/keys.json`,
mode 0600), `LLMSPELL_<PROVIDER>_API_KEY` (or `LLMSPELL_PROVIDER_<PROVIDER>_API_KEY`), then the
vendor's usual variable (`OPENAI_API_KEY`, ...).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from llmspell.core.errors import LLMSpellError, ProviderAuthError
from llmspell.providers.vendors import Vendor, env_name

KEYS_FILE = "keys.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundKey:
    key: str
    source: str  # "argument", "config", "env OPENAI_API_KEY", "key store", ...

    @property
    def masked(self) -> str:
        return mask(self.key)


def mask(key: str) -> str:
    """`sk-proj-abcdef1234` -> `sk-...1234`: enough to tell keys apart, never the key."""
    if len(key) < 12:
        return "****"
    return f"{key[:3]}...{key[-4:]}"


class KeyStore:
    """`<home>/keys.json`: provider name -> key, written atomically with mode 0600."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / KEYS_FILE

    def load(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise LLMSpellError(f"cannot read the key store {str(self.path)!r}: {exc}") from exc
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise LLMSpellError(
                f"the key store {str(self.path)!r} is not valid JSON (line {exc.lineno})",
                hint="Fix or delete the file, then add the keys again with `llmspell keys add`.",
            ) from exc
        if not isinstance(data, dict):
            raise LLMSpellError(f"the key store {str(self.path)!r} must hold a JSON object")
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str) and v}

    def get(self, provider: str) -> str | None:
        return self.load().get(provider)

    def set(self, provider: str, key: str) -> None:
        keys = self.load()
        keys[provider] = key
        self._write(keys)

    def remove(self, provider: str) -> bool:
        keys = self.load()
        if provider not in keys:
            return False
        del keys[provider]
        self._write(keys)
        return True

    def _write(self, keys: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600 before any byte of a key is written.
        fd, tmp = tempfile.mkstemp(prefix=".keys-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(dict(sorted(keys.items())), fh, indent=2)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def resolve_key(
    provider: str,
    *,
    vendor: Vendor | None,
    explicit: str | None = None,
    config_key: str | None = None,
    config_key_env: str | None = None,
    store: KeyStore,
    env: Mapping[str, str],
) -> FoundKey | None:
    """The first key found in the documented order, with where it came from; None if none."""
    if explicit:
        return FoundKey(key=explicit, source="argument")
    if config_key:
        return FoundKey(key=config_key, source="config")
    if config_key_env and env.get(config_key_env):
        return FoundKey(key=env[config_key_env], source=f"env {config_key_env}")
    names = [provider]
    if vendor is not None and vendor.name != provider:
        names.append(vendor.name)
    stored = store.load()
    for name in names:
        if stored.get(name):
            return FoundKey(key=stored[name], source="key store")
    for name in names:
        for var in (
            f"LLMSPELL_{env_name(name)}_API_KEY",
            f"LLMSPELL_PROVIDER_{env_name(name)}_API_KEY",
        ):
            if env.get(var):
                return FoundKey(key=env[var], source=f"env {var}")
    for var in vendor.key_env if vendor is not None else ():
        if env.get(var):
            return FoundKey(key=env[var], source=f"env {var}")
    return None


def missing_key_error(
    provider: str, model: str | None, *, vendor: Vendor | None, config_key_env: str | None
) -> ProviderAuthError:
    """The error for no key at all: it names both fixes, the command and the variable."""
    if config_key_env:
        var = config_key_env
    elif vendor is not None and vendor.key_env:
        var = vendor.key_env[0]
    else:
        var = f"LLMSPELL_{env_name(provider)}_API_KEY"
    where = f" (model {model!r})" if model else ""
    return ProviderAuthError(
        f"No API key for provider {provider!r}{where}. "
        f"Run `llmspell keys add {provider}` or set the environment variable `{var}`.",
        provider=provider,
        model=model,
    )
