"""Fixtures of the data tools: a runtime whose file tools may use only the test's folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def allowed_dir(tmp_path: Path) -> Path:
    return tmp_path / "work"


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
