"""Session stores on real SQLite and real files under each test's own LLMSPELL_HOME."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmspell.config import LLMSpellConfig, llmspell_home
from llmspell.core.output import CaptureSink
from llmspell.runtime import Runtime
from llmspell.sessions import SessionManager, open_session_manager


def sessions_config(**sessions: Any) -> LLMSpellConfig:
    return LLMSpellConfig.build({"runtime": {"sessions": {"enabled": True, **sessions}}})


@pytest.fixture
def home() -> Path:
    return llmspell_home()


@pytest.fixture
def open_manager(home: Path) -> Iterator[Callable[..., SessionManager]]:
    """Open a manager on the test's home (SQLite unless told otherwise); closed after."""
    opened: list[SessionManager] = []

    def make(**sessions: Any) -> SessionManager:
        manager = open_session_manager(sessions_config(**sessions), home=home)
        opened.append(manager)
        return manager

    yield make
    for manager in opened:
        manager.close()


@pytest.fixture
def manager(open_manager: Callable[..., SessionManager]) -> SessionManager:
    return open_manager()


@pytest.fixture
def make_runtime(sink: CaptureSink, tmp_path: Path) -> Callable[..., Runtime]:
    """A new Runtime with `runtime.sessions.enabled = true` (close it, or use `with`)."""

    def make(**sessions: Any) -> Runtime:
        return Runtime.from_config(sessions_config(**sessions), sink=sink, cwd=tmp_path)

    return make


@pytest.fixture
def session_runtime(make_runtime: Callable[..., Runtime]) -> Iterator[Runtime]:
    with make_runtime() as rt:
        yield rt


@pytest.fixture
def spell(session_runtime: Runtime) -> Callable[[str], Any]:
    """Run Lua in the session runtime: one value, a list for several, None for none."""

    def run(code: str) -> Any:
        values = session_runtime.run_code(code)
        if not values:
            return None
        return values[0] if len(values) == 1 else values

    return run
