"""A REPL session over a real runtime, writing into the shared capture sink."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from llmspell.config import LLMSpellConfig
from llmspell.core.output import CaptureSink
from llmspell.repl import History, ReplSession
from llmspell.runtime import Runtime


class Driver:
    """Feeds lines to a session and returns what they printed since the last call."""

    def __init__(self, session: ReplSession, sink: CaptureSink) -> None:
        self.session = session
        self.sink = sink

    def __call__(self, *lines: str) -> tuple[str, str]:
        self.sink.stdout.clear()
        self.sink.stderr.clear()
        for line in lines:
            self.session.feed(line)
        return self.sink.stdout_text, self.sink.stderr_text


@pytest.fixture
def make_session(
    sink: CaptureSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., ReplSession]]:
    """Sessions in a temporary working folder; `config` is a raw config mapping."""
    monkeypatch.chdir(tmp_path)
    opened: list[ReplSession] = []

    def make(config: dict | None = None, history: History | None = None) -> ReplSession:
        built = LLMSpellConfig.build(config or {})
        session = ReplSession(
            lambda: Runtime.from_config(built, sink=sink, cwd=tmp_path),
            sink=sink,
            history=history,
        )
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.close()


@pytest.fixture
def session(make_session: Callable[..., ReplSession]) -> ReplSession:
    return make_session()


@pytest.fixture
def drive(sink: CaptureSink) -> Callable[[ReplSession], Driver]:
    return lambda session: Driver(session, sink)


@pytest.fixture
def repl(session: ReplSession, drive: Callable[[ReplSession], Driver]) -> Driver:
    return drive(session)
