"""Config out: JSON-safe dicts and TOML (secrets redacted by default), and dotted lookups."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from llmspell.config.providers import ProviderConfig, ProvidersConfig
from llmspell.config.schema import EnginesConfig
from llmspell.config.section import Section

#: Key names whose string values are secrets: api_key, smtp_password, hmac_key, access_token...
SECRET_KEY = re.compile(
    r"(?:^|_)(?:api_?key|password|passwd|secret|token|key|authorization|credentials?)$",
    re.IGNORECASE,
)
_SHOWN_TAIL = 4
_MIN_LEN_FOR_TAIL = 12


def redact_secret(value: str) -> str:
    """`***` plus the last four characters (only for secrets long enough to spare them)."""
    if len(value) >= _MIN_LEN_FOR_TAIL:
        return "***" + value[-_SHOWN_TAIL:]
    return "***"


def config_to_dict(config: Section, *, redact: bool = True) -> dict[str, Any]:
    """Plain JSON-safe data for a config or any of its sections, shaped like `llmspell.toml`.

    Providers come out as `providers.<name>` tables, a provider's `options` are merged into its
    table and custom engines into `engines`, so the result loads back as the same config.
    With `redact`, API keys, passwords, tokens and the kernel's HMAC key are masked.
    """
    return _section(config, redact)


def _section(obj: Section, redact: bool) -> dict[str, Any]:
    out = {name: plain_value(name, getattr(obj, name), redact=redact) for name in type(obj)._fields}
    if isinstance(obj, EnginesConfig):
        custom = out.pop("custom")
        out.update({name: table for name, table in custom.items() if name not in out})
    elif isinstance(obj, ProvidersConfig):
        tables = out.pop("providers")
        clashing = {name: table for name, table in tables.items() if name in out}
        out.update({name: table for name, table in tables.items() if name not in out})
        if clashing:
            out["providers"] = clashing
    elif isinstance(obj, ProviderConfig):
        options = out.pop("options")
        kept = {key: value for key, value in options.items() if key in ProviderConfig._keys}
        out.update({key: value for key, value in options.items() if key not in kept})
        if kept:
            out["options"] = kept
    return out


def plain_value(name: str, value: Any, *, redact: bool = True) -> Any:
    """JSON-safe form of one config value found under key `name` (a secret key is masked).

    For values from `get_path`: `plain_value("api_key", get_path(cfg, "providers.x.api_key"))`.
    """
    if isinstance(value, Section):
        return _section(value, redact)
    if isinstance(value, dict):
        return {str(key): plain_value(str(key), item, redact=redact) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(name, item, redact=redact) for item in value]
    if redact and isinstance(value, str) and SECRET_KEY.search(name):
        return redact_secret(value)
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return value


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _drop_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_none(item) for item in value if item is not None]
    return value


def config_to_toml(config: Section, *, redact: bool = True) -> str:
    """The config as TOML text (unset values are left out: TOML has no null)."""
    import tomli_w  # only when writing TOML

    return tomli_w.dumps(_drop_none(config_to_dict(config, redact=redact)))


def get_path(config: Section, path: str) -> Any:
    """The value at a dotted key: `get_path(cfg, "runtime.security.allow_file_access")`.

    Sections come back as section objects (pass them to `config_to_dict` for plain data).
    `providers.<name>` finds a provider table and `engines.<name>` a custom engine, as in the
    file; key aliases such as `model` work too. Raises KeyError naming the unknown part.
    """
    node: Any = config
    walked: list[str] = []
    for part in path.split(".") if path else []:
        node = _step(node, part, walked, path)
        walked.append(part)
    return node


def _step(node: Any, part: str, walked: list[str], path: str) -> Any:
    if isinstance(node, Section):
        name = type(node)._keys.get(part)
        if name is not None:
            return getattr(node, name)
        for holder in _map_holders(node):
            if part in holder:
                return holder[part]
        choices = list(type(node)._fields)
        for holder in _map_holders(node):
            choices.extend(holder)
    elif isinstance(node, dict):
        if part in node:
            return node[part]
        choices = list(node)
    elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    else:
        choices = []
    where = ".".join(walked) or "the configuration"
    known = f"; known keys: {', '.join(choices)}" if choices else ""
    raise KeyError(f"unknown config key `{path}`: {where} has no `{part}`{known}")


def _map_holders(node: Section) -> list[dict[str, Any]]:
    if isinstance(node, ProvidersConfig):
        return [node.providers]
    if isinstance(node, EnginesConfig):
        return [node.custom]
    if isinstance(node, ProviderConfig):
        return [node.options]
    return []
