"""Web tool tests: runtimes that may reach 127.0.0.1, allowed through config as a user would.

`rt`/`invoke` (from tests/tools/conftest.py) get `[tools.http_request] allowed_hosts =
["127.0.0.1"]`, which the web_tools family honours too; `web_rt` allows it through
`[tools.web_tools] allowed_hosts` instead. `make_web_rt(overrides)` and
`make_web_tools_rt(overrides)` build one of each with more overrides. `server` and
`server_factory` (tests/tools/conftest.py) start real HTTP servers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from llmspell.runtime import Runtime

LOCAL = {"tools.http_request.allowed_hosts": ["127.0.0.1"]}
WEB_LOCAL = {"tools.web_tools.allowed_hosts": ["127.0.0.1"]}


@pytest.fixture
def make_web_rt(make_rt: Callable[..., Runtime]) -> Callable[..., Runtime]:
    """A runtime allowing 127.0.0.1 (`tools.http_request.allowed_hosts`), plus `overrides`."""

    def make(overrides: dict[str, Any] | None = None, **more: Any) -> Runtime:
        return make_rt({**LOCAL, **(overrides or {}), **more})

    return make


@pytest.fixture
def rt(make_web_rt: Callable[..., Runtime]) -> Runtime:
    return make_web_rt()


@pytest.fixture
def make_web_tools_rt(make_rt: Callable[..., Runtime]) -> Callable[..., Runtime]:
    """A runtime allowing 127.0.0.1 (`tools.web_tools.allowed_hosts`), plus `overrides`."""

    def make(overrides: dict[str, Any] | None = None, **more: Any) -> Runtime:
        return make_rt({**WEB_LOCAL, **(overrides or {}), **more})

    return make


@pytest.fixture
def web_rt(make_web_tools_rt: Callable[..., Runtime]) -> Runtime:
    return make_web_tools_rt()
