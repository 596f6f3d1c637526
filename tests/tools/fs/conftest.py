"""Runtimes for the file tools: `box` is the only allowed path; `outside` holds a secret."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmspell.config import LLMSpellConfig, apply_overrides
from llmspell.runtime import Runtime
from llmspell.tools.base import ToolResult


@pytest.fixture
def box(tmp_path: Path) -> Path:
    folder = tmp_path / "box"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("top secret password\n")
    return folder


@pytest.fixture
def make_rt(box: Path, sink: Any) -> Iterator[Callable[..., Runtime]]:
    """`make_rt({"tools.x": 1})`: a Runtime whose only allowed path is `box`."""
    opened: list[Runtime] = []

    def make(overrides: dict[str, Any] | None = None) -> Runtime:
        cfg = apply_overrides(
            LLMSpellConfig.build({}),
            {"tools.file_operations.allowed_paths": [str(box)], **(overrides or {})},
        )
        rt = Runtime.from_config(cfg, sink=sink, cwd=box)
        opened.append(rt)
        return rt

    yield make
    for rt in opened:
        rt.close()


@pytest.fixture
def rt(make_rt: Callable[..., Runtime]) -> Runtime:
    return make_rt()


@pytest.fixture
def invoke(rt: Runtime) -> Callable[..., ToolResult]:
    """`invoke("file_operations", operation="read", path=...)`."""

    def call(tool: str, params: dict[str, Any] | None = None, **kw: Any) -> ToolResult:
        return rt.tools.invoke(tool, {**(params or {}), **kw})

    return call
