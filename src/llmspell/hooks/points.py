"""Hook point names (components.md §4.1), as plain strings.

The 43 named points of the original, plus the points this re-creation fires that the original
lacks (`BeforeLLMCall`, `AfterLLMCall`, `BeforeStepExecution`, `AfterStepExecution`), plus
`custom:<name>`. Names are matched without regard to case, `_` or `-`.
"""

from __future__ import annotations

from llmspell.core.errors import ValidationError

AGENT = (
    "BeforeAgentInit",
    "AfterAgentInit",
    "BeforeAgentExecution",
    "AfterAgentExecution",
    "AgentError",
    "BeforeAgentShutdown",
    "AfterAgentShutdown",
)
TOOL = (
    "BeforeToolDiscovery",
    "AfterToolDiscovery",
    "BeforeToolExecution",
    "AfterToolExecution",
    "ToolValidation",
    "ToolError",
)
WORKFLOW = (
    "BeforeWorkflowStart",
    "WorkflowStageTransition",
    "BeforeWorkflowStage",
    "AfterWorkflowStage",
    "WorkflowCheckpoint",
    "WorkflowRollback",
    "AfterWorkflowComplete",
    "WorkflowError",
)
STATE = (
    "BeforeStateRead",
    "AfterStateRead",
    "BeforeStateWrite",
    "AfterStateWrite",
    "StateConflict",
    "StateMigration",
)
SYSTEM = (
    "SystemStartup",
    "SystemShutdown",
    "ConfigurationChange",
    "ResourceLimitExceeded",
    "SecurityViolation",
)
SESSION = ("SessionStart", "SessionEnd", "SessionCheckpoint", "SessionRestore", "SessionSave")
EVENT = ("BeforeEventEmit", "AfterEventEmit", "EventHandlerError")
PERFORMANCE = ("PerformanceThresholdExceeded", "MemoryUsageHigh", "CpuUsageHigh")
#: points fired here that the original has no variant for
EXTRA = ("BeforeLLMCall", "AfterLLMCall", "BeforeStepExecution", "AfterStepExecution")

GROUPS: dict[str, tuple[str, ...]] = {
    "agent": AGENT,
    "tool": TOOL,
    "workflow": WORKFLOW,
    "state": STATE,
    "system": SYSTEM,
    "session": SESSION,
    "event": EVENT,
    "performance": PERFORMANCE,
    "extra": EXTRA,
}
ALL_POINTS: tuple[str, ...] = tuple(p for group in GROUPS.values() for p in group)

#: points the runtime fires (all of them; `custom:<name>` points are fired by their owners)
FIRED = frozenset(
    {
        "BeforeToolExecution",
        "AfterToolExecution",
        "ToolError",
        "BeforeAgentExecution",
        "AfterAgentExecution",
        "AgentError",
        "BeforeLLMCall",
        "AfterLLMCall",
        "BeforeWorkflowStart",
        "AfterWorkflowComplete",
        "WorkflowError",
        "BeforeStepExecution",
        "AfterStepExecution",
        "BeforeStateRead",
        "AfterStateRead",
        "BeforeStateWrite",
        "AfterStateWrite",
        "SessionStart",
        "SessionEnd",
        "SessionCheckpoint",
        "SessionRestore",
        "SessionSave",
        "BeforeEventEmit",
        "AfterEventEmit",
        "SystemStartup",
        "SystemShutdown",
        "BeforeAgentInit",
        "AfterAgentInit",
        "BeforeAgentShutdown",
        "AfterAgentShutdown",
        "BeforeToolDiscovery",
        "AfterToolDiscovery",
        "ToolValidation",
        "SecurityViolation",
        "StateConflict",
        "EventHandlerError",
        "PerformanceThresholdExceeded",
        "WorkflowStageTransition",
        "BeforeWorkflowStage",
        "AfterWorkflowStage",
        "WorkflowCheckpoint",
        "WorkflowRollback",
        "StateMigration",
        "ConfigurationChange",
        "ResourceLimitExceeded",
        "MemoryUsageHigh",
        "CpuUsageHigh",
    }
)

# Names for the ones fired, so call sites do not spell strings.
BEFORE_TOOL = "BeforeToolExecution"
AFTER_TOOL = "AfterToolExecution"
TOOL_ERROR = "ToolError"
BEFORE_AGENT = "BeforeAgentExecution"
AFTER_AGENT = "AfterAgentExecution"
AGENT_ERROR = "AgentError"
BEFORE_LLM = "BeforeLLMCall"
AFTER_LLM = "AfterLLMCall"
BEFORE_WORKFLOW = "BeforeWorkflowStart"
AFTER_WORKFLOW = "AfterWorkflowComplete"
WORKFLOW_ERROR = "WorkflowError"
BEFORE_STEP = "BeforeStepExecution"
AFTER_STEP = "AfterStepExecution"


def _fold(name: str) -> str:
    return name.strip().lower().replace("_", "").replace("-", "")


_BY_FOLD = {_fold(p): p for p in ALL_POINTS}


def canonical_point(name: object) -> str:
    """The point's canonical name; `custom:<name>` kept as given; anything else is refused."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(
            f"Unknown hook point {name!r}: expected a name such as 'BeforeToolExecution'"
        )
    text = name.strip()
    if text.lower().startswith("custom:") and len(text) > 7:
        return "custom:" + text[7:]
    found = _BY_FOLD.get(_fold(text))
    if found is None:
        import difflib

        close = difflib.get_close_matches(text, ALL_POINTS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValidationError(f"Unknown hook point {text!r}.{hint} See Hook.points().")
    return found
