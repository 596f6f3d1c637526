"""Hooks: functions registered at named points that watch, change, cancel or replace what tools,
agents, model calls and workflows do.

```python
from llmspell.hooks import HookRegistry, HookResult
hooks = HookRegistry()
hooks.register("BeforeToolExecution", lambda ctx: HookResult.cancel("no tools today"))
```
"""

from llmspell.hooks.points import ALL_POINTS, FIRED, canonical_point
from llmspell.hooks.registry import (
    PRIORITIES,
    Hook,
    HookContext,
    HookRegistry,
    Outcome,
    parse_priority,
)
from llmspell.hooks.results import CONTINUE, HookResult, parse_result

__all__ = [
    "ALL_POINTS",
    "CONTINUE",
    "FIRED",
    "PRIORITIES",
    "Hook",
    "HookContext",
    "HookRegistry",
    "HookResult",
    "Outcome",
    "canonical_point",
    "parse_priority",
    "parse_result",
]
