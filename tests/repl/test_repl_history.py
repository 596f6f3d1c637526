"""The history file: loaded at start, size-limited, owner-only, one line per entry."""

from __future__ import annotations

import stat

from llmspell.repl import History


def test_round_trip_through_the_file(tmp_path):
    path = tmp_path / "sub" / "repl_history"
    history = History.open(path)
    assert history.entries == []
    for line in ["x = 1", "x = 1", "", "   ", "print(x)"]:
        history.add(line)
    history.save()
    assert path.read_text() == "x = 1\nprint(x)\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert History.open(path).entries == ["x = 1", "print(x)"]


def test_only_the_newest_entries_are_kept(tmp_path):
    path = tmp_path / "h"
    history = History(path, max_entries=3)
    for i in range(5):
        history.add(f"x = {i}")
    history.save()
    assert History.open(path, max_entries=3).entries == ["x = 2", "x = 3", "x = 4"]
    path.write_text("".join(f"{i}\n" for i in range(10)))
    assert History.open(path, max_entries=4).entries == ["6", "7", "8", "9"]


def test_recent_numbers_entries(tmp_path):
    history = History()
    for line in ["a", "b", "c"]:
        history.add(line)
    assert history.recent(2) == [(2, "b"), (3, "c")]
    assert history.recent() == [(1, "a"), (2, "b"), (3, "c")]


def test_without_a_path_nothing_is_written(tmp_path):
    history = History(None)
    history.add("x = 1")
    history.save()
    assert list(tmp_path.iterdir()) == []


def test_an_unusable_path_is_a_warning_not_a_failure(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    history = History.open(blocker / "repl_history")
    history.add("x")
    history.save()
    assert blocker.read_text() == ""
