"""JSON, ARGS/arg, Debug, Logger and Config as spells see them: real Lua code through a Runtime."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from llmspell import Runtime, ScriptError
from llmspell.config import load_config
from llmspell.core.output import CaptureSink


def run(runtime: Runtime, code: str, *argv: str) -> object:
    """The spell's return value: one value, a list for several, None for none."""
    values = runtime.run_code(code, argv=list(argv))
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def error_of(runtime: Runtime, code: str) -> str:
    with pytest.raises(ScriptError) as info:
        runtime.run_code(code)
    return str(info.value)


# JSON ---------------------------------------------------------------------------------------


def test_stringify_is_compact_with_sorted_keys(runtime):
    text = run(runtime, 'return JSON.stringify({zeta = 1, alpha = {2, 3}, mid = "m"})')
    assert text == '{"alpha":[2,3],"mid":"m","zeta":1}'


@pytest.mark.parametrize("opts", ["true", "{pretty = true}", "2", "{indent = 2}"])
def test_stringify_pretty_forms(runtime, opts):
    text = run(runtime, f"return JSON.stringify({{b = 1, a = {{c = true}}}}, {opts})")
    assert text == '{\n  "a": {\n    "c": true\n  },\n  "b": 1\n}'


def test_stringify_value_rules(runtime):
    values = run(
        runtime,
        "return JSON.stringify({}), JSON.stringify({1, 2.5, 3.0}), JSON.stringify('é\\n'),"
        " JSON.stringify(0/0), JSON.stringify(nil), JSON.stringify(false)",
    )
    assert values == ["{}", "[1,2.5,3.0]", '"é\\n"', "null", "null", "false"]


def test_parse_gives_lua_values_with_integers_and_floats_apart(runtime):
    code = """
    local v = JSON.parse('{"n": 1, "f": 1.0, "s": "x", "list": [1, null, 3], "t": true, "z": null}')
    return math.type(v.n), math.type(v.f), v.s, v.list[1], v.list[2], v.list[3], v.t, v.z
    """
    assert run(runtime, code) == ["integer", "float", "x", 1, None, 3, True, None]


def test_round_trip_through_parse_and_stringify(runtime):
    document = {"name": "spell", "tags": ["a", "b"], "nested": {"k": [1, {"deep": False}]}}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    assert run(runtime, f"return JSON.stringify(JSON.parse([[{text}]]))") == text


def test_encode_and_decode_aliases_and_both_call_styles(runtime):
    values = run(
        runtime, 'return JSON.encode({a = 1}), JSON:stringify({a = 1}), JSON.decode("[1]")'
    )
    assert values == ['{"a":1}', '{"a":1}', [1]]


def test_json_errors_are_catchable_and_say_what_was_wrong(runtime):
    code = """
    local ok1, e1 = pcall(JSON.parse, "{bad")
    local ok2, e2 = pcall(JSON.stringify, {f = function() end})
    local ok3, e3 = pcall(JSON.parse, 42)
    local ok4, e4 = pcall(JSON.stringify, {}, "loud")
    local ok5, e5 = pcall(JSON.parse)
    return ok1, e1, ok2, e2, ok3, e3, ok4, e4, ok5, e5
    """
    ok1, e1, ok2, e2, ok3, e3, ok4, e4, ok5, e5 = run(runtime, code)
    assert not (ok1 or ok2 or ok3 or ok4 or ok5)
    assert e5 == "JSON.parse: expected a string, got nil"
    assert e1.startswith("JSON parse error at line 1 column 2")
    assert e2 == "JSON.stringify: cannot encode a function"
    assert e3 == "JSON.parse: expected a string, got number"
    assert "second argument must be true (pretty)" in e4


def test_an_uncaught_json_error_names_the_line(runtime):
    message = error_of(runtime, 'local x = 1\nlocal v = JSON.parse("nope")\nreturn v')
    assert message.startswith("exec:2: JSON parse error")


# ARGS and arg -------------------------------------------------------------------------------


def test_args_and_arg_for_a_spell_file(runtime, tmp_path):
    spell = tmp_path / "args.lua"
    spell.write_text(
        "return ARGS[0], ARGS[1], ARGS['1'], ARGS.name, ARGS.flag, arg[0], arg[1], #arg,"
        " select('#', ...)"
    )
    values = runtime.run_file(spell, ["pos", "--name", "n", "--flag"])
    assert values == ["args.lua", "pos", "pos", "n", "true", str(spell), "pos", 4, 4]


def test_args_for_inline_code_and_key_equals_value(runtime):
    values = run(runtime, "return ARGS[0], ARGS.k, ARGS[1], arg[0], ...", "--k=v", "x")
    assert values == ["exec", "v", "x", "exec", "--k=v", "x"]


def test_args_are_replaced_on_each_run(runtime):
    assert run(runtime, "return ARGS[1]", "first") == "first"
    assert run(runtime, "return ARGS[1], #arg") == [None, 0]


# Debug --------------------------------------------------------------------------------------


def test_debug_levels_gate_messages_which_go_to_stderr(runtime, sink):
    code = """
    Debug.debug("hidden at info")
    Debug.info("shown at info", "app.main")
    local before = Debug.getLevel()
    Debug.setLevel("debug")
    Debug.debug("shown at debug")
    return before, Debug.getLevel(), Debug.setLevel("shouting")
    """
    assert run(runtime, code) == ["info", "debug", False]
    assert sink.stdout_text == ""
    lines = sink.stderr_text.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("INFO  [app.main] shown at info")
    assert lines[1].endswith("DEBUG shown at debug")


def test_debug_module_filters(runtime, sink):
    code = """
    Debug.addModuleFilter("net", false)
    Debug.info("dropped", "net.http")
    Debug.info("kept", "db")
    Debug.addModuleFilter("net.dns", true)
    Debug.info("re-enabled", "net.dns")
    local summary = Debug.getFilterSummary()
    local removed = Debug.removeModuleFilter("net")
    Debug.info("back", "net.http")
    return summary.total_rules, removed
    """
    assert run(runtime, code) == [2, True]
    text = sink.stderr_text
    assert "dropped" not in text
    assert "[db] kept" in text
    assert "[net.dns] re-enabled" in text
    assert "[net.http] back" in text


def test_debug_captured_entries(runtime):
    code = """
    Debug.warn("first", "mod")
    Debug.logWithData("info", "second", {n = 1})
    local all = Debug.getCapturedEntries()
    local last = Debug.getCapturedEntries(1)
    Debug.clearCaptured()
    return all, last, #Debug.getCapturedEntries()
    """
    entries, last, after_clear = run(runtime, code)
    assert [(e["level"], e["message"]) for e in entries] == [("warn", "first"), ("info", "second")]
    assert entries[0]["module"] == "mod"
    assert entries[1]["metadata"] == {"n": 1}
    assert isinstance(entries[0]["timestamp"], float)
    assert [e["message"] for e in last] == ["second"]
    assert after_clear == 0


def test_debug_timers_and_reports(runtime):
    code = """
    local t = Debug.timer("work")
    local x = 0
    for i = 1, 1000 do x = x + i end
    t:lap("half")
    local running = t:elapsed()
    local ms = t.stop()
    return t.id, t.name, math.type(ms), ms >= 0, running >= 0, Debug.performanceReport(),
      Debug.jsonReport()
    """
    timer_id, name, kind, non_negative, elapsed_ok, report, json_report = run(runtime, code)
    assert (name, kind, non_negative, elapsed_ok) == ("work", "float", True, True)
    assert isinstance(timer_id, str) and timer_id
    assert "work" in report
    parsed = json.loads(json_report)
    assert parsed["total_timers"] == 1
    assert parsed["timers"][0]["laps"][0]["name"] == "half"


def test_debug_dumps_return_strings(runtime, sink):
    code = """
    return Debug.dump({a = 1, list = {1, 2}}), Debug.dumpCompact({1, 2, x = "y"}),
      Debug.dump("text", "label"), Debug.dumpWithOptions({a = {b = {c = 1}}}, {max_depth = 1})
    """
    full, compact, labelled, shallow = run(runtime, code)
    assert "a = 1 (integer)" in full
    assert "[1] = 1 (integer)" in full
    assert compact == '{[1] = 1, [2] = 2, x = "y"}'
    assert labelled.startswith("label: ")
    assert "..." in shallow
    assert sink.stdout_text == "" and sink.stderr_text == ""


def test_debug_stack_trace_from_inside_lua_functions(runtime, tmp_path):
    spell = tmp_path / "stack.lua"
    spell.write_text(
        "local function innermost()\n"
        "  local trace = Debug.stackTrace()\n"
        "  return trace\n"
        "end\n"
        "function outer_global()\n"
        "  local trace = innermost()\n"
        "  return trace\n"
        "end\n"
        "local trace = outer_global()\n"
        "local as_json = Debug.stackTraceJson()\n"
        "return trace, as_json\n"
    )
    trace, as_json = runtime.run_file(spell)
    lines = trace.splitlines()
    assert lines[0] == "Stack trace (3 frames):"
    assert "innermost" in lines[1] and f"{spell.name}:2" in lines[1]
    assert "outer_global" in lines[2] and f"{spell.name}:6" in lines[2]
    assert "main chunk" in lines[3] and f"{spell.name}:9" in lines[3]
    frames = json.loads(as_json)["frames"]
    assert [(f["function"], f["line"]) for f in frames] == [("main chunk", 10)]


def test_debug_stack_trace_with_locals(runtime):
    code = """
    local function f(secret_number)
      local tag = "t"
      local trace = Debug.stackTrace({capture_locals = true, max_depth = 1})
      return trace
    end
    return f(42)
    """
    trace = run(runtime, code)
    assert "Stack trace (1 frame)" in trace
    assert "secret_number" in trace and "42" in trace
    assert 'tag = "t"' in trace


def test_debug_memory_stats_track_the_lua_heap(runtime):
    code = """
    collectgarbage("collect")
    local before = Debug.memoryStats()
    keep = {}
    for i = 1, 20000 do keep[i] = "item " .. i end
    local after = Debug.memoryStats()
    return before, after
    """
    before, after = run(runtime, code)
    assert set(before) >= {"used_bytes", "allocated_bytes", "resident_bytes", "collections"}
    assert before["used_bytes"] > 0
    assert after["used_bytes"] > before["used_bytes"]


def test_debug_bad_arguments_are_clear_errors(runtime):
    message = error_of(runtime, 'Debug.log("shouting", "x")')
    assert "Unknown log level 'shouting'" in message
    message = error_of(runtime, 'Debug.stackTrace("deep")')
    assert "Debug.stackTrace options must be a table, got string" in message


# Logger -------------------------------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [f"{r.levelname} {r.name} {r.getMessage()}" for r in self.records]


@pytest.fixture
def records():
    parent = logging.getLogger("llmspell")
    handler, old_level = Records(), parent.level
    parent.addHandler(handler)
    parent.setLevel(logging.INFO)
    yield handler
    parent.removeHandler(handler)
    parent.setLevel(old_level)


def test_logger_writes_to_the_process_log_not_to_stdout(runtime, sink, records):
    run(runtime, 'Logger.info("started", {job = "x", n = 2}) Logger.debug("too quiet")')
    assert records.lines() == ["INFO llmspell.script started job=x n=2"]
    assert records.records[0].script_data == {"job": "x", "n": 2}
    assert sink.stdout_text == ""


def test_logger_levels_children_and_bad_levels(runtime, records):
    code = """
    local child = Logger.child("worker")
    child.warn("from the child")
    Logger.setLevel("error")
    Logger.warn("now hidden")
    child:warn("hidden in the child too")
    Logger.error("still shown")
    Logger.log("error", "by name")
    local ok, err = pcall(Logger.log, "loud", "x")
    return child.name, Logger.getLevel(), ok, err
    """
    name, level, ok, err = run(runtime, code)
    assert name == "llmspell.script.worker"
    assert level == "error"
    assert ok is False and "Unknown log level 'loud'" in err
    assert records.lines() == [
        "WARNING llmspell.script.worker from the child",
        "ERROR llmspell.script still shown",
        "ERROR llmspell.script by name",
    ]


# Config -------------------------------------------------------------------------------------

CONFIG = """\
[providers]
default_provider = "openai"

[providers.openai]
api_key = "sk-test-0123456789abcdef"
default_model = "gpt-4o-mini"

[providers.providers.local]
provider_type = "openai"
base_url = "http://localhost:8000/v1"

[runtime]
script_timeout_seconds = 77

[tools.file_operations]
allowed_paths = ["{allowed}"]
"""


@pytest.fixture
def configured(tmp_path: Path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    path = tmp_path / "llmspell.toml"
    path.write_text(CONFIG.format(allowed=allowed), encoding="utf-8")
    loaded = load_config(path, cwd=tmp_path)
    with Runtime.from_config(loaded, sink=CaptureSink(), cwd=tmp_path) as runtime:
        yield runtime, path, allowed


def test_config_get_and_sections(configured):
    runtime, path, _ = configured
    code = """
    local runtime_section = Config.getSection("runtime")
    return Config.get("runtime.script_timeout_seconds"), Config.get("no.such.key"),
      runtime_section.script_timeout_seconds, Config.get("engines.lua").security_level,
      Config.getSource(), Config.getDefaultProvider()
    """
    assert run(runtime, code) == [77, None, 77, "safe", str(path), "openai"]
    message = error_of(runtime, 'Config.getSection("nope")')
    assert "Config.getSection: no section 'nope'; known sections:" in message
    assert "runtime" in message


def test_config_providers_with_secrets_redacted(configured):
    runtime, _, _ = configured
    code = """
    return Config.listProviders(), Config.getProvider("openai"), Config.getProvider("absent"),
      Config.get("providers.openai.api_key")
    """
    names, openai, absent, raw_key = run(runtime, code)
    assert names == ["local", "openai"]
    assert openai["default_model"] == "gpt-4o-mini"
    assert openai["provider_type"] == "openai"
    assert openai["api_key"].startswith("***")
    assert "sk-test-0123" not in openai["api_key"]
    assert absent is None
    assert "sk-test-0123" not in raw_key


def test_config_to_json_is_sorted_and_redacted(configured):
    runtime, _, _ = configured
    compact, pretty = run(runtime, "return Config.toJson(), Config.toJson(true)")
    assert "sk-test-0123" not in compact + pretty
    data = json.loads(compact)
    assert list(data) == sorted(data)
    assert data["runtime"]["script_timeout_seconds"] == 77
    assert json.loads(pretty) == data
    assert "\n  " in pretty


def test_config_file_access_follows_the_sandbox(configured, tmp_path):
    runtime, _, allowed = configured
    code = f"""
    return Config.isFileAccessAllowed("{tmp_path / "notes.txt"}"),
      Config.isFileAccessAllowed("{allowed / "out.txt"}", "w"),
      Config.isFileAccessAllowed("{tmp_path / "out.txt"}", "w"),
      Config.isFileAccessAllowed("/etc/passwd")
    """
    assert run(runtime, code) == [True, True, False, False]
    message = error_of(runtime, 'Config.isFileAccessAllowed("x", "append")')
    assert "mode must be 'r' or 'w'" in message


def test_config_network_access(configured):
    runtime, _, _ = configured
    code = """
    return Config.isNetworkAccessAllowed(), Config.isNetworkAccessAllowed("example.com"),
      Config.isNetworkAccessAllowed("127.0.0.1"), Config.isNetworkAccessAllowed("10.1.2.3")
    """
    assert run(runtime, code) == [True, True, False, False]


def test_config_network_access_off(tmp_path):
    path = tmp_path / "off.toml"
    path.write_text("[runtime.security]\nallow_network_access = false\n", encoding="utf-8")
    with Runtime.from_config(load_config(path, cwd=tmp_path), sink=CaptureSink()) as runtime:
        code = 'return Config.isNetworkAccessAllowed(), Config.isNetworkAccessAllowed("a.com")'
        assert run(runtime, code) == [False, False]


def test_config_is_read_only_from_a_spell(configured):
    runtime, _, _ = configured
    code = """
    local section = Config.getSection("runtime")
    section.script_timeout_seconds = 1
    return Config.get("runtime.script_timeout_seconds"), Config.getPermissions().modify_runtime
    """
    assert run(runtime, code) == [77, False]


def test_defaults_without_a_file(runtime):
    values = run(runtime, "return Config.getSource(), Config.listProviders(), Config.toJson()")
    source, providers, text = values
    assert source is None
    assert providers == {} or providers == []
    assert json.loads(text)["runtime"]["script_timeout_seconds"] == 300
