"""An agent: a chat model, a system prompt, a bounded conversation and the tools it may use.

Building one does no I/O. `execute` sends the system prompt, the remembered turns and the new
message as real chat messages, runs the tool loop, and only when the whole turn succeeded adds
it to the conversation: a failed call leaves the conversation exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar

from llmspell.agents.config import AgentConfig
from llmspell.agents.io import AgentInput, AgentOutput
from llmspell.agents.lifecycle import Lifecycle
from llmspell.agents.loop import Limits, Turn, run_turn, tool_specs
from llmspell.agents.memory import Conversation
from llmspell.agents.metrics import AgentMetrics
from llmspell.core.errors import AgentError, LLMSpellError
from llmspell.providers import ChatMessage, ChatRequest, ChatResponse, Usage

if TYPE_CHECKING:
    from llmspell.hooks import HookRegistry, Outcome
    from llmspell.providers import ChatModel, Price
    from llmspell.state import StateStore
    from llmspell.tools.base import ToolResult
    from llmspell.tools.registry import ToolRegistry

TextSink = Callable[[str], None]

STATE_SCOPE = "agent"
_AGENT_POINTS = ("BeforeAgentExecution", "AfterAgentExecution", "AgentError")
_depth: ContextVar[int] = ContextVar("llmspell_agent_depth", default=0)


class Agent:
    """An LLM agent (`type = "llm"`); subclasses change only how a turn is answered."""

    kind: ClassVar[str] = "llm"

    def __init__(
        self,
        config: AgentConfig,
        *,
        provider: str,
        model: str,
        chat_model: ChatModel | None = None,
        tools: ToolRegistry | None = None,
        price: Price | None = None,
        state: Callable[[], StateStore] | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.provider = provider
        self.model = model
        self.chat_model = chat_model
        self.tools = tools
        self._price = price
        self._state = state
        self.conversation = Conversation(
            max_messages=config.max_conversation_length,
            max_bytes=config.max_memory_mb * 1024 * 1024,
        )
        self.lifecycle = Lifecycle(config.name)
        self.metrics = AgentMetrics()
        self.created_at = time.time()
        self.hooks: HookRegistry | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.provider}/{self.model}>"

    # Calls ------------------------------------------------------------------------------------

    def execute(self, request: AgentInput, *, on_text: TextSink | None = None) -> AgentOutput:
        """Answer one message; `on_text` streams the answer's text as it arrives.

        With hooks: BeforeAgentExecution may change the input (modified: a string is the new
        text, a table updates `text`/`system`/...), cancel, replace (the answer's text) or skip
        (an empty answer); AfterAgentExecution may change or replace the answer's text;
        AgentError may retry once after its delay, replace or skip.
        """
        hooks = self.hooks
        if hooks is None or not hooks.any(*_AGENT_POINTS):
            return self._execute(request, on_text)
        return self._execute_hooked(hooks, request, on_text)

    def _execute_hooked(
        self, hooks: HookRegistry, request: AgentInput, on_text: TextSink | None
    ) -> AgentOutput:
        import dataclasses

        from llmspell.hooks import points as hp
        from llmspell.hooks.registry import HookContext, new_correlation_id

        correlation = new_correlation_id()

        def context(point: str, subject: str, **data: Any) -> HookContext:
            return HookContext(
                point=point,
                component_type="agent",
                component_name=self.name,
                data={"agent": self.name, "input": _input_table(request), **data},
                metadata={"provider": self.provider, "model": self.model, "kind": self.kind},
                subject=subject,
                correlation_id=correlation,
            )

        if hooks.has(hp.BEFORE_AGENT):
            before = hooks.fire(hp.BEFORE_AGENT, context(hp.BEFORE_AGENT, "input"))
            if before.modified:
                request = _apply_input(request, before.data)
            early = self._early(before, request)
            if early is not None:
                return early
        started = time.perf_counter()
        try:
            out = self._execute(request, on_text)
        except LLMSpellError as exc:
            if not hooks.has(hp.AGENT_ERROR):
                raise
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            failed = hooks.fire(
                hp.AGENT_ERROR,
                context(hp.AGENT_ERROR, "error", error=str(exc), duration_ms=elapsed),
            )
            if failed.kind == "retry":
                if failed.result.delay > 0:
                    time.sleep(failed.result.delay)
                out = self._execute(request, on_text)
            else:
                early = self._early(failed, request)
                if early is None:
                    raise
                return early
        if hooks.has(hp.AFTER_AGENT):
            table = {"text": out.text, "provider": out.provider, "model": out.model}
            usage = {
                "input_tokens": out.usage.input_tokens,
                "output_tokens": out.usage.output_tokens,
            }
            after = hooks.fire(
                hp.AFTER_AGENT,
                context(
                    hp.AFTER_AGENT,
                    "output",
                    output=table,
                    usage=usage,
                    cost_usd=out.cost_usd,
                    duration_ms=out.duration_ms,
                ),
            )
            if after.kind == "retry":
                if after.result.delay > 0:
                    time.sleep(after.result.delay)
                return self._execute(request, on_text)
            early = self._early(after, request)
            if early is not None:
                return early
            if after.modified:
                out = dataclasses.replace(out, text=_text_of(after.data, out.text))
        return out

    def _early(self, outcome: Outcome, request: AgentInput) -> AgentOutput | None:
        kind = outcome.kind
        if kind == "cancel":
            raise AgentError(f"Agent '{self.name}' cancelled by a hook: {outcome.result.reason}")
        if kind in ("replace", "skipped"):
            text = _text_of(outcome.result.data, "") if kind == "replace" else ""
            return AgentOutput(
                text=text,
                agent=self.name,
                provider=self.provider,
                model=self.model,
                finish_reason="stop",
                rounds=0,
            )
        return None

    def _execute(self, request: AgentInput, on_text: TextSink | None) -> AgentOutput:
        self.lifecycle.ready_to_run()
        depth = _depth.get()
        if depth >= self.config.max_recursion_depth:
            raise AgentError(
                f"Agent '{self.name}' refused a call nested {depth} agents deep "
                f"(`max_recursion_depth` = {self.config.max_recursion_depth})"
            )
        token = _depth.set(depth + 1)
        usage = Usage()
        started, cpu = time.perf_counter(), time.thread_time()
        self.metrics.begin()
        try:
            turn = self._respond(request, on_text, usage)
        except BaseException as exc:
            self.metrics.end(
                duration_s=time.perf_counter() - started,
                cpu_s=time.thread_time() - cpu,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cost_usd=self.cost(usage),
                error=str(exc) or type(exc).__name__,
            )
            raise
        finally:
            _depth.reset(token)
        self.conversation.commit(turn.messages)
        duration = time.perf_counter() - started
        cost = turn.cost_usd if turn.cost_usd is not None else self.cost(turn.usage)
        self.metrics.end(
            duration_s=duration,
            cpu_s=time.thread_time() - cpu,
            input_tokens=turn.usage.input_tokens,
            output_tokens=turn.usage.output_tokens,
            cost_usd=cost,
        )
        return AgentOutput(
            text=turn.response.text,
            agent=self.name,
            provider=turn.response.provider or self.provider,
            model=turn.response.model or self.model,
            usage=turn.usage,
            cost_usd=cost,
            duration_ms=round(duration * 1000, 3),
            finish_reason=turn.response.finish_reason,
            tool_calls=turn.tool_calls,
            rounds=turn.rounds,
            chunks=turn.chunks,
        )

    def _respond(self, request: AgentInput, on_text: TextSink | None, usage: Usage) -> Turn:
        if self.chat_model is None:
            raise AgentError(f"Agent '{self.name}' has no model to call")
        limits = Limits(
            agent=self.name,
            max_tool_calls=self.config.max_tool_calls,
            max_execution_time=self.config.max_execution_time,
            deadline=time.monotonic() + self.config.max_execution_time,
            price=self._price,
        )
        return run_turn(
            self.chat_model,
            self.chat_request(request),
            limits=limits,
            registry=self.tools,
            on_text=on_text,
            on_tool=lambda name, ok: self.metrics.tool_used(name, ok=ok),
            usage=usage,
            hooks=self.hooks,
        )

    def chat_request(self, request: AgentInput) -> ChatRequest:
        """What goes to the model: system prompt, remembered turns, then the new message."""
        system = request.system or self.config.system_text()
        if request.context:
            lines = "\n".join(f"{key}: {value}" for key, value in request.context.items())
            system = f"{system}\n\nContext:\n{lines}"
        names = self.config.allowed_tools if request.tools is None else request.tools
        return ChatRequest(
            model=self.model,
            messages=[
                ChatMessage(role="system", content=system),
                *self.conversation.window(),
                ChatMessage(role="user", content=request.text, images=list(request.images)),
            ],
            temperature=_first(request.temperature, self.config.temperature),
            max_tokens=_first(request.max_tokens, self.config.max_tokens),
            tools=tool_specs(self.tools, names, agent=self.name),
            response_format=request.response_format or self.config.response_format,
        )

    def cost(self, usage: Usage) -> float:
        return self._price.cost(usage) if self._price is not None else 0.0

    def invoke_tool(self, name: str, params: Mapping[str, Any]) -> ToolResult:
        """Run a tool for the script (any registered tool), counted in this agent's metrics."""
        if self.tools is None:
            raise AgentError(f"Agent '{self.name}' has no tool registry")
        try:
            result = self.tools.invoke(name, dict(params))
        except Exception:
            self.metrics.tool_used(name, ok=False)
            raise
        self.metrics.tool_used(name, ok=result.success)
        return result

    def tool_names(self) -> list[str]:
        names = self.config.allowed_tools
        if self.tools is None:
            return []
        if "*" in names:
            return self.tools.names()
        return [self.tools.info(n).name if self.tools.exists(n) else n for n in names]

    # Lifecycle with persistence -------------------------------------------------------------

    def pause(self) -> None:
        self.lifecycle.pause()
        self._autosave()

    def stop(self) -> None:
        self.lifecycle.stop()
        self._autosave()

    def _autosave(self) -> None:
        if self._state is not None:
            self.save_state()

    # State ------------------------------------------------------------------------------------

    @property
    def state_key(self) -> str:
        return f"agent_state:{self.name}"

    def _store(self) -> StateStore:
        if self._state is None:
            raise AgentError(f"Agent '{self.name}' has no State store to save into")
        return self._state()

    def save_state(self) -> bool:
        """Conversation, metrics and lifecycle state under `agent_state:<name>` (scope `agent`)."""
        metrics = self.metrics.snapshot()
        self._store().save(
            STATE_SCOPE,
            self.state_key,
            {
                "version": 1,
                "agent": self.name,
                "provider": self.provider,
                "model": self.model,
                "conversation_history": self.conversation.to_list(),
                "metrics": metrics,
                "tool_usage_stats": metrics["tool_usage"],
                "execution_state": self.lifecycle.state,
                "saved_at": time.time(),
            },
        )
        return True

    def load_state(self) -> bool:
        """Restore what `save_state` stored; False when nothing was saved for this name."""
        data = self._store().load(STATE_SCOPE, self.state_key)
        if not isinstance(data, dict):
            return False
        self.conversation.replace(data.get("conversation_history") or [])
        self.metrics.restore(data.get("metrics") or {})
        if isinstance(data.get("execution_state"), str):
            self.lifecycle.restore(data["execution_state"])
        return True

    def delete_state(self) -> bool:
        return self._store().delete(STATE_SCOPE, self.state_key)

    # Reports ----------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        m = self.metrics.snapshot()
        state = self.lifecycle.state
        if not self.lifecycle.is_healthy():
            status, message = "unhealthy", f"agent is {state}"
        elif m["requests_total"] >= 5 and m["requests_failed"] / m["requests_total"] > 0.5:
            status, message = "degraded", f"{m['requests_failed']} of {m['requests_total']} failed"
        else:
            status, message = "healthy", f"agent is {state}"
        return {"status": status, "message": message, "timestamp": time.time()}

    def performance(self) -> dict[str, Any]:
        m = self.metrics.snapshot()
        done = m["requests_total"] - m["requests_active"]
        ok = done - m["requests_failed"]
        return {
            "total_executions": done,
            "avg_execution_time_ms": m["avg_latency_ms"],
            "success_rate": ok / done if done else 1.0,
            "error_rate": m["requests_failed"] / done if done else 0.0,
        }


class BasicAgent(Agent):
    """`type = "basic"`: echoes its input; no model, no cost (for tests and plumbing)."""

    kind: ClassVar[str] = "basic"

    def _respond(self, request: AgentInput, on_text: TextSink | None, usage: Usage) -> Turn:
        text = f"BasicAgent '{self.name}' received: {request.text}"
        if on_text is not None:
            on_text(text)
        return Turn(
            messages=[
                ChatMessage(role="user", content=request.text),
                ChatMessage(role="assistant", content=text),
            ],
            response=ChatResponse(text=text, provider=self.provider, model=self.model),
            usage=usage,
            rounds=0,
            chunks=1 if on_text is not None else 0,
        )


def _input_table(request: AgentInput) -> dict[str, Any]:
    table: dict[str, Any] = {"text": request.text}
    for key in ("system", "temperature", "max_tokens"):
        value = getattr(request, key)
        if value is not None:
            table[key] = value
    if request.context:
        table["context"] = dict(request.context)
    return table


def _apply_input(request: AgentInput, data: Any) -> AgentInput:
    """A `modified` input: a string is the new text; a table may set text, system, ..."""
    import dataclasses

    if isinstance(data, str):
        return dataclasses.replace(request, text=data)
    if not isinstance(data, dict):
        return request
    changes: dict[str, Any] = {}
    for key in ("text", "system"):
        if isinstance(data.get(key), str):
            changes[key] = data[key]
    for key in ("temperature", "max_tokens"):
        if isinstance(data.get(key), int | float) and not isinstance(data.get(key), bool):
            changes[key] = data[key]
    if isinstance(data.get("context"), dict):
        changes["context"] = data["context"]
    return dataclasses.replace(request, **changes)


def _text_of(value: Any, default: str) -> str:
    """The text in a hook's value: a string, a table's `text`, or JSON of anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return value["text"]
    if value is None:
        return default
    import json

    return json.dumps(value, default=str, ensure_ascii=False)


def _first(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None
