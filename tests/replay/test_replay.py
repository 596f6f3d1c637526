"""Session replay: record an agent answer and a tool call, replay them with the fake provider
switched off (issue #7), refuse unrecorded requests, apply modifications, compare JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import FakeProviderServer
from llmspell import Runtime
from llmspell.config.loader import config_from_toml
from llmspell.core.output import CaptureSink
from llmspell.replay import compare_json

RECORD = """
local sid = Session.create({name = "rec"})
Session.set_current(sid)
local a = Agent.builder():name("geo"):model("openai/gpt-4o-mini"):system_prompt("Be brief.")
  :build()
local r = a:execute("Capital of France?")
local t = Tool.invoke("calculator", {input = "2+2"})
Session.set_current(nil)
return sid, r.text, t.result
"""

WORK = """
function work()
  runs = (runs or 0) + 1  -- a fresh agent each run: memory would change the request
  local geo = Agent.builder():name("geo" .. runs):model("openai/gpt-4o-mini")
    :system_prompt("Be brief."):build()
  local r = geo:execute("Capital of France?")
  local t = Tool.invoke("calculator", {input = "2+2"})
  return {text = r.text, calc = t.result}
end
"""


def _runtime(tmp_path: Path, providers: str) -> Runtime:
    toml = providers + "\n[runtime.sessions]\nenabled = true\n"
    return Runtime(config_from_toml(toml), sink=CaptureSink(), cwd=tmp_path)


def _closed_port_toml(fake: FakeProviderServer) -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    text = fake.providers_toml().replace(fake.url, f"http://127.0.0.1:{port}")
    lines = []
    for line in text.splitlines():
        lines.append(line)
        if line.startswith("[providers."):
            lines += ["max_retries = 0", "timeout_seconds = 2"]
    return "\n".join(lines)


@pytest.fixture
def recorded(fake_llm: FakeProviderServer, tmp_path: Path) -> tuple[str, str, object, str]:
    fake_llm.push("Paris")
    with _runtime(tmp_path, fake_llm.providers_toml()) as rt:
        sid, text, calc = rt.run_code(RECORD)
    assert text == "Paris"
    return sid, text, calc, _closed_port_toml(fake_llm)


def test_recorded_session_replays_with_the_provider_off(recorded, tmp_path):
    sid, text, calc, offline = recorded
    with _runtime(tmp_path, offline) as rt:  # a new runtime: the recording is on disk
        assert rt.run_code(f'return Session.can_replay("{sid}")') == [True]
        meta = rt.run_code(f'return Session.get_replay_metadata("{sid}")')[0]
        assert (meta["call_count"], meta["llm_calls"], meta["tool_calls"]) == (2, 1, 1)
        assert meta["first_at"] <= meta["last_at"]
        assert rt.run_code("return Session.list_replayable()")[0] == [sid]
        # Without replay the provider is unreachable.
        with pytest.raises(Exception, match=r"(?i)connect"):
            rt.run_code(WORK + "return work()")
        out = rt.run_code(WORK + f'return Session.replay("{sid}", {{fn = work}})')[0]
        assert out["success"] is True
        assert out["result"] == {"text": text, "calc": calc}
        assert out["calls_replayed"] == 2
        # The replay itself is not recorded.
        assert rt.run_code(f'return Session.get_replay_metadata("{sid}")')[0]["call_count"] == 2
        # The Replay global with a config object, simulate mode.
        sim = rt.run_code(
            WORK
            + f'return Replay.replay("{sid}", work, Replay.create_config(Replay.modes.simulate))'
        )[0]
        assert sim["mode"] == "simulate" and sim["result"]["text"] == text


TOOL_LOOP = """
runs = (runs or 0) + 1
local a = Agent.builder():name("calc" .. runs):model("openai/gpt-4o-mini")
  :system_prompt("Use the calculator."):allow_tool("calculator"):build()
local r = a:execute("What is 6*7?")
local calls = {}
for i, c in ipairs(r.tool_calls or {}) do
  calls[i] = {name = c.name, arguments = c.arguments, output = c.output, success = c.success}
end
return {text = r.text, calls = calls}
"""


def test_agent_tool_loop_replays_with_the_provider_off(fake_llm, tmp_path):
    fake_llm.push_tool_call("calculator", {"input": "6*7"})
    fake_llm.push("It is 42.")
    with _runtime(tmp_path, fake_llm.providers_toml()) as rt:
        sid = rt.run_code(
            'local sid = Session.create({name = "loop"}) Session.set_current(sid) return sid'
        )[0]
        first = rt.run_code(TOOL_LOOP)[0]
        rt.run_code("Session.set_current(nil)")
    assert first["text"] == "It is 42."
    assert [c["name"] for c in first["calls"]] == ["calculator"]
    assert "42" in str(first["calls"][0]["output"]) and first["calls"][0]["success"] is True
    assert len(fake_llm.requests) == 2
    offline = _closed_port_toml(fake_llm)
    with _runtime(tmp_path, offline) as rt:
        calls = rt.run_code(f'return Session.replay("{sid}")')[0]["result"]
        assert calls[0]["tool_calls"][0]["name"] == "calculator"
        code = "function work()\n" + TOOL_LOOP + "\nend\n"
        out = rt.run_code(code + f'return Session.replay("{sid}", {{fn = work}})')[0]
        assert out["success"] is True, out["error"]
        assert out["result"] == first
        assert out["calls_replayed"] == 3 and out["calls_unused"] == 0
        assert not out["differences"] and out["identical"] is True
        # Spell code replays the same way, and simulate/debug modes answer it too.
        again = rt.run_code(f"return Session.replay({sid!r}, {{code = {TOOL_LOOP!r}}})")
        assert again[0]["success"] is True and again[0]["result"] == first
        dbg = rt.run_code(code + f'return Session.replay("{sid}", {{fn = work, mode = "debug"}})')
        assert dbg[0]["result"] == first
        logged = [e.message for e in rt.debug_log.entries()]
        assert sum("replay matched" in m for m in logged) == 3
    assert len(fake_llm.requests) == 2  # nothing reached a provider during replay


def test_exact_mode_reports_differences(recorded, tmp_path):
    sid, text, _, offline = recorded
    with _runtime(tmp_path, offline) as rt:
        out = rt.run_code(
            WORK
            + f"""
            return Session.replay("{sid}", {{fn = function()
              runs = (runs or 0) + 1
              local geo = Agent.builder():name("g"):model("openai/gpt-4o-mini")
                :system_prompt("Be brief."):build()
              return geo:execute("Capital of France?").text
            end}})"""
        )[0]
        assert out["success"] is True and out["result"] == text
        assert out["identical"] is False
        assert [d["path"] for d in out["differences"]] == ["$[2]"]


def test_simulate_answers_unrecorded_calls_without_running_them(recorded, tmp_path):
    sid, _, _, offline = recorded
    with _runtime(tmp_path, offline) as rt:
        out = rt.run_code(
            f"""return Session.replay("{sid}", {{mode = "simulate", fn = function()
              return Tool.invoke("calculator", {{input = "3+3"}}).text
            end}})"""
        )[0]
        assert out["success"] is True and out["result"] == "(simulated)"
        assert out["log"][-1]["simulated"] is True


def test_unrecorded_request_fails_loudly(recorded, tmp_path):
    sid, _, _, offline = recorded
    with _runtime(tmp_path, offline) as rt:
        code = f"""
        local ok, err = pcall(Session.replay, "{sid}", {{fn = function()
          local a = Agent.builder():name("geo2"):model("openai/gpt-4o-mini")
            :system_prompt("Be brief."):build()
          return a:execute("Capital of Spain?").text
        end}})
        return ok, err
        """
        ok, err = rt.run_code(code)
        assert ok is False
        assert "not in the recording" in err and "Capital of Spain?" in err
        assert "nearest recorded call" in err and "Capital of France?" in err
        # A different tool parameter is refused too, naming the recorded one.
        code = f"""
        local ok, err = pcall(Session.replay, "{sid}", {{fn = function()
          return Tool.invoke("calculator", {{input = "3+3"}})
        end}})
        return ok, err
        """
        ok, err = rt.run_code(code)
        assert ok is False and "3+3" in err and "2+2" in err


def test_modified_mode_edits_recorded_responses(recorded, tmp_path):
    sid, _, calc, offline = recorded
    with _runtime(tmp_path, offline) as rt:
        out = rt.run_code(
            WORK
            + f"""
            local cfg = Replay.create_config(Replay.modes.modified)
            cfg:add_modification(Replay.create_modification("1.response.text", "Lyon"))
            assert(#cfg:get_modifications() == 1)
            return Session.replay("{sid}", {{fn = work, config = cfg}})
            """
        )[0]
        assert out["result"]["text"] == "Lyon" and out["result"]["calc"] == calc
        # Without a function: the recorded answers, modifications applied.
        rows = rt.run_code(
            f"""return Session.replay("{sid}", {{mode = "modified",
              modifications = {{ {{path = "1.response.text", value = "Nice"}} }} }})"""
        )[0]
        assert rows["result"][0]["text"] == "Nice"


def test_modes_schedules_and_comparator(runtime_with_sessions):
    rt = runtime_with_sessions
    modes, cfg, mod, kinds, cmp = rt.run_code(
        """
        local cfg = Replay.create_config()
        local m = Replay.create_modification("1.result.text", 5)
        m:set_enabled(false)
        local kinds = {Replay.schedules.once(5):type_name(),
          Replay.schedules.interval(1, 60, 3):type_name(),
          Replay.schedules.cron("0 * * * *"):type_name()}
        local c = Replay.create_comparator():compare_json({a = 1, b = {2, 3}}, {a = 1, b = {2, 4}})
        return {Replay.modes.exact:name(), Replay.modes.debug:name()},
          {cfg:get_mode(), cfg:should_compare_results(), cfg:get_timeout_seconds(),
           cfg:should_stop_on_error()},
          {m:get_path(), m:get_value(), m:is_enabled()}, kinds, c
        """
    )
    assert modes == ["exact", "debug"]
    assert cfg == ["exact", True, 30, True]
    assert mod == ["1.result.text", 5, False]
    assert kinds == ["once", "interval", "cron"]
    assert cmp["identical"] is False and 0 < cmp["similarity_score"] < 1
    assert cmp["differences"] == [{"path": "$.b[2]", "description": "3 != 4"}]


def test_compare_json_identical_and_missing_keys():
    same = compare_json({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]})
    assert same == {
        "identical": True,
        "similarity_score": 1.0,
        "summary": "identical",
        "differences": [],
    }
    diff = compare_json({"a": 1}, {"b": 1})
    assert [d["path"] for d in diff["differences"]] == ["$.a", "$.b"]
    assert diff["similarity_score"] == 0


@pytest.fixture
def runtime_with_sessions(tmp_path):
    with _runtime(tmp_path, "") as rt:
        yield rt
