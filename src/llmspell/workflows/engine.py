"""`WorkflowEngine`: builds and keeps a runtime's workflows, and reaches the tools, agents and
State that steps use.

```python
engine = WorkflowEngine(tools=rt.tools, agents=rt.agents, state=lambda: rt.state,
                        script_thread=rt.script_thread)
wf = engine.create(WorkflowSpec(name="p", kind="sequential", steps=[parse_step({...})]))
result = wf.execute({"input": "hello"})            # WorkflowResult; .as_table() for scripts
```
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import AgentError, WorkflowError
from llmspell.workflows.workflow import KINDS, Workflow, WorkflowSpec

if TYPE_CHECKING:
    from llmspell.agents import AgentManager
    from llmspell.events import EventBus
    from llmspell.hooks import HookRegistry
    from llmspell.runtime.script_thread import ScriptThread
    from llmspell.state import StateStore
    from llmspell.tools.base import ToolResult
    from llmspell.tools.registry import ToolRegistry

TYPE_INFO = {
    "sequential": ("Steps run one after another, each seeing earlier outputs", ["templating"]),
    "parallel": ("Branches run concurrently, bounded by max_concurrency", ["max_concurrency"]),
    "conditional": ("The first branch whose condition holds runs", ["conditions", "default"]),
    "loop": ("The body runs per range value, collection item or while true", ["break"]),
}


class WorkflowEngine:
    """Thread-safe registry of workflows; two runtimes never share one."""

    def __init__(
        self,
        *,
        tools: ToolRegistry | None = None,
        agents: AgentManager | None = None,
        state: Callable[[], StateStore | None] | None = None,
        script_thread: ScriptThread | None = None,
        events: Callable[[], EventBus | None] | None = None,
        hooks: HookRegistry | None = None,
    ) -> None:
        self.hooks = hooks
        self.events = events
        self.tools = tools
        self.agents = agents
        self.state = state
        self.script_thread = script_thread
        self._workflows: dict[str, Workflow] = {}
        self._lock = threading.RLock()

    # Building and finding ----------------------------------------------------------------------

    def create(self, spec: WorkflowSpec) -> Workflow:
        workflow = Workflow(spec, self)
        with self._lock:
            self._workflows[workflow.id] = workflow
        return workflow

    register = create

    def get(self, key: str) -> Workflow | None:
        """By id (`workflow_<hex>`, with or without the prefix) or by name (the newest)."""
        if not isinstance(key, str):
            return None
        with self._lock:
            found = self._workflows.get(key) or self._workflows.get(f"workflow_{key}")
            if found is not None:
                return found
            named = [w for w in self._workflows.values() if w.name == key]
        return named[-1] if named else None

    def require(self, key: str) -> Workflow:
        found = self.get(key)
        if found is None:
            raise WorkflowError(f"Workflow not found: '{key}' (see Workflow.list())")
        return found

    def list(self) -> list[Workflow]:
        with self._lock:
            return list(self._workflows.values())

    def remove(self, key: str) -> bool:
        with self._lock:
            found = self.get(key)
            if found is None:
                return False
            del self._workflows[found.id]
            return True

    def clear(self) -> int:
        with self._lock:
            count = len(self._workflows)
            self._workflows.clear()
            return count

    @staticmethod
    def types() -> list[str]:
        return list(KINDS)

    @staticmethod
    def type_info() -> list[dict[str, Any]]:
        return [
            {"id": kind, "type": kind, "description": desc, "features": features}
            for kind, (desc, features) in TYPE_INFO.items()
        ]

    # What steps use ----------------------------------------------------------------------------

    def tool_exists(self, name: str) -> bool:
        return self.tools is not None and self.tools.exists(name)

    def invoke_tool(self, name: str, params: dict[str, Any]) -> ToolResult:
        if self.tools is None:
            raise WorkflowError("this runtime has no tools for workflow tool steps")
        return self.tools.invoke(name, params)

    def agent_exists(self, name: str) -> bool:
        return self.agents is not None and self.agents.get(name) is not None

    def resolve_agent(self, agent: Any) -> Any:
        """An agent object (has `execute` and `name`) from itself or its instance name."""
        if isinstance(agent, str):
            if self.agents is None:
                raise AgentError(f"Agent instance '{agent}' not found: no agents in this runtime")
            return self.agents.require(agent)
        if hasattr(agent, "execute") and hasattr(agent, "name"):
            return agent
        raise WorkflowError(f"an agent step needs an agent or an agent name, got {agent!r}")

    def resolve_workflow(self, workflow: Any) -> Workflow:
        if isinstance(workflow, Workflow):
            return workflow
        if isinstance(workflow, str):
            return self.require(workflow)
        raise WorkflowError(f"a workflow step needs a workflow or its id, got {workflow!r}")
