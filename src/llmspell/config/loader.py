"""Find, read and layer configuration: defaults < profile < config file < environment.

TOML syntax errors, wrong types and broken rules become `ConfigError`s naming the file (or
profile, or environment variable) and the dotted key; unknown keys become warnings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmspell.config.env import env_layers
from llmspell.config.profiles import profile_path
from llmspell.config.schema import LLMSpellConfig
from llmspell.config.section import ConfigProblem, Context, merge
from llmspell.core.errors import ConfigError


@dataclass(slots=True, kw_only=True)
class LoadedConfig:
    """A loaded configuration and where it came from."""

    config: LLMSpellConfig
    #: The config file used, or None when only defaults, a profile and the environment applied.
    source: Path | None
    #: The canonical name of the built-in profile applied, if any.
    profile: str | None
    #: Unknown keys and deprecated values, each naming its file and dotted key.
    warnings: list[str] = field(default_factory=list)
    #: The llmspell home in effect (not created).
    home: Path | None = None


class _Layer:
    """One source's validated partial, with its raw table for naming keys as written."""

    __slots__ = ("partial", "raw", "source")

    def __init__(self, source: str, raw: Mapping[str, Any], partial: dict[str, Any]) -> None:
        self.source = source
        self.raw = raw
        self.partial = partial


def llmspell_home(env: Mapping[str, str] | None = None) -> Path:
    """`LLMSPELL_HOME`, else `~/.llmspell`, as an absolute path (the directory is not created)."""
    env = os.environ if env is None else env
    configured = env.get("LLMSPELL_HOME")
    if configured:
        return Path(os.path.abspath(os.path.expanduser(configured)))
    return _home_dir(env) / ".llmspell"


def _home_dir(env: Mapping[str, str]) -> Path:
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) if home else Path.home()


def candidate_paths(env: Mapping[str, str], cwd: Path) -> list[Path]:
    """Where a config file is looked for, in order, when none is named."""
    home = _home_dir(env)
    xdg = env.get("XDG_CONFIG_HOME")
    xdg_dir = Path(xdg) if xdg else home / ".config"
    return [
        llmspell_home(env) / "config.toml",
        cwd / "llmspell.toml",
        cwd / ".llmspell.toml",
        cwd / "config" / "llmspell.toml",
        cwd / ".config" / "llmspell.toml",
        home / ".llmspell.toml",
        home / ".config" / "llmspell.toml",
        xdg_dir / "llmspell" / "config.toml",
    ]


def _explicit_path(path: str | Path, cwd: Path, how: str) -> Path:
    resolved = Path(os.path.expanduser(path))
    if not resolved.is_absolute():
        resolved = cwd / resolved
    if not resolved.exists():
        raise ConfigError(
            f"configuration file not found: {resolved} (named by {how})",
            hint="Check the path, or run `llmspell config init` to create one.",
        )
    if resolved.is_dir():
        raise ConfigError(f"configuration path is a directory, not a file: {resolved}")
    return resolved


def find_config_file(path: str | Path | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    """The file `load_config` reads: `path`, else `LLMSPELL_CONFIG`, else the first candidate."""
    if path is not None and str(path) != "":
        return _explicit_path(path, cwd, "--config")
    named = env.get("LLMSPELL_CONFIG")
    if named:
        return _explicit_path(named, cwd, "LLMSPELL_CONFIG")
    for candidate in candidate_paths(env, cwd):
        if candidate.is_file():
            return candidate
    return None


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def read_toml(path: Path, *, source: str | None = None) -> dict[str, Any]:
    """Parse a TOML file; syntax errors name the line and column."""
    where = source or str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", file=where) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", file=where) from exc
    return parse_toml(text, source=where)


def parse_toml(text: str, *, source: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error becomes a ConfigError naming `source`, line and column."""
    import tomllib  # only when there is something to parse

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        if match is None:
            raise ConfigError(f"invalid TOML: {message}", file=source) from exc
        line, column = match.groups()
        raise ConfigError(
            f"invalid TOML at line {line}, column {column}: {message[: match.start()]}",
            file=source,
        ) from exc


def _validate_layer(source: str, raw: Mapping[str, Any], warnings: list[str]) -> _Layer:
    ctx = Context(source, warnings)
    return _Layer(source, raw, LLMSpellConfig.validate(raw, "", ctx))


def _build(layers: list[_Layer]) -> LLMSpellConfig:
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = merge(merged, layer.partial)
    try:
        return LLMSpellConfig.build(merged)
    except ConfigProblem as problem:
        source, key = _blame(layers, problem.key)
        raise ConfigError(problem.message, file=source, key=key) from None


def _blame(layers: list[_Layer], key: str) -> tuple[str | None, str]:
    """The last layer that set `key` (or a key under it), and the key as that layer spelled it."""
    parts = key.split(".")
    for layer in reversed(layers):
        node: Any = layer.partial
        for part in parts:
            if not isinstance(node, Mapping) or part not in node:
                break
            node = node[part]
        else:
            return layer.source, _as_written(layer.raw, parts)
    return None, key


def _as_written(raw: Mapping[str, Any], parts: list[str]) -> str:
    """`providers.providers.x.k` reads `providers.x.k` when the file used the short form."""
    if len(parts) > 2 and parts[:2] == ["providers", "providers"]:
        tables = raw.get("providers")
        if isinstance(tables, Mapping) and parts[2] in tables:
            return ".".join(["providers", *parts[2:]])
    return ".".join(parts)


def load_config(
    path: str | Path | None = None,
    *,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> LoadedConfig:
    """Load the configuration: built-in defaults < profile < config file < environment.

    Args:
        path: config file to read (`-c`); it must exist. None: `LLMSPELL_CONFIG`, then
            `<llmspell home>/config.toml`, then the project and user locations of
            `candidate_paths`; no file found means defaults.
        profile: built-in profile name (`-p`); None: `LLMSPELL_PROFILE` if set.
        env: environment to read (default `os.environ`).
        cwd: directory for relative paths and project discovery (default: the process's).

    Raises:
        ConfigError: a named file is missing, TOML is malformed, a value has the wrong type or
            breaks a rule, an environment variable cannot be parsed, or the profile is unknown.
    """
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else Path(cwd)
    warnings: list[str] = []
    layers: list[_Layer] = []

    profile_name = profile or env.get("LLMSPELL_PROFILE") or None
    canonical_profile: str | None = None
    if profile_name:
        profile_file = profile_path(profile_name)
        canonical_profile = profile_file.stem
        source = f"profile {canonical_profile!r}"
        layers.append(_validate_layer(source, read_toml(profile_file, source=source), warnings))

    config_file = find_config_file(path, env, cwd)
    if config_file is not None:
        source = str(config_file)
        layers.append(_validate_layer(source, read_toml(config_file), warnings))

    providers: set[str] = set()
    for layer in layers:
        providers.update(layer.partial.get("providers", {}).get("providers", {}))
    for source, raw in env_layers(env, providers, warnings):
        layers.append(_validate_layer(source, raw, warnings))

    config = _build(layers) if layers else LLMSpellConfig()
    return LoadedConfig(
        config=config,
        source=config_file,
        profile=canonical_profile,
        warnings=warnings,
        home=llmspell_home(env),
    )


def config_from_toml(text: str, *, source: str = "<string>") -> LoadedConfig:
    """Validate TOML text alone: no profile, discovery or environment (`config validate -`)."""
    warnings: list[str] = []
    layer = _validate_layer(source, parse_toml(text, source=source), warnings)
    return LoadedConfig(config=_build([layer]), source=None, profile=None, warnings=warnings)


def apply_overrides(
    config: LLMSpellConfig, overrides: Mapping[str, Any], *, source: str = "overrides"
) -> LLMSpellConfig:
    """A copy of `config` with dotted keys replaced (`{"runtime.script_timeout_seconds": 5}`).

    For command-line flags and the `Config` global's setters; values are validated like file
    values, and an unknown key is a ConfigError (it cannot be a typo worth ignoring here).
    """
    raw: dict[str, Any] = {}
    for dotted, value in overrides.items():
        node = raw
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    warnings: list[str] = []
    layer = _validate_layer(source, raw, warnings)
    for warning in warnings:
        if "unknown key" in warning:
            message = warning.removeprefix(f"{source}: ").replace(" (ignored)", "")
            raise ConfigError(message, file=source)
    base = _Layer("current configuration", {}, config.to_partial())
    return _build([base, layer])
