"""Fixtures for the agent room: a Script of replies and an AgentManager whose models follow it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted import Script

from llmspell import Runtime
from llmspell.agents import AgentManager
from llmspell.bridge.globals.agent import AgentGlobal
from llmspell.bridge.lua.engine import LuaEngine


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def manager(runtime: Runtime, script: Script) -> Iterator[AgentManager]:
    manager = AgentManager(
        providers=runtime.providers,
        tools=runtime.tools,
        state=lambda: runtime.state,
        script_thread=runtime.script_thread,
        model_factory=script.factory,
    )
    yield manager
    manager.close()


@pytest.fixture
def lua(runtime: Runtime, manager: AgentManager) -> LuaEngine:
    """The runtime's engine with `Agent` served by the scripted manager."""
    engine = runtime.engine()
    engine.install(AgentGlobal(manager))
    return engine
