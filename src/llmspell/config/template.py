"""The commented default `llmspell.toml` written by `llmspell config init`."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

from llmspell.config.providers import ProvidersConfig
from llmspell.config.schema import AppConfig, EnginesConfig, LLMSpellConfig
from llmspell.config.section import FieldInfo, Section

_WIDTH = 98
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

_HEADER = """\
# llmspell configuration: every key with its default value.
#
# Precedence: built-in defaults < profile (-p/--profile) < this file < LLMSPELL_* environment
# variables. Keys you do not set keep their defaults, so you may delete any line here.
# Unknown keys are reported as warnings. Reference: docs/configuration.md.
"""

_PROVIDERS_EXAMPLE = """\
# One table per provider, `[providers.<name>]` (`[providers.providers.<name>]` also works).
# Keys besides those below (e.g. temperature) are passed to the provider as options.
# API keys: set api_key_env, use `llmspell keys add`, or export OPENAI_API_KEY etc.
#
# [providers.openai]
# provider_type = "openai"
# api_key_env = "OPENAI_API_KEY"
# default_model = "gpt-4o-mini"
#
# [providers.ollama]
# base_url = "http://localhost:11434"
# default_model = "llama3.1:8b"
"""


def default_config_toml() -> str:
    """A complete, commented default config; it loads back without warnings."""
    lines = _HEADER.splitlines()
    _emit_section(LLMSpellConfig(), [], lines)
    return "\n".join(lines).rstrip() + "\n"


def _comment(text: str, lines: list[str]) -> None:
    lines.extend(
        textwrap.wrap(
            text, _WIDTH, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False
        )
    )


def _emit_section(obj: Section, path: list[str], lines: list[str]) -> None:
    cls = type(obj)
    values: list[tuple[FieldInfo, Any]] = []
    tables: list[tuple[FieldInfo, Any]] = []
    for name, info in cls._fields.items():
        value = getattr(obj, name)
        if info.section is not None or info.item_section is not None or isinstance(value, dict):
            tables.append((info, value))
        else:
            values.append((info, value))
    if path and (values or isinstance(obj, ProvidersConfig)):
        lines.append("")
        _comment((cls.__doc__ or "").strip().splitlines()[0], lines)
        lines.append(f"[{'.'.join(path)}]")
    elif not path:
        lines.append("")
    for info, value in values:
        _emit_value(info, value, lines)
    if isinstance(obj, ProvidersConfig):
        lines.append("")
        lines.extend(_PROVIDERS_EXAMPLE.splitlines())
        return
    for info, value in tables:
        _emit_table(obj, info, value, [*path, info.name], lines)


def _emit_table(
    owner: Section, info: FieldInfo, value: Any, path: list[str], lines: list[str]
) -> None:
    dotted = ".".join(path)
    if isinstance(value, AppConfig):
        lines.append("")
        _comment(f"[{dotted}]: {info.description} Used in application folders only.", lines)
        return
    if isinstance(value, Section):
        _emit_section(value, path, lines)
        return
    if isinstance(owner, EnginesConfig):
        lines.append("")
        _comment("Other engines: one [engines.<name>] table each, kept as given.", lines)
        return
    if value is None:
        lines.append("")
        _comment(f"[{dotted}]: {info.description} Unset by default.", lines)
        return
    lines.append("")
    _comment(info.description, lines)
    lines.append(f"[{dotted}]")
    if not value:
        lines.append("# (empty)")
    for key, item in value.items():
        lines.append(f"{_key(key)} = {_toml(item)}")


def _emit_value(info: FieldInfo, value: Any, lines: list[str]) -> None:
    _comment(info.description, lines)
    if value is None:
        lines.append(f"# {info.name} = {info.example or '...'}")
    elif info.name == "umask":
        lines.append(f"{info.name} = 0o{value:03o}")
    else:
        line = f"{info.name} = {_toml(value)}"
        if len(line) > _WIDTH and isinstance(value, list):
            items = ", ".join(_toml(item) for item in value) + ","
            lines.append(f"{info.name} = [")
            lines.extend(
                textwrap.wrap(items, _WIDTH, initial_indent="    ", subsequent_indent="    ")
            )
            lines.append("]")
        else:
            lines.append(line)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as a TOML value")
