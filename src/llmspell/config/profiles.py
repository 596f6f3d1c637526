"""Built-in profiles: TOML files shipped in `llmspell/config/profiles/`, chosen with `-p NAME`."""

from __future__ import annotations

from pathlib import Path

from llmspell.core.errors import ConfigError

PROFILES_DIR = Path(__file__).with_name("profiles")

#: Long names used by the original's `--rag-profile` and builtins.
PROFILE_ALIASES: dict[str, str] = {
    "rag-development": "rag-dev",
    "rag-production": "rag-prod",
    "rag-performance": "rag-perf",
}


def list_profiles() -> list[str]:
    """Names of the built-in profiles, sorted (aliases not included)."""
    return sorted(path.stem for path in PROFILES_DIR.glob("*.toml"))


def profile_path(name: str) -> Path:
    """The file of profile `name` (an alias or any letter case works); ConfigError if unknown."""
    wanted = name.strip().lower()
    canonical = PROFILE_ALIASES.get(wanted, wanted)
    path = PROFILES_DIR / f"{canonical}.toml"
    if canonical.replace("-", "").replace("_", "").isalnum() and path.is_file():
        return path
    aliases = ", ".join(f"{alias} = {target}" for alias, target in PROFILE_ALIASES.items())
    raise ConfigError(
        f"unknown profile {name!r}; available profiles: {', '.join(list_profiles())}",
        hint=f"(Aliases: {aliases}.)",
    )


def profile_summary(name: str) -> str:
    """The first comment line of a profile file, for `llmspell config profiles`."""
    for line in profile_path(name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""
