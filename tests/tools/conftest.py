"""Runtimes for tool tests: `allowed_dir` is the only allowed path (a family may override it).

`server` is a real HTTP server on 127.0.0.1 with per-test routes (tests/tools/http_server.py);
`server_factory()` starts more of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from http_server import TestServer

from llmspell.config import LLMSpellConfig, apply_overrides, config_from_toml
from llmspell.runtime import Runtime
from llmspell.tools.base import ToolResult


@pytest.fixture
def allowed_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def make_rt(allowed_dir: Path, sink: Any) -> Iterator[Callable[..., Runtime]]:
    """`make_rt({"tools.x": 1})` or `make_rt(**{"tools.x": 1})`: a Runtime over allowed_dir.

    `toml=` gives config text the overrides then apply to, as a user's `llmspell.toml` would.
    """
    opened: list[Runtime] = []

    def make(overrides: dict[str, Any] | None = None, *, toml: str = "", **more: Any) -> Runtime:
        allowed_dir.mkdir(parents=True, exist_ok=True)
        cfg = apply_overrides(
            config_from_toml(toml).config if toml else LLMSpellConfig.build({}),
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


@pytest.fixture
def server_factory() -> Iterator[Callable[[], TestServer]]:
    started: list[TestServer] = []

    def start() -> TestServer:
        started.append(TestServer())
        return started[-1]

    yield start
    for one in started:
        one.close()


@pytest.fixture
def server(server_factory: Callable[[], TestServer]) -> TestServer:
    return server_factory()
