"""file_watcher in a thread while the test changes real files."""

from __future__ import annotations

import threading
import time

import pytest

from llmspell.core.errors import PathNotAllowed, ToolParameterError

WATCH = "file_watcher"


def watch_while(invoke, actions, **params):
    """Run a watch in a thread, do `actions()` meanwhile, and return the result."""
    done: dict = {}
    params.setdefault("poll_interval_ms", 20)
    thread = threading.Thread(target=lambda: done.setdefault("r", invoke(WATCH, **params)))
    thread.start()
    time.sleep(0.15)
    actions()
    thread.join(timeout=10)
    return done["r"]


def pause():
    time.sleep(0.08)


def put(path, text, stage):
    """Write a file in one step (staged in `stage`, outside the watched folder, then renamed
    in), so a poll never sees it half written."""
    staged = stage / f".stage-{path.name}"
    staged.write_text(text)
    staged.replace(path)


def test_created_modified_deleted_and_moved(invoke, box, tmp_path):
    (box / "existing.txt").write_text("v1")
    (box / "gone.txt").write_text("bye")
    (box / "a.txt").write_text("moving")

    def actions():
        put(box / "new.txt", "hello", tmp_path)
        pause()
        put(box / "existing.txt", "version two", tmp_path)
        pause()
        (box / "gone.txt").unlink()
        pause()
        (box / "a.txt").rename(box / "b.txt")

    started = time.monotonic()
    result = watch_while(invoke, actions, input=[str(box)], duration_seconds=5, max_events=4)
    assert time.monotonic() - started < 3  # max_events ended the watch early
    events = {e["event_type"]: e for e in result.result["events"]}
    assert set(events) == {"created", "modified", "deleted", "moved"}
    assert events["created"]["path"] == str(box / "new.txt")
    assert events["modified"]["path"] == str(box / "existing.txt")
    assert events["deleted"]["path"] == str(box / "gone.txt")
    assert events["moved"]["path"] == str(box / "b.txt")
    assert events["moved"]["old_path"] == str(box / "a.txt")
    assert (
        events["created"]["timestamp"].endswith("+00:00") and events["created"]["is_dir"] is False
    )
    assert result.result["event_count"] == 4 and result.text == "Captured 4 file events"


def test_pattern_and_recursion(invoke, box, tmp_path):
    (box / "sub").mkdir()

    def actions():
        for name in ("app.log", "notes.txt", "sub/deep.log"):
            put(box / name, "x", tmp_path)

    logs = watch_while(invoke, actions, path=str(box), pattern="*.log", duration_seconds=0.5)
    assert sorted(e["path"] for e in logs.result["events"]) == [
        str(box / "app.log"),
        str(box / "sub/deep.log"),
    ]

    def more():
        put(box / "top.txt", "x", tmp_path)
        put(box / "sub/hidden.txt", "x", tmp_path)

    flat = watch_while(invoke, more, paths=[str(box)], recursive=False, timeout_ms=500)
    assert [e["path"] for e in flat.result["events"]] == [str(box / "top.txt")]


def test_a_single_file_that_appears_later(invoke, box, tmp_path):
    def actions():
        put(box / "later.txt", "here", tmp_path)

    result = watch_while(invoke, actions, input=str(box / "later.txt"), duration_seconds=0.5)
    assert [(e["type"], e["path"]) for e in result.result["events"]] == [
        ("created", str(box / "later.txt"))
    ]


def test_the_window_is_bounded_by_the_tool_timeout(make_rt, box):
    invoke = make_rt({"tools.timeout_seconds": 1}).tools.invoke
    started = time.monotonic()
    result = invoke(WATCH, {"input": [str(box)], "duration_seconds": 120, "poll_interval_ms": 50})
    assert 0.9 <= time.monotonic() - started < 2
    assert result.result["events"] == [] and result.result["duration_seconds"] <= 1.2
    config = invoke(WATCH, {"operation": "config"}).result
    assert config["max_timeout"] == 1


def test_refusals_and_bad_parameters(invoke, box, outside):
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(WATCH, input=[str(outside)], duration_seconds=0.1)
    with pytest.raises(PathNotAllowed):
        invoke(WATCH, input=[str(box / ".." / "outside")], duration_seconds=0.1)
    (box / "door").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PathNotAllowed):
        invoke(WATCH, input=[str(box / "door")], duration_seconds=0.1)
    with pytest.raises(ToolParameterError, match="parameter 'input'"):
        invoke(WATCH, duration_seconds=0.1)
    with pytest.raises(ToolParameterError, match="parameter 'duration_seconds'"):
        invoke(WATCH, input=[str(box)], duration_seconds=-1)


def test_from_lua(rt, box):
    values = rt.run_code(
        f'local r = Tool.invoke("file_watcher", {{input={{"{box}"}}, timeout_ms=100}}) '
        "return r.result.event_count, r.operation"
    )
    assert values == [0, "watch"]
