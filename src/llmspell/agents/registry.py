"""`AgentManager`: a runtime's agent instances by name, templates, composition and contexts.

Building an agent resolves its provider and model and builds the chat model (key lookup
included) but makes no network call; a missing key or an unknown provider fails here, at build.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmspell.agents.agent import Agent, BasicAgent
from llmspell.agents.config import (
    AgentConfig,
    config_from_table,
    fields_from_table,
    make_config,
)
from llmspell.agents.context import ContextStore
from llmspell.agents.io import AgentInput
from llmspell.agents.model_ref import resolve_model
from llmspell.core.errors import AgentError, ProviderError, ToolParameterError, ValidationError

if TYPE_CHECKING:
    from llmspell.agents.io import AgentOutput
    from llmspell.hooks import HookRegistry
    from llmspell.providers import ChatModel, ProviderRegistry
    from llmspell.runtime.script_thread import ScriptThread
    from llmspell.state import StateStore
    from llmspell.tools.base import ToolResult
    from llmspell.tools.registry import ToolRegistry

#: (provider, model, base_url, api_key) -> a chat model; tests inject scripted models here.
ChatModelFactory = Callable[[str, str, "str | None", "str | None"], "ChatModel"]

TEMPLATES: dict[str, dict[str, Any]] = {
    "llm": {
        "agent_type": "llm",
        "description": "A general-purpose LLM agent",
        "temperature": 0.7,
        "max_tokens": 2000,
    },
    "basic": {
        "agent_type": "basic",
        "description": "An agent that echoes its input (no model, no cost)",
    },
    "tool-orchestrator": {
        "agent_type": "llm",
        "description": "An LLM agent that may call every registered tool",
        "temperature": 0.3,
        "allowed_tools": ["*"],
    },
}
DEFAULT_MODEL = "openai/gpt-4o-mini"


class AgentManager:
    """Thread-safe; two runtimes never share a manager."""

    def __init__(
        self,
        *,
        providers: ProviderRegistry | None,
        tools: ToolRegistry | None,
        state: Callable[[], StateStore] | None = None,
        script_thread: ScriptThread | None = None,
        model_factory: ChatModelFactory | None = None,
        hooks: HookRegistry | None = None,
    ) -> None:
        self.hooks = hooks
        self.providers = providers
        self.tools = tools
        self.script_thread = script_thread
        self.contexts = ContextStore()
        self._state = state
        self._factory = model_factory
        self._agents: dict[str, Agent] = {}
        self._lock = threading.RLock()
        #: the runtime's event bus when events are enabled (`agent.stream.chunk`), else None
        self.events: Callable[[], Any] | None = None

    # Instances --------------------------------------------------------------------------------

    def create(self, config: AgentConfig | dict[str, Any]) -> Agent:
        """Build and register an agent; `Agent instance 'x' already exists` on a name clash."""
        if isinstance(config, dict):
            config = config_from_table(config)
        hooks = self.hooks
        if hooks is not None and hooks.any("BeforeAgentInit", "AfterAgentInit"):
            from llmspell.hooks.registry import notify

            out = notify(hooks, "BeforeAgentInit", "agent", config.name, agent=config.name)
            if out is not None and out.kind == "cancel":
                reason = out.result.reason or "refused by a BeforeAgentInit hook"
                raise AgentError(f"Agent '{config.name}' not created: {reason}")
        with self._lock:
            self._check_free(config.name)
            agent = self.build(config)
            self._agents[config.name] = agent
        if hooks is not None and hooks.has("AfterAgentInit"):
            notify(hooks, "AfterAgentInit", "agent", config.name, agent=config.name)
        return agent

    def _check_free(self, name: str) -> None:
        if name in self._agents:
            raise AgentError(
                f"Agent instance '{name}' already exists; choose another :name() or remove it"
            )

    def build(self, config: AgentConfig) -> Agent:
        """An agent from its config, not registered; no network call."""
        agent = self._build(config)
        agent.hooks = self.hooks
        return agent

    def _build(self, config: AgentConfig) -> Agent:
        if config.agent_type == "composite":
            raise ValidationError("a composite agent is made with Agent.create_composite")
        if config.agent_type == "basic":
            return BasicAgent(
                config, provider="basic", model="echo", tools=self.tools, state=self._state
            )
        if not config.model and not config.provider:
            raise AgentError(
                f"Agent '{config.name}': Model is required: call :model(\"provider/model\"), "
                'e.g. :model("openai/gpt-4o-mini") or :model("ollama/llama3.1")'
            )
        provider, model = resolve_model(
            config.model, config.provider, default_provider=self.default_provider()
        )
        chat = self._chat_model(provider, model, config)
        price = self.providers.price(chat.provider, chat.model) if self.providers else None
        return Agent(
            config,
            provider=chat.provider,
            model=chat.model,
            chat_model=chat,
            tools=self.tools,
            price=price,
            state=self._state,
        )

    def _chat_model(self, provider: str, model: str, config: AgentConfig) -> ChatModel:
        if self._factory is not None:
            return self._factory(provider, model, config.base_url, config.api_key)
        if self.providers is None:
            raise AgentError(f"Agent '{config.name}': no providers are set up in this runtime")
        return self.providers.chat_model(
            provider, model, base_url=config.base_url, api_key=config.api_key
        )

    def default_provider(self) -> str:
        if self.providers is not None:
            return self.providers.default_provider
        return "openai"

    def get(self, name: str) -> Agent | None:
        return self._agents.get(name) if isinstance(name, str) else None

    def require(self, name: str) -> Agent:
        agent = self.get(name)
        if agent is None:
            raise AgentError(f"Agent instance '{name}' not found; see Agent.list()")
        return agent

    def instances(self) -> list[Agent]:
        with self._lock:
            return sorted(self._agents.values(), key=lambda a: a.name)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._agents)

    def remove(self, name: str) -> bool:
        hooks = self.hooks
        hooked = hooks is not None and hooks.any("BeforeAgentShutdown", "AfterAgentShutdown")
        if hooked and name in self._agents:
            from llmspell.hooks.registry import notify

            notify(hooks, "BeforeAgentShutdown", "agent", name, agent=name)
        with self._lock:
            removed = self._agents.pop(name, None) is not None
        if hooked and removed:
            from llmspell.hooks.registry import notify

            notify(hooks, "AfterAgentShutdown", "agent", name, agent=name)
        return removed

    def execute_with_context(
        self, agent: Agent, request: AgentInput, context_id: str, **kwargs: Any
    ) -> AgentOutput:
        """Run `agent` with what the context sees shown to the model next to the system prompt."""
        view = self.contexts.view(context_id)
        request.context = {**view, **request.context}
        return agent.execute(request, **kwargs)

    # Templates and discovery ------------------------------------------------------------------

    def templates(self) -> list[str]:
        return list(TEMPLATES)

    def create_from_template(
        self, name: str, template: str, params: dict[str, Any] | None = None
    ) -> Agent:
        base = TEMPLATES.get(template)
        if base is None:
            raise AgentError(
                f"Agent template {template!r} not found; use one of {', '.join(TEMPLATES)}"
            )
        where = f"Agent.create_from_template({template!r})"
        fields = {**base, **fields_from_table(params or {}, where=where)}
        if fields.get("name") not in (None, name):
            raise ValidationError(f"{where}: name {fields['name']!r} differs from {name!r}")
        fields["name"] = name
        if base["agent_type"] == "llm" and not fields.get("model") and not fields.get("provider"):
            fields["model"] = self._template_model()
        return self.create(make_config(fields, where=where))

    def _template_model(self) -> str:
        """The default provider's default model; `openai/gpt-4o-mini` when none is set."""
        if self.providers is None:
            return DEFAULT_MODEL
        provider = self.providers.default_provider
        try:
            self.providers.chat_model(provider, None)
        except ProviderError:
            return DEFAULT_MODEL if provider == "openai" else f"{provider}/"
        return f"{provider}/"

    def info(self, type_name: str) -> dict[str, Any]:
        template = TEMPLATES.get(type_name, {})
        return {
            "name": type_name,
            "description": template.get("description", f"Agent type: {type_name}"),
            "category": "agent",
            "complexity": "standard",
            "available": type_name in TEMPLATES,
            "required_parameters": ["name"],
            "optional_parameters": ["model_config", "resource_limits", "creation_hooks"],
        }

    def capabilities(self, agent: Agent) -> dict[str, Any]:
        tools = agent.tool_names()
        return {
            "type": agent.kind,
            "provider": agent.provider,
            "model": agent.model,
            "conversation": agent.config.max_conversation_length > 0,
            "streaming": True,
            "tool_calling": bool(tools) and agent.kind == "llm",
            "structured_output": agent.kind == "llm",
            "composite": agent.kind == "composite",
            "tools": tools,
        }

    def discover_by_capability(self, capability: str) -> list[str]:
        found = []
        for agent in self.instances():
            caps = self.capabilities(agent)
            if caps.get(capability) is True or capability in caps["tools"]:
                found.append(agent.name)
        return found

    def hierarchy(self, agent: Agent) -> dict[str, Any]:
        members: list[Agent] = getattr(agent, "members", [])
        return {
            "name": agent.name,
            "type": agent.kind,
            "children": [self.hierarchy(m) for m in members],
        }

    def details(self, agent: Agent) -> dict[str, Any]:
        return {
            "name": agent.name,
            "type": agent.kind,
            "description": agent.config.description,
            "provider": agent.provider,
            "model": agent.model,
            "state": agent.lifecycle.state,
            "created_at": agent.created_at,
            "tools": agent.tool_names(),
            "config": agent.config.as_dict(),
            "metrics": agent.metrics.snapshot(),
        }

    # Composition ------------------------------------------------------------------------------

    def wrap_as_tool(self, agent_name: str, options: dict[str, Any] | None = None) -> str:
        """Register a tool that runs the agent with its `input` (or `prompt`/`text`) parameter."""
        from llmspell.tools.script_tool import ScriptTool

        agent = self.require(agent_name)
        if self.tools is None:
            raise AgentError("Agent.wrap_as_tool: this runtime has no tool registry")
        options = options or {}
        tool_name = options.get("tool_name") or options.get("name") or f"{agent_name}_tool"
        description = options.get("description") or (
            f"Ask the agent '{agent.name}' ({agent.config.description}); "
            "pass the request as `input`."
        )

        def run(params: dict[str, Any]) -> ToolResult:
            return self._run_wrapped(agent_name, str(tool_name), params)

        tool = ScriptTool(
            name=str(tool_name),
            description=str(description),
            parameters=_WRAPPED_SCHEMA,
            execute=run,
            category="agent",
            security_level="restricted",
            tags=("agent", agent.kind),
        )
        self.tools.register(tool, replace=bool(options.get("replace", False)))
        return str(tool_name)

    def _run_wrapped(self, agent_name: str, tool_name: str, params: dict[str, Any]) -> ToolResult:
        from llmspell.tools.base import ToolResult

        nested = params.get("parameters")
        for source in (params, nested if isinstance(nested, dict) else {}):
            text = source.get("input") or source.get("prompt") or source.get("text")
            if isinstance(text, str) and text:
                break
        else:
            raise ToolParameterError(
                f"Tool '{tool_name}': parameter 'input' is required (the message for the agent)"
            )
        out = self.require(agent_name).execute(AgentInput(text=text))
        usage = {
            "input_tokens": out.usage.input_tokens,
            "output_tokens": out.usage.output_tokens,
            "total_tokens": out.usage.total_tokens,
        }
        result = {
            "text": out.text,
            "agent": out.agent,
            "provider": out.provider,
            "model": out.model,
            "usage": usage,
            "cost_usd": out.cost_usd,
        }
        return ToolResult.ok(out.text, result)

    def create_composite(
        self, name: str, agent_names: list[str], options: dict[str, Any] | None = None
    ) -> Agent:
        from llmspell.agents.composite import CompositeAgent

        if not isinstance(agent_names, list) or not all(isinstance(n, str) for n in agent_names):
            raise ValidationError("Agent.create_composite: agents must be a list of agent names")
        options = dict(options or {})
        routing = options.get("routing") or {}
        if isinstance(routing, str):
            routing = {"mode": routing}
        for key in ("mode", "strategy"):
            if key in options:
                routing = {**routing, "mode": options[key]}
        with self._lock:
            self._check_free(name)
            members = [self.require(n) for n in agent_names]
            config = make_config(
                {
                    "name": name,
                    "description": options.get("description", "Composite agent"),
                    "agent_type": "composite",
                    "delegates": agent_names,
                    "routing": routing,
                    "max_conversation_length": options.get("max_conversation_length", 100),
                },
                where="Agent.create_composite",
            )
            agent = CompositeAgent(
                config, members=members, script_thread=self.script_thread, state=self._state
            )
            agent.hooks = self.hooks
            self._agents[name] = agent
        return agent

    def close(self) -> None:
        with self._lock:
            self._agents.clear()
        self.contexts.clear()


_WRAPPED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "input": {"type": "string", "description": "The message for the agent (required)"},
        "prompt": {"type": "string", "description": "Same as input"},
        "text": {"type": "string", "description": "Same as input"},
        "parameters": {"type": "object", "description": "Extra values; may hold `input`"},
    },
}
