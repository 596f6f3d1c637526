"""Builder calls and `Agent.create` tables folded into one validated `AgentConfig`.

The keys are the builder's method names (reference §2.1.2) plus the nested shapes of
`Agent.register` (§2.1.5): `model = {provider, model_id, temperature, max_tokens, settings}`,
`custom_config = {system_prompt, max_conversation_length, ...}` and
`resource_limits = {max_execution_time_secs, max_memory_mb, max_tool_calls, max_recursion_depth}`.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from llmspell.core.errors import ValidationError

AgentType = Literal["llm", "basic", "composite"]
AGENT_TYPES: tuple[str, ...] = ("llm", "basic", "composite")

DEFAULT_DESCRIPTION = "LLM-powered agent"


@dataclass(slots=True, kw_only=True)
class AgentConfig:
    """Everything an agent is built from; defaults as in the original (300 s, 512 MB, 100, 10)."""

    name: str
    description: str = DEFAULT_DESCRIPTION
    agent_type: AgentType = "llm"
    model: str | None = None  # as written: "provider/model" or "model"
    provider: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    system_prompt: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    max_conversation_length: int = 100
    allowed_tools: list[str] = field(default_factory=list)  # "*": every registered tool
    max_tool_calls: int = 100
    max_execution_time: float = 300.0
    max_memory_mb: int = 512
    max_recursion_depth: int = 10
    response_format: dict[str, Any] | None = None
    custom_config: dict[str, Any] = field(default_factory=dict)
    delegates: list[str] = field(default_factory=list)  # composite: the agents it runs
    routing: dict[str, Any] = field(default_factory=dict)  # composite: how it runs them

    def system_text(self) -> str:
        if self.system_prompt:
            return self.system_prompt
        return f"You are {self.name}, an AI assistant. {self.description}".rstrip()

    def as_dict(self) -> dict[str, Any]:
        """The config as a script sees it (`agent:get_config()`); the API key is masked."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if self.api_key:
            out["api_key"] = "****" + self.api_key[-4:] if len(self.api_key) > 8 else "****"
        out["system_prompt"] = self.system_text()
        return out


def new_agent_name() -> str:
    return f"agent_{secrets.token_hex(4)}"


# Folding script keys --------------------------------------------------------------------------

_TOP_KEYS = {
    "name",
    "description",
    "type",
    "agent_type",
    "model",
    "provider",
    "base_url",
    "api_key",
    "system_prompt",
    "system",
    "temperature",
    "max_tokens",
    "max_conversation_length",
    "allowed_tools",
    "allow_tool",
    "tools",
    "max_tool_calls",
    "max_execution_time",
    "max_execution_time_secs",
    "timeout",
    "max_memory_mb",
    "max_recursion_depth",
    "response_format",
    "custom_config",
    "resource_limits",
    "delegates",
    "agents",
    "routing",
}
_RESOURCE_KEYS = {
    "max_execution_time_secs": "max_execution_time",
    "max_execution_time": "max_execution_time",
    "max_memory_mb": "max_memory_mb",
    "max_tool_calls": "max_tool_calls",
    "max_recursion_depth": "max_recursion_depth",
}
_MODEL_KEYS = {"provider", "model_id", "model", "name", "temperature", "max_tokens", "settings"}


def config_from_table(table: Mapping[str, Any], *, where: str = "Agent.create") -> AgentConfig:
    """An `AgentConfig` from a script table; ValidationError names the key and what it expects."""
    return make_config(fields_from_table(table, where=where), where=where)


def fields_from_table(table: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    """The config fields a script table sets, under their `AgentConfig` names (not validated)."""
    if not isinstance(table, Mapping):
        raise ValidationError(f"{where}: pass a table of settings such as {{model = ...}}")
    fields: dict[str, Any] = {}
    for key, value in table.items():
        if value is None:
            continue
        if key not in _TOP_KEYS:
            raise ValidationError(_unknown(where, str(key), _TOP_KEYS))
        _fold(fields, str(key), value, where)
    return fields


def _fold(fields: dict[str, Any], key: str, value: Any, where: str) -> None:
    match key:
        case "type" | "agent_type":
            fields["agent_type"] = value
        case "system":
            fields["system_prompt"] = value
        case "tools":
            fields["allowed_tools"] = value
        case "allow_tool":
            fields["allowed_tools"] = [*fields.get("allowed_tools", []), value]
        case "max_execution_time_secs" | "timeout":
            fields["max_execution_time"] = value
        case "agents":
            fields["delegates"] = value
        case "model" if isinstance(value, Mapping):
            _fold_model(fields, value, where)
        case "custom_config":
            fold_custom_config(fields, value, where=where)
        case "resource_limits":
            fold_resource_limits(fields, value, where=where)
        case _:
            fields[key] = value


def _fold_model(fields: dict[str, Any], model: Mapping[str, Any], where: str) -> None:
    for key in model:
        if key not in _MODEL_KEYS:
            raise ValidationError(_unknown(f"{where}: model", str(key), _MODEL_KEYS))
    model_id = model.get("model_id") or model.get("model") or model.get("name")
    if model_id is not None:
        fields["model"] = model_id
    if model.get("provider"):
        fields["provider"] = model["provider"]
    for key in ("temperature", "max_tokens"):
        if model.get(key) is not None:
            fields[key] = model[key]
    settings = model.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise ValidationError(f"{where}: model.settings must be a table")
    for key in ("base_url", "api_key"):
        if settings.get(key) is not None:
            fields[key] = settings[key]


def fold_custom_config(fields: dict[str, Any], value: Any, *, where: str) -> None:
    """`custom_config{system_prompt=, max_conversation_length=, ...}`: the rest is kept."""
    if isinstance(value, list) and not value:
        return
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}: custom_config must be a table")
    custom = dict(fields.get("custom_config") or {})
    for key, item in value.items():
        if key in ("system_prompt", "max_conversation_length"):
            fields[key] = item
        else:
            custom[str(key)] = item
    fields["custom_config"] = custom


def fold_resource_limits(fields: dict[str, Any], value: Any, *, where: str) -> None:
    if isinstance(value, list) and not value:
        return
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}: resource_limits must be a table")
    for key, item in value.items():
        target = _RESOURCE_KEYS.get(str(key))
        if target is None:
            raise ValidationError(_unknown(f"{where}: resource_limits", str(key), _RESOURCE_KEYS))
        fields[target] = item


def _unknown(where: str, key: str, known: set[str] | dict[str, str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{where}: unknown key {key!r}.{hint} Known keys: {', '.join(sorted(known))}"


# Validation -----------------------------------------------------------------------------------


def make_config(fields: dict[str, Any], *, where: str = "Agent.create") -> AgentConfig:
    """Check every value and build the config (a missing name gets `agent_<8 hex>`)."""
    name = fields.get("name")
    if name is None:
        name = new_agent_name()
    name = _text(where, "name", name)
    if not name.strip():
        raise ValidationError(f"{where}: name must not be empty")
    agent_type = fields.get("agent_type", "llm")
    if agent_type not in AGENT_TYPES:
        raise ValidationError(
            f"{where}: type {agent_type!r} is not an agent type; use 'llm' or 'basic'"
        )
    return AgentConfig(
        name=name,
        description=_text(where, "description", fields.get("description", DEFAULT_DESCRIPTION)),
        agent_type=agent_type,
        model=_opt_text(where, "model", fields.get("model")),
        provider=_opt_text(where, "provider", fields.get("provider")) or None,
        base_url=_opt_text(where, "base_url", fields.get("base_url")) or None,
        api_key=_opt_text(where, "api_key", fields.get("api_key")) or None,
        system_prompt=_opt_text(where, "system_prompt", fields.get("system_prompt")),
        temperature=number_value(where, "temperature", fields.get("temperature"), low=0, high=2),
        max_tokens=integer_value(where, "max_tokens", fields.get("max_tokens"), low=1),
        max_conversation_length=integer_value(
            where, "max_conversation_length", fields.get("max_conversation_length", 100), low=0
        ),
        allowed_tools=names_value(where, "allowed_tools", fields.get("allowed_tools", [])),
        max_tool_calls=integer_value(
            where, "max_tool_calls", fields.get("max_tool_calls", 100), low=0
        ),
        max_execution_time=number_value(
            where, "max_execution_time", fields.get("max_execution_time", 300.0), low=0.001
        ),
        max_memory_mb=integer_value(
            where, "max_memory_mb", fields.get("max_memory_mb", 512), low=1
        ),
        max_recursion_depth=integer_value(
            where, "max_recursion_depth", fields.get("max_recursion_depth", 10), low=1
        ),
        response_format=response_format(where, fields.get("response_format")),
        custom_config=dict(fields.get("custom_config") or {}),
        delegates=names_value(where, "delegates", fields.get("delegates", [])),
        routing=_table(where, "routing", fields.get("routing")),
    )


def response_format(where: str, value: Any) -> dict[str, Any] | None:
    """`"json"` / `"json_object"`, `{type="json_object"}`, or a JSON Schema table."""
    if value is None or value == "text":
        return None
    if value in ("json", "json_object"):
        return {"type": "json_object"}
    if isinstance(value, Mapping) and value:
        return dict(value)
    raise ValidationError(
        f'{where}: response_format must be "json" or a JSON Schema table, got {value!r}'
    )


def _text(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{where}: {key} must be a string, got {_kind(value)}")
    return value


def _opt_text(where: str, key: str, value: Any) -> str | None:
    return None if value is None else _text(where, key, value)


def number_value(where: str, key: str, value: Any, *, low: float, high: float | None = None) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{where}: {key} must be a number, got {_kind(value)}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ValidationError(f"{where}: {key} must be {bounds}, got {value!r}")
    return float(value)


def integer_value(where: str, key: str, value: Any, *, low: int) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{where}: {key} must be a whole number, got {_kind(value)}")
    if value < low:
        raise ValidationError(f"{where}: {key} must be at least {low}, got {value}")
    return value


def names_value(where: str, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) and not value:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"{where}: {key} must be a list of names, got {_kind(value)}")
    return list(value)


def _table(where: str, key: str, value: Any) -> dict[str, Any]:
    if value is None or (isinstance(value, list) and not value):
        return {}
    if isinstance(value, str):
        return {"mode": value}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}: {key} must be a table, got {_kind(value)}")
    return dict(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, Mapping | list | tuple):
        return "table"
    return type(value).__name__
