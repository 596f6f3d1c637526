"""A runtime with the `Workflow` global installed over the runtime's own components."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes import FakeProviderServer
from llmspell import Runtime
from llmspell.config.loader import config_from_toml
from llmspell.core.output import CaptureSink
from llmspell.workflows import WorkflowEngine


def install(rt: Runtime) -> WorkflowEngine:
    """The runtime's own engine (the `Workflow` global is built on it)."""
    return rt.workflows


def _first(values: list[Any]) -> Any:
    if not values:
        return None
    return values[0] if len(values) == 1 else values


@pytest.fixture
def lua(runtime: Runtime) -> Callable[[str], Any]:
    install(runtime)
    return lambda code: _first(runtime.run_code(code))


@pytest.fixture
def llm_lua(fake_llm: FakeProviderServer, tmp_path: Path) -> Iterator[Callable[[str], Any]]:
    """Lua in a runtime whose providers point at the fake server."""
    lines = []
    for line in fake_llm.providers_toml().splitlines():
        lines.append(line)
        if line.startswith("[providers."):
            lines.append("max_retries = 0")
            lines.append("timeout_seconds = 5")
    rt = Runtime(config_from_toml("\n".join(lines) + "\n"), sink=CaptureSink(), cwd=tmp_path)
    install(rt)
    yield lambda code: _first(rt.run_code(code))
    rt.close()


@pytest.fixture
def install_workflows() -> Callable[[Runtime], WorkflowEngine]:
    return install
