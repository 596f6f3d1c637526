"""Runtimes for tool tests: `allowed_dir` is the only allowed path (a family may override it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmspell.config import LLMSpellConfig, apply_overrides
from llmspell.runtime import Runtime
from llmspell.tools.base import ToolResult


@pytest.fixture
def allowed_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def make_rt(allowed_dir: Path, sink: Any) -> Iterator[Callable[..., Runtime]]:
    """`make_rt({"tools.x": 1})` or `make_rt(**{"tools.x": 1})`: a Runtime over allowed_dir."""
    opened: list[Runtime] = []

    def make(overrides: dict[str, Any] | None = None, **more: Any) -> Runtime:
        allowed_dir.mkdir(parents=True, exist_ok=True)
        cfg = apply_overrides(
            LLMSpellConfig.build({}),
            {
                "tools.file_operations.allowed_paths": [str(allowed_dir)],
                **(overrides or {}),
                **more,
            },
        )
        runtime = Runtime.from_config(cfg, sink=sink, cwd=allowed_dir)
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        runtime.close()


@pytest.fixture
def rt(make_rt: Callable[..., Runtime]) -> Runtime:
    return make_rt()


@pytest.fixture
def invoke(rt: Runtime) -> Callable[..., ToolResult]:
    """`invoke("calculator", input="1 + 1")`: the registry call scripts make, from Python."""

    def call(tool: str, params: dict[str, Any] | None = None, **kw: Any) -> ToolResult:
        return rt.tools.invoke(tool, {**(params or {}), **kw})

    return call
