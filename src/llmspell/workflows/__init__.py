"""Workflows: sequential, parallel, conditional and loop runs of tool, agent, nested-workflow
and script-function steps, with templated data flow between steps.

```python
from llmspell.workflows import WorkflowEngine, WorkflowSpec, parse_step

engine = WorkflowEngine(tools=rt.tools, agents=rt.agents, state=lambda: rt.state,
                        script_thread=rt.script_thread)
wf = engine.create(WorkflowSpec(name="w", kind="sequential", steps=[
    parse_step({"name": "id", "type": "tool", "tool": "uuid_generator"}),
    parse_step({"name": "say", "type": "agent", "agent": "writer",
                "input": "Describe {{step.id.output}}"}),
]))
table = wf.execute({"input": "go"}).as_table()   # success, text, outputs, metadata.extra...
```
"""

from __future__ import annotations

from llmspell.workflows.conditional import Condition, evaluate_expression, parse_condition
from llmspell.workflows.engine import WorkflowEngine
from llmspell.workflows.result import StepRecord, WorkflowResult
from llmspell.workflows.steps import (
    AgentStep,
    ErrorPolicy,
    FunctionStep,
    Step,
    ToolStep,
    WorkflowStep,
    error_policy,
    parse_step,
)
from llmspell.workflows.workflow import KINDS, Branch, LoopSpec, Workflow, WorkflowSpec

__all__ = [
    "KINDS",
    "AgentStep",
    "Branch",
    "Condition",
    "ErrorPolicy",
    "FunctionStep",
    "LoopSpec",
    "Step",
    "StepRecord",
    "ToolStep",
    "Workflow",
    "WorkflowEngine",
    "WorkflowResult",
    "WorkflowSpec",
    "WorkflowStep",
    "error_policy",
    "evaluate_expression",
    "parse_condition",
    "parse_step",
]
