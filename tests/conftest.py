"""Shared fixtures: a temporary llmspell home for every test, engines, runtimes and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakes import FakeProviderServer
from llmspell.bridge.lua.engine import EngineOptions, LuaEngine
from llmspell.core.output import CaptureSink
from llmspell.runtime import Runtime

PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GROQ_API_KEY",
    "OLLAMA_HOST",
    "OLLAMA_BASE_URL",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test reads the real home, config files or provider keys."""
    base = tmp_path_factory.mktemp("env")
    for name in list(os.environ):
        if name.startswith("LLMSPELL_") or name in PROVIDER_ENV:
            monkeypatch.delenv(name)
    monkeypatch.setenv("LLMSPELL_HOME", str(base / "llmspell-home"))
    monkeypatch.setenv("HOME", str(base / "user"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "xdg"))
    (base / "user").mkdir()
    return base


@pytest.fixture
def sink() -> CaptureSink:
    return CaptureSink()


@pytest.fixture
def make_engine(sink: CaptureSink) -> Callable[..., LuaEngine]:
    """A fresh engine per call, writing into `sink`."""

    def make(**options: object) -> LuaEngine:
        return LuaEngine(EngineOptions(**options), sink=sink)  # type: ignore[arg-type]

    return make


@pytest.fixture
def lua(make_engine: Callable[..., LuaEngine]) -> LuaEngine:
    return make_engine()


@pytest.fixture
def runtime(sink: CaptureSink, tmp_path: Path) -> Iterator[Runtime]:
    with Runtime.from_config(sink=sink, cwd=tmp_path) as rt:
        yield rt


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., CliResult]:
    """Run the real `llmspell` command in a subprocess (cwd: a temporary folder)."""

    def run(
        *args: str,
        input: str | None = None,
        cwd: Path | None = None,
        timeout: float = 60,
        env: dict[str, str] | None = None,
    ) -> CliResult:
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "llmspell.cli.main", *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd or tmp_path,
            timeout=timeout,
            env=full_env,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


# --- fake LLM provider server (tests/fakes/, API in tests/fakes/README.md) ----------------------


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeProviderServer]:
    """One fake OpenAI/Anthropic/Ollama server on 127.0.0.1 for the whole session."""
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake_llm(fake_llm_server: FakeProviderServer) -> Iterator[FakeProviderServer]:
    """The session's fake provider server, reset (queues, faults, log) for this test."""
    fake_llm_server.reset()
    yield fake_llm_server
    errors = list(fake_llm_server.handler_errors)
    fake_llm_server.reset()
    if errors:
        message = f"the fake_llm server failed while answering: {errors!r}"
        raise AssertionError(message) from errors[0]
