"""Runtimes for the utility tools: `box` is the only allowed path; `outside` holds a secret."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def allowed_dir(box: Path) -> Path:
    return box


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
