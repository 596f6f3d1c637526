"""`Agent`: build agents (builder or table), find them, compose them, share context."""

from __future__ import annotations

import builtins
from typing import Any

from llmspell.agents import Agent, AgentManager, config_from_table
from llmspell.agents.config import fold_custom_config, fold_resource_limits, make_config
from llmspell.bridge.globals.agent_handle import AgentHandle
from llmspell.bridge.globals.base import ScriptGlobal, ScriptObject, script_type
from llmspell.core.errors import ValidationError


class AgentBuilder(ScriptObject):
    """`Agent.builder()`: every setter returns the builder; `:build()` returns the agent."""

    def __init__(self, owner: AgentGlobal) -> None:
        self._owner = owner
        self._fields: dict[str, Any] = {}

    def _set(self, key: str, value: Any) -> AgentBuilder:
        self._fields[key] = value
        return self

    def name(self, value: Any) -> AgentBuilder:
        return self._set("name", value)

    def description(self, value: Any) -> AgentBuilder:
        return self._set("description", value)

    def model(self, value: Any) -> AgentBuilder:
        return self._set("model", value)

    def provider(self, value: Any) -> AgentBuilder:
        return self._set("provider", value)

    def system_prompt(self, value: Any) -> AgentBuilder:
        return self._set("system_prompt", value)

    def temperature(self, value: Any) -> AgentBuilder:
        return self._set("temperature", value)

    def max_tokens(self, value: Any) -> AgentBuilder:
        return self._set("max_tokens", value)

    def max_conversation_length(self, value: Any) -> AgentBuilder:
        return self._set("max_conversation_length", value)

    def base_url(self, value: Any) -> AgentBuilder:
        return self._set("base_url", value)

    def api_key(self, value: Any) -> AgentBuilder:
        return self._set("api_key", value)

    def allow_tool(self, value: Any) -> AgentBuilder:
        """Add one tool the agent may call."""
        if not isinstance(value, str):
            raise ValidationError(f"allow_tool: pass a tool name, got {script_type(value)}")
        return self._set("allowed_tools", [*self._fields.get("allowed_tools", []), value])

    tool = allow_tool

    def allowed_tools(self, value: Any) -> AgentBuilder:
        """Replace the list of tools the agent may call (`{"*"}`: every tool)."""
        return self._set("allowed_tools", value)

    def max_execution_time(self, value: Any) -> AgentBuilder:
        return self._set("max_execution_time", value)

    def max_memory_mb(self, value: Any) -> AgentBuilder:
        return self._set("max_memory_mb", value)

    def max_tool_calls(self, value: Any) -> AgentBuilder:
        return self._set("max_tool_calls", value)

    def max_recursion_depth(self, value: Any) -> AgentBuilder:
        return self._set("max_recursion_depth", value)

    def response_format(self, value: Any) -> AgentBuilder:
        return self._set("response_format", value)

    def type(self, value: Any) -> AgentBuilder:
        """`"llm"` (default) or `"basic"` (an echo agent, no model)."""
        return self._set("agent_type", value)

    def custom_config(self, value: Any) -> AgentBuilder:
        fold_custom_config(self._fields, value, where="Agent.builder():custom_config")
        return self

    def resource_limits(self, value: Any) -> AgentBuilder:
        fold_resource_limits(self._fields, value, where="Agent.builder():resource_limits")
        return self

    def build(self) -> AgentHandle:
        config = make_config(dict(self._fields), where="Agent.builder()")
        return self._owner._handle(self._owner._manager.create(config))


class AgentGlobal(ScriptGlobal):
    name = "Agent"

    def __init__(self, manager: AgentManager) -> None:
        self._manager = manager
        self._handles: dict[int, AgentHandle] = {}

    def _handle(self, agent: Agent) -> AgentHandle:
        """One handle per agent, so `Agent.get(n) == agent` holds in scripts."""
        handle = self._handles.get(id(agent))
        if handle is None or handle._agent is not agent:
            handle = self._handles[id(agent)] = AgentHandle(self._manager, agent)
        return handle

    # Building ---------------------------------------------------------------------------------

    def builder(self) -> AgentBuilder:
        return AgentBuilder(self)

    def create(self, config: Any) -> AgentHandle:
        """`Agent.create{model=..., name=..., ...}`: the builder's keys as a table."""
        return self._handle(self._manager.create(config_from_table(_table(config, "Agent.create"))))

    def register(self, config: Any) -> str:
        """Like `create`, returning the agent's name (the original's `AgentConfig` shape)."""
        table = _table(config, "Agent.register")
        return self._manager.create(config_from_table(table, where="Agent.register")).name

    def create_from_template(
        self, instance_name: str, template: str, params: Any = None
    ) -> AgentHandle:
        params = _table(params, "Agent.create_from_template")
        return self._handle(self._manager.create_from_template(instance_name, template, params))

    # Finding ----------------------------------------------------------------------------------

    def get(self, name: str) -> AgentHandle | None:
        agent = self._manager.get(name)
        return self._handle(agent) if agent is not None else None

    def list(self) -> list[dict[str, Any]]:
        return [
            {
                "name": a.name,
                "type": a.kind,
                "provider": a.provider,
                "model": a.model,
                "state": a.lifecycle.state,
            }
            for a in self._manager.instances()
        ]

    def list_instances(self) -> builtins.list[str]:
        return self._manager.names()

    def discover(self, filter: Any = None) -> builtins.list[dict[str, Any]]:
        wanted = filter.get("type") if isinstance(filter, dict) else None
        return [
            {"type": t, "description": self._manager.info(t)["description"]}
            for t in self._manager.templates()
            if wanted in (None, t)
        ]

    def list_templates(self) -> builtins.list[str]:
        return self._manager.templates()

    def get_info(self, type_name: str) -> dict[str, Any]:
        return self._manager.info(str(type_name))

    def list_capabilities(self) -> dict[str, Any]:
        return {a.name: self._manager.capabilities(a) for a in self._manager.instances()}

    def discover_by_capability(self, capability: str) -> builtins.list[str]:
        return self._manager.discover_by_capability(str(capability))

    def get_hierarchy(self, name: str) -> dict[str, Any]:
        return self._manager.hierarchy(self._manager.require(name))

    def get_details(self, name: str) -> dict[str, Any]:
        return self._manager.details(self._manager.require(name))

    # Composition ------------------------------------------------------------------------------

    def wrap_as_tool(self, agent_name: str, config: Any = None) -> str:
        return self._manager.wrap_as_tool(agent_name, _table(config, "Agent.wrap_as_tool"))

    def create_composite(self, name: str, agents: Any, config: Any = None) -> AgentHandle:
        names = [] if agents == {} else agents
        options = _table(config, "Agent.create_composite")
        return self._handle(self._manager.create_composite(name, names, options))

    # Contexts and shared memory ---------------------------------------------------------------

    def create_context(self, config: Any = None) -> str:
        return self._manager.contexts.create(_table(config, "Agent.create_context"))

    def create_child_context(
        self, parent_id: str, scope: Any = None, inheritance: Any = None
    ) -> str:
        return self._manager.contexts.create_child(parent_id, scope, inheritance)

    def update_context(self, context_id: str, key: str, value: Any = None) -> None:
        self._manager.contexts.update(context_id, _key(key), value)

    def get_context_data(self, context_id: str, key: str) -> Any:
        return self._manager.contexts.value(context_id, _key(key))

    def remove_context(self, context_id: str) -> None:
        self._manager.contexts.remove(context_id)

    def set_shared_memory(self, scope: Any, key: str, value: Any = None) -> None:
        self._manager.contexts.set_shared(scope, _key(key), value)

    def get_shared_memory(self, scope: Any, key: str) -> Any:
        return self._manager.contexts.get_shared(scope, _key(key))


def _table(value: Any, where: str) -> dict[str, Any]:
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{where}: pass a table, got {script_type(value)}")
    return value


def _key(key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise ValidationError(f"a context key must be a non-empty string, got {script_type(key)}")
    return key
