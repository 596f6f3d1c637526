import re
from datetime import datetime

import pytest

from llmspell.core.errors import ValidationError
from llmspell.diagnostics import DebugLog, Level, LogEntry, format_line, parse_level

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (\w+)\s+(\[[^\]]+\] )?(.*)$")


def make(level="info", **kw):
    out: list[str] = []
    return DebugLog(level, sink=out.append, **kw), out


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("off", Level.OFF),
        ("none", Level.OFF),
        ("0", Level.OFF),
        ("ERR", Level.ERROR),
        ("warning", Level.WARN),
        ("2", Level.WARN),
        ("Info", Level.INFO),
        (4, Level.DEBUG),
        ("trace", Level.TRACE),
        (5.0, Level.TRACE),
    ],
)
def test_level_aliases(name, level):
    assert parse_level(name) is level


@pytest.mark.parametrize("bad", ["loud", "", 6, -1, True, None, 2.5])
def test_unknown_levels_parse_to_none(bad):
    assert parse_level(bad) is None


def test_bad_level_in_constructor_names_the_choices():
    with pytest.raises(ValidationError, match="warn\\|warning\\|2"):
        DebugLog("verbose")


def test_entries_below_the_level_are_neither_printed_nor_captured():
    log, out = make("info")
    assert log.log(Level.INFO, "shown", "app")
    assert not log.log(Level.DEBUG, "hidden", "app")
    assert [e.message for e in log.entries()] == ["shown"]
    assert len(out) == 1 and "shown" in out[0]


def test_console_line_format():
    log, out = make("trace", wall_clock=lambda: datetime(2024, 5, 6, 7, 8, 9, 123456).timestamp())
    log.log(Level.WARN, "disk low", "store.sqlite")
    log.log(Level.INFO, "plain")
    assert out[0] == "2024-05-06 07:08:09.123 WARN  [store.sqlite] disk low\n"
    assert out[1] == "2024-05-06 07:08:09.123 INFO  plain\n"
    m = LINE.match(out[0].rstrip("\n"))
    assert m and m.group(1) == "WARN"


def test_colour_only_when_asked():
    entry = LogEntry(timestamp=0.0, level=Level.ERROR, message="boom")
    assert "\x1b[" not in format_line(entry)
    assert "\x1b[31mERROR\x1b[0m" in format_line(entry, colored=True)


def test_metadata_is_appended_as_json_and_captured():
    log, out = make()
    log.log(Level.INFO, "user", metadata={"id": 7})
    assert out[0].rstrip().endswith('user {"id": 7}')
    assert log.entries()[0].metadata == {"id": 7}


def test_disabled_log_records_nothing():
    log, out = make(enabled=False)
    assert not log.log(Level.ERROR, "x")
    assert out == [] and log.entries() == []


def test_set_level_rejects_unknown_names_without_change():
    log, _ = make("warn")
    assert log.set_level("debug") and log.level is Level.DEBUG
    assert not log.set_level("chatty")
    assert log.level is Level.DEBUG


def test_capture_buffer_is_bounded_and_limit_takes_newest():
    log, _ = make(buffer_size=3)
    for i in range(5):
        log.log(Level.INFO, f"m{i}")
    assert [e.message for e in log.entries()] == ["m2", "m3", "m4"]
    assert [e.message for e in log.entries(2)] == ["m3", "m4"]
    assert log.entries(0) == []
    log.clear_captured()
    assert log.entries() == []


def test_zero_buffer_captures_nothing_but_still_prints():
    log, out = make(buffer_size=0)
    log.log(Level.INFO, "x")
    assert log.entries() == [] and len(out) == 1


def test_captured_timestamps_are_epoch_seconds():
    log, _ = make()
    log.log(Level.INFO, "x")
    ts = log.entries()[0].timestamp
    assert isinstance(ts, float) and abs(ts - datetime.now().timestamp()) < 60


def test_file_output_appends_uncoloured_lines(tmp_path):
    path = tmp_path / "logs" / "debug.log"
    path.parent.mkdir()
    path.write_text("old\n")
    with DebugLog("info", colored=True, file=path) as log:
        log.log(Level.INFO, "to file", "m")
    lines = path.read_text().splitlines()
    assert lines[0] == "old"
    assert lines[1].endswith("INFO  [m] to file") and "\x1b" not in lines[1]


def test_file_output_without_append_truncates(tmp_path):
    path = tmp_path / "debug.log"
    path.write_text("old\n")
    with DebugLog("info", file=path, file_append=False) as log:
        log.log(Level.ERROR, "fresh")
    assert path.read_text().splitlines()[0].endswith("ERROR fresh")


class FakeMemory:
    def __init__(self):
        self.collected = 0

    def memory_used(self):
        return 4096

    def collect_garbage(self):
        self.collected += 1


def test_memory_stats_use_the_engine_and_count_collections():
    log, _ = make()
    mem = FakeMemory()
    log.collect_garbage(mem)
    stats = log.memory_stats(mem)
    assert stats.used_bytes == 4096 and stats.collections == 1 and mem.collected == 1
    assert stats.resident_bytes > 1_000_000
