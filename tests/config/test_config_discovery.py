"""Which file is read: explicit path, LLMSPELL_CONFIG, the home config, project and user files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from llmspell.config import candidate_paths, llmspell_home, load_config
from llmspell.core.errors import ConfigError

Write = Callable[..., Path]


def _timeout(seconds: int) -> str:
    return f"[runtime]\nscript_timeout_seconds = {seconds}\n"


def test_llmspell_home_from_env_or_default(home: Path, user_home: Path) -> None:
    assert llmspell_home() == home
    assert llmspell_home({"HOME": str(user_home)}) == user_home / ".llmspell"
    assert llmspell_home({"LLMSPELL_HOME": str(user_home / "h")}) == user_home / "h"
    assert not home.exists()


def test_explicit_path_is_used(write: Write) -> None:
    path = write(_timeout(11), name="custom.toml")
    write(_timeout(22))
    loaded = load_config(path)
    assert loaded.source == path
    assert loaded.config.runtime.script_timeout_seconds == 11


def test_explicit_relative_path_is_relative_to_cwd(write: Write, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    write(_timeout(12), name="sub/x.toml", where=other)
    loaded = load_config("sub/x.toml", cwd=other)
    assert loaded.config.runtime.script_timeout_seconds == 12


def test_explicit_missing_path_is_an_error(work: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config("missing.toml")
    assert str(work / "missing.toml") in str(info.value)
    assert info.value.exit_code == 2


def test_explicit_directory_is_an_error(work: Path) -> None:
    with pytest.raises(ConfigError, match="directory"):
        load_config(work)


def test_llmspell_config_env_var(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(_timeout(13), name="from-env.toml")
    write(_timeout(22))
    monkeypatch.setenv("LLMSPELL_CONFIG", str(path))
    loaded = load_config()
    assert loaded.source == path
    assert loaded.config.runtime.script_timeout_seconds == 13


def test_llmspell_config_env_var_missing_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSPELL_CONFIG", "/nowhere/llmspell.toml")
    with pytest.raises(ConfigError) as info:
        load_config()
    assert "/nowhere/llmspell.toml" in str(info.value)
    assert "LLMSPELL_CONFIG" in str(info.value)


def test_explicit_path_beats_llmspell_config(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSPELL_CONFIG", str(write(_timeout(1), name="env.toml")))
    assert (
        load_config(write(_timeout(2), name="arg.toml")).config.runtime.script_timeout_seconds == 2
    )


def _locations(home: Path, work: Path, user: Path, xdg: Path) -> list[Path]:
    return [
        home / "config.toml",
        work / "llmspell.toml",
        work / ".llmspell.toml",
        work / "config" / "llmspell.toml",
        work / ".config" / "llmspell.toml",
        user / ".llmspell.toml",
        user / ".config" / "llmspell.toml",
        xdg / "llmspell" / "config.toml",
    ]


def test_candidate_order(home: Path, work: Path, user_home: Path, tmp_path: Path) -> None:
    import os

    expected = _locations(home, work, user_home, tmp_path / "xdg")
    assert candidate_paths(os.environ, work) == expected


@pytest.mark.parametrize("index", range(8))
def test_each_location_is_found_and_earlier_ones_win(
    index: int, home: Path, work: Path, user_home: Path, tmp_path: Path
) -> None:
    locations = _locations(home, work, user_home, tmp_path / "xdg")
    for position in range(index, len(locations)):
        path = locations[position]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_timeout(100 + position), encoding="utf-8")
    loaded = load_config()
    assert loaded.source == locations[index]
    assert loaded.config.runtime.script_timeout_seconds == 100 + index


def test_xdg_default_is_dot_config(monkeypatch: pytest.MonkeyPatch, user_home: Path) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    path = user_home / ".config" / "llmspell" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(_timeout(7), encoding="utf-8")
    assert load_config().source == path


def test_env_mapping_and_cwd_parameters_replace_the_process_ones(
    write: Write, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    write(_timeout(31), where=project)
    env = {"HOME": str(tmp_path / "nobody"), "LLMSPELL_SCRIPT_TIMEOUT_SECONDS": "32"}
    loaded = load_config(env=env, cwd=project)
    assert loaded.source == project / "llmspell.toml"
    assert loaded.config.runtime.script_timeout_seconds == 32
    assert loaded.home == tmp_path / "nobody" / ".llmspell"
