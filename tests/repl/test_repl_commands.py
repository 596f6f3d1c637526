"""Meta commands, run in a session over a real runtime."""

from __future__ import annotations

import os

import llmspell
from llmspell.core.output import CaptureSink
from llmspell.repl.commands import COMMANDS, is_meta_command


def test_help_lists_every_command_and_its_aliases(repl):
    for line in (".help", ".h", ".?"):
        out, err = repl(line)
        assert err == ""
        for command in COMMANDS:
            assert command.usage in out
        assert "(.quit, .q)" in out


def test_exit_and_its_aliases(repl, session):
    for line, code in ((".exit", 0), (".quit", 0), (".q", 0), (".exit 4", 4)):
        session.exit_code = None
        repl(line)
        assert session.exit_code == code
    session.exit_code = None
    _out, err = repl(".exit soon")
    assert session.exit_code is None
    assert "Usage: .exit" in err


def test_vars_lists_only_user_globals(repl):
    assert repl(".vars") == ("(no variables defined in this session)\n", "")
    repl("name = 'Ada'", "function greet() end", "t = {1, 2}", "local hidden = 1")
    out, _err = repl(".vars")
    assert out == 'greet = <function>\nname = "Ada"\nt = {1, 2}\n'
    assert "print" not in out
    assert "JSON" not in out


def test_vars_hides_args_set_by_run(repl, tmp_path):
    (tmp_path / "spell.lua").write_text("seen = ARGS.input\n")
    repl(".run spell.lua --input notes.md")
    out, _ = repl(".vars")
    assert out == 'seen = "notes.md"\n'


def test_load_runs_a_file_in_the_session(repl, tmp_path):
    (tmp_path / "lib.lua").write_text("function square(x) return x * x end\nreturn 'loaded'\n")
    assert repl(".load lib.lua") == ("loaded\n", "")
    assert repl("square(7)") == ("49\n", "")


def test_load_reports_file_errors_with_the_file_name(repl, tmp_path):
    (tmp_path / "bad.lua").write_text("x = 1\nerror('in file')\n")
    out, err = repl(".load bad.lua")
    assert out == ""
    assert err.startswith("bad.lua:2: in file")
    assert "Cannot read missing.lua" in repl(".load missing.lua")[1]
    assert "Usage: .load FILE" in repl(".load")[1]


def test_save_writes_successful_inputs_as_a_script(repl, tmp_path):
    (tmp_path / "lib.lua").write_text("#!/usr/bin/env lua\nbase = 10\n")
    repl("x = 1", "error('not saved')", "x + 1", "print(x)", ".load lib.lua")
    repl("function add(a)", "return a + base", "end")
    out, err = repl(".save session.lua")
    assert (out, err) == ("Saved 4 inputs to session.lua\n", "")
    saved = (tmp_path / "session.lua").read_text()
    assert "x + 1" not in saved
    assert "not saved" not in saved
    assert "x = 1\nprint(x)\n" in saved
    assert "do\n--#!/usr/bin/env lua\nbase = 10\nend\n" in saved


def test_saved_script_replays_in_a_fresh_session(repl, tmp_path):
    repl("x = 20", "function add(a)", "return a + x", "end", "print(add(1))")
    repl(".save s.lua", ".reset")
    assert repl("x") == ("nil\n", "")
    assert repl(".load s.lua") == ("21\n", "")
    assert repl("add(2)") == ("22\n", "")


def test_reset_forgets_user_globals_and_recorded_inputs(repl, session):
    repl("x = 1")
    first = session.runtime
    out, _err = repl(".reset")
    assert "Session reset" in out
    assert session.runtime is not first
    assert repl("x") == ("nil\n", "")
    assert repl(".vars")[0] == "(no variables defined in this session)\n"
    assert session.executed == []
    assert repl("string.upper('ok')") == ("OK\n", "")


def test_info_shows_versions_config_limits(repl):
    out, err = repl(".info")
    assert err == ""
    assert f"llmspell: {llmspell.__version__}\n" in out
    assert "Lua: Lua 5.4\n" in out
    assert "Config: built-in defaults\n" in out
    assert "Security level: safe\n" in out
    assert "used / 50.0 MB limit" in out
    assert "Timeout: 300 s per input\n" in out


def test_history_shows_recent_lines(repl):
    repl("a = 1", "b = 2", "c = 3")
    out, _ = repl(".history 2")
    assert out == "    3  c = 3\n    4  .history 2\n"
    out, _ = repl(".hist")
    assert "    1  a = 1\n" in out


def test_run_passes_arguments_and_shows_errors_with_the_file(repl, tmp_path):
    (tmp_path / "spell.lua").write_text("print(ARGS.name, arg[1])\nreturn #arg\n")
    assert repl(".run spell.lua --name Ada 'two words'") == ("Ada\t--name\n3\n", "")
    (tmp_path / "fail.lua").write_text("\n\nerror('bad spell')\n")
    _out, err = repl(".run fail.lua")
    assert err.startswith("fail.lua:3: bad spell")
    assert "Usage: .run" in repl(".run")[1]


def test_pwd_and_clear(repl, session, tmp_path):
    assert repl(".pwd") == (f"{os.getcwd()}\n", "")
    assert repl(".clear") == ("", "")
    assert repl(".cls") == ("", "")
    session.interactive = True
    assert repl(".clear") == ("\033[H\033[2J", "")


def test_unknown_command_names_it_and_points_to_help(repl):
    out, err = repl(".frobnicate now")
    assert out == ""
    assert err == "Unknown command '.frobnicate'. Type .help for the list of commands.\n"


def test_bad_quoting_is_reported(repl):
    assert "cannot parse arguments" in repl('.load "unterminated')[1]


def test_numbers_and_continuations_are_not_commands(repl, session, sink: CaptureSink):
    assert not is_meta_command(".5")
    assert repl(".5") == ("0.5\n", "")
    repl("t = {")
    assert repl(".5 }", "t[1]") == ("0.5\n", "")
