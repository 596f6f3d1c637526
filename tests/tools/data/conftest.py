"""Fixtures of the data tools: a runtime whose file tools may use only the test's folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmspell.config import LLMSpellConfig, apply_overrides
from llmspell.runtime import Runtime


@pytest.fixture
def make_rt(tmp_path: Path, sink: Any) -> Iterator[Callable[..., Runtime]]:
    """Build a runtime with `tmp_path/work` as the only allowed folder, plus dotted overrides."""
    opened: list[Runtime] = []

    def make(**overrides: Any) -> Runtime:
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        cfg = apply_overrides(
            LLMSpellConfig.build({}),
            {"tools.file_operations.allowed_paths": [str(work)], **overrides},
        )
        runtime = Runtime.from_config(cfg, sink=sink, cwd=work)
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        runtime.close()


@pytest.fixture
def rt(make_rt: Callable[..., Runtime]) -> Runtime:
    return make_rt()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The allowed folder."""
    folder = tmp_path / "work"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the allowed one, which the tools may not read."""
    folder = tmp_path / "outside"
    folder.mkdir(exist_ok=True)
    return folder
