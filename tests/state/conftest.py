"""State stores on real SQLite (and the memory backend) under each test's own LLMSPELL_HOME."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmspell.config import LLMSpellConfig, llmspell_home
from llmspell.core.output import CaptureSink
from llmspell.runtime import Runtime
from llmspell.state import StateStore, open_state_store


def state_config(**state: Any) -> LLMSpellConfig:
    backup = state.pop("backup", {})
    return LLMSpellConfig.build({"runtime": {"state_persistence": {**state, "backup": backup}}})


@pytest.fixture
def home() -> Path:
    return llmspell_home()


@pytest.fixture
def open_store(home: Path) -> Iterator[Callable[..., StateStore]]:
    """Open a store on the test's home (SQLite unless told otherwise); all closed after."""
    opened: list[StateStore] = []

    def make(**state: Any) -> StateStore:
        store = open_state_store(state_config(**state), home=home)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, open_store: Callable[..., StateStore]) -> StateStore:
    """A store on each backend: the same behaviour is expected of both."""
    return open_store(backend_type=request.param)


@pytest.fixture
def sqlite_store(open_store: Callable[..., StateStore]) -> StateStore:
    return open_store()


@pytest.fixture
def make_runtime(sink: CaptureSink, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    """A Runtime with the given `runtime.state_persistence` settings; closed after."""
    made: list[Runtime] = []

    def make(**state: Any) -> Runtime:
        runtime = Runtime.from_config(state_config(**state), sink=sink, cwd=tmp_path)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()
