"""The runtime's observer: metrics and lifecycle events from tool, agent, model and workflow calls.

```python
observer = RuntimeObserver(runtime.metrics, events=lambda: runtime.events)
observer.install(runtime.hooks)   # low-priority hooks on the After*/Error points
observer.spent_usd                # model cost summed over this runtime's model calls
```

Metrics (labels in brackets): `tool.calls`, `tool.errors`, `tool.duration_ms` [tool];
`agent.calls`, `agent.errors`, `agent.duration_ms` [agent]; `llm.calls` [provider, model];
`llm.tokens.input`, `llm.tokens.output`, `llm.cost_usd` [provider, model] (counted per model
call, so a cost budget sees each round of a tool loop; an answer a hook supplied costs
nothing); `workflow.runs`, `workflow.errors`, `workflow.duration_ms` [workflow].

Events (when `events` is given, and only when something would receive them: a
subscription, the exporter or the store): `tool.executed`, `tool.error`, `agent.completed`,
`agent.error`, `workflow.completed`, `workflow.error`, each with data
`{name, duration_ms, success, ...}` and the hook context's correlation id.

Each hook only reads the context and returns CONTINUE; a failure in one is logged by the
registry and never breaks the call it watches.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmspell.hooks import points as hp
from llmspell.hooks.registry import HookContext, HookRegistry
from llmspell.hooks.results import CONTINUE, HookResult
from llmspell.metrics.registry import LabelKey, label_key

if TYPE_CHECKING:
    from llmspell.events import EventBus
    from llmspell.metrics import MetricsRegistry

log = logging.getLogger("llmspell.hooks.observer")

#: runs after every user hook at the same point, so it sees what they left
OBSERVER_PRIORITY = "lowest"
_TOOL_OK = (("tool.calls", 1),)
_TOOL_FAILED = (("tool.calls", 1), ("tool.errors", 1))


class RuntimeObserver:
    """Feeds a MetricsRegistry (and optionally an EventBus) from fired hook points."""

    name = "observer"

    def __init__(
        self,
        metrics: MetricsRegistry,
        *,
        events: Callable[[], EventBus] | None = None,
    ) -> None:
        self.metrics = metrics
        self._events = events
        self._lock = threading.Lock()
        self.spent_usd = 0.0
        self.ids: list[str] = []
        self._keys: dict[tuple[str, str], LabelKey] = {}

    def _key(self, label: str, value: str) -> LabelKey:
        """`label_key({label: value})`, cached: the label of a tool or agent is computed once."""
        key = self._keys.get((label, value))
        if key is None:
            if len(self._keys) > 4096:
                self._keys.clear()
            key = self._keys[(label, value)] = label_key({label: value})
        return key

    def install(self, registry: HookRegistry) -> list[str]:
        handlers: dict[str, Callable[[HookContext], HookResult]] = {
            hp.AFTER_TOOL: self._after_tool,
            hp.TOOL_ERROR: self._tool_error,
            hp.AFTER_AGENT: self._after_agent,
            hp.AGENT_ERROR: self._agent_error,
            hp.AFTER_LLM: self._after_llm,
            hp.AFTER_WORKFLOW: self._after_workflow,
            hp.WORKFLOW_ERROR: self._workflow_error,
        }
        self.ids = [
            registry.register(
                point,
                fn,
                priority=OBSERVER_PRIORITY,
                name=self.name,
                description="runtime metrics and lifecycle events",
                tags=("builtin", "observer"),
                internal=True,
            )
            for point, fn in handlers.items()
        ]
        return self.ids

    def uninstall(self, registry: HookRegistry) -> None:
        for hook_id in self.ids:
            registry.unregister(hook_id)
        self.ids = []

    # Events ------------------------------------------------------------------------------------

    def _wants(self, event_type: str) -> bool:
        return self._events is not None and self._events().wants(event_type)

    def _publish(self, event_type: str, ctx: HookContext, data: dict[str, Any]) -> None:
        if self._events is None:
            return
        self._events().publish(
            event_type,
            data,
            correlation_id=ctx.correlation_id,
            source=ctx.component_name,
            metadata={"component_type": ctx.component_type, "point": ctx.point},
        )

    # Tools -------------------------------------------------------------------------------------

    def _after_tool(self, ctx: HookContext) -> HookResult:
        name = ctx.component_name
        duration = ctx.data.get("duration_ms")
        output = ctx.data.get("output")
        success = bool(output.get("success", True)) if isinstance(output, dict) else True
        self.metrics.record(
            self._key("tool", name),
            _TOOL_OK if success else _TOOL_FAILED,
            ("tool.duration_ms", duration) if duration is not None else None,
        )
        event = "tool.executed" if success else "tool.error"
        if self._wants(event):
            self._publish(event, ctx, {"name": name, "duration_ms": duration, "success": success})
        return CONTINUE

    def _tool_error(self, ctx: HookContext) -> HookResult:
        name = ctx.component_name
        duration = ctx.data.get("duration_ms")
        self.metrics.record(
            self._key("tool", name),
            _TOOL_FAILED,
            ("tool.duration_ms", duration) if duration is not None else None,
        )
        if self._wants("tool.error"):
            self._publish(
                "tool.error",
                ctx,
                {
                    "name": name,
                    "duration_ms": duration,
                    "success": False,
                    "error": ctx.data.get("error"),
                },
            )
        return CONTINUE

    # Agents and model calls --------------------------------------------------------------------

    def _after_agent(self, ctx: HookContext) -> HookResult:
        name = ctx.component_name
        data = ctx.data
        output = data.get("output") if isinstance(data.get("output"), dict) else {}
        provider = output.get("provider") or ctx.metadata.get("provider") or ""
        model = output.get("model") or ctx.metadata.get("model") or ""
        duration = data.get("duration_ms")
        usage = data.get("usage") or {}
        cost = float(data.get("cost_usd") or 0.0)
        tokens_in = int(usage.get("input_tokens") or 0)
        tokens_out = int(usage.get("output_tokens") or 0)
        self.metrics.inc("agent.calls", 1, {"agent": name})
        if duration is not None:
            self.metrics.observe("agent.duration_ms", duration, {"agent": name})
        if self._wants("agent.completed"):
            self._publish(
                "agent.completed",
                ctx,
                {
                    "name": name,
                    "duration_ms": duration,
                    "success": True,
                    "provider": provider,
                    "model": model,
                    "input_tokens": tokens_in,
                    "output_tokens": tokens_out,
                    "cost_usd": cost,
                },
            )
        return CONTINUE

    def _agent_error(self, ctx: HookContext) -> HookResult:
        name = ctx.component_name
        duration = ctx.data.get("duration_ms")
        self.metrics.inc("agent.calls", 1, {"agent": name})
        self.metrics.inc("agent.errors", 1, {"agent": name})
        if self._wants("agent.error"):
            self._publish(
                "agent.error",
                ctx,
                {
                    "name": name,
                    "duration_ms": duration,
                    "success": False,
                    "provider": ctx.metadata.get("provider"),
                    "model": ctx.metadata.get("model"),
                    "error": ctx.data.get("error"),
                },
            )
        return CONTINUE

    def _after_llm(self, ctx: HookContext) -> HookResult:
        data = ctx.data
        labels = {"provider": str(data.get("provider", "")), "model": str(data.get("model", ""))}
        self.metrics.inc("llm.calls", 1, labels)
        response = data.get("response") if isinstance(data.get("response"), dict) else {}
        usage = response.get("usage") or {}
        tokens_in = int(usage.get("input_tokens") or 0)
        tokens_out = int(usage.get("output_tokens") or 0)
        cost = float(data.get("cost_usd") or 0.0)
        if tokens_in:
            self.metrics.inc("llm.tokens.input", tokens_in, labels)
        if tokens_out:
            self.metrics.inc("llm.tokens.output", tokens_out, labels)
        if cost > 0:
            self.metrics.inc("llm.cost_usd", cost, labels)
            with self._lock:
                self.spent_usd += cost
        return CONTINUE

    # Workflows ---------------------------------------------------------------------------------

    def _after_workflow(self, ctx: HookContext) -> HookResult:
        name = ctx.component_name
        duration = ctx.data.get("duration_ms")
        success = ctx.data.get("success", True) is not False
        if success:  # an unsuccessful run was counted at WorkflowError
            self.metrics.inc("workflow.runs", 1, {"workflow": name})
        if duration is not None:
            self.metrics.observe("workflow.duration_ms", duration, {"workflow": name})
        if self._wants("workflow.completed"):
            self._publish(
                "workflow.completed",
                ctx,
                {"name": name, "duration_ms": duration, "success": success},
            )
        return CONTINUE

    def _workflow_error(self, ctx: HookContext) -> HookResult:
        name = ctx.component_name
        self.metrics.inc("workflow.runs", 1, {"workflow": name})
        self.metrics.inc("workflow.errors", 1, {"workflow": name})
        if self._wants("workflow.error"):
            self._publish(
                "workflow.error",
                ctx,
                {
                    "name": name,
                    "duration_ms": ctx.data.get("duration_ms"),
                    "success": False,
                    "error": ctx.data.get("error"),
                },
            )
        return CONTINUE
