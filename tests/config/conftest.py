"""Each config test gets a fresh home, user dir and working directory, and no LLMSPELL_* vars."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The llmspell home; HOME, XDG_CONFIG_HOME and the cwd are temporary directories too."""
    for name in list(os.environ):
        if name.startswith("LLMSPELL_"):
            monkeypatch.delenv(name)
    llmspell_home = tmp_path / "llmspell-home"
    user_home = tmp_path / "user"
    work = tmp_path / "work"
    for directory in (user_home, work):
        directory.mkdir()
    monkeypatch.setenv("LLMSPELL_HOME", str(llmspell_home))
    monkeypatch.setenv("HOME", str(user_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(work)
    return llmspell_home


@pytest.fixture
def user_home(home: Path) -> Path:
    return home.parent / "user"


@pytest.fixture
def work(home: Path) -> Path:
    return home.parent / "work"


@pytest.fixture
def write(work: Path) -> Callable[..., Path]:
    """`write(text, name="llmspell.toml", where=work)`: a config file, parents created."""

    def _write(text: str, name: str = "llmspell.toml", where: Path | None = None) -> Path:
        path = (where or work) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
