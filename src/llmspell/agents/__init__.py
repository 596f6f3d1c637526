"""Agents: LLM agents with bounded conversations, the tool-call loop, composition, contexts.

```python
from llmspell.agents import AgentManager, AgentInput

manager = AgentManager(providers=runtime.providers, tools=runtime.tools, state=lambda: store)
agent = manager.create({"name": "helper", "model": "openai/gpt-4o-mini", "tools": ["calculator"]})
out = agent.execute(AgentInput(text="What is 2 + 2?"))   # out.text, out.usage, out.cost_usd
```
"""

from __future__ import annotations

from llmspell.agents.agent import Agent, BasicAgent
from llmspell.agents.config import AgentConfig, config_from_table
from llmspell.agents.io import AgentInput, AgentOutput, ToolCallRecord
from llmspell.agents.model_ref import parse_model_ref
from llmspell.agents.registry import TEMPLATES, AgentManager, ChatModelFactory

__all__ = [
    "TEMPLATES",
    "Agent",
    "AgentConfig",
    "AgentInput",
    "AgentManager",
    "AgentOutput",
    "BasicAgent",
    "ChatModelFactory",
    "ToolCallRecord",
    "config_from_table",
    "parse_model_ref",
]
