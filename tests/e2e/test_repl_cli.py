"""`llmspell repl` in a subprocess, driven through stdin (and once through a terminal)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPL = ("repl", "--no-history")


def test_expressions_are_echoed_and_globals_persist(cli):
    result = cli(*REPL, input="x = 41\nx + 1\n'text'\n{a = 1, b = {1, 2}}\n.vars\n.exit\n")
    assert result.code == 0
    assert result.stdout == "42\ntext\n{a = 1, b = {1, 2}}\nx = 41\n"
    assert result.stderr == ""


def test_no_prompts_or_banner_off_a_terminal(cli):
    result = cli(*REPL, input="print('only this')\n")
    assert (result.code, result.stdout, result.stderr) == (0, "only this\n", "")


def test_multi_line_function_definition(cli):
    result = cli(*REPL, input="function double(a)\n  return a * 2\nend\ndouble(21)\n")
    assert (result.code, result.stdout) == (0, "42\n")


def test_an_error_is_reported_and_the_session_continues(cli):
    result = cli(*REPL, input="error('boom')\nprint('after')\n")
    assert result.code == 0
    assert result.stdout == "after\n"
    assert result.stderr.startswith("stdin:1: boom\nstack traceback:")


def test_save_then_run_the_saved_file(cli, tmp_path):
    session = "x = 20\nfunction add(a)\n  return a + x\nend\nadd(1)\nprint(add(2))\n.save s.lua\n"
    result = cli(*REPL, input=session)
    assert result.code == 0
    assert result.stdout == "21\n22\nSaved 4 inputs to s.lua\n"
    replay = cli("run", "s.lua")
    assert (replay.code, replay.stdout, replay.stderr) == (0, "22\n", "")


def test_load_a_file_into_the_session(cli, tmp_path):
    (tmp_path / "lib.lua").write_text("function square(n) return n * n end\n")
    result = cli(*REPL, input=".load lib.lua\nsquare(9)\n")
    assert (result.code, result.stdout, result.stderr) == (0, "81\n", "")


def test_reset_drops_user_globals(cli):
    result = cli(*REPL, input="x = 1\n.reset\nx\n.vars\n")
    assert result.code == 0
    assert result.stdout.splitlines()[1:] == ["nil", "(no variables defined in this session)"]


def test_info(cli):
    result = cli(*REPL, input=".info\n")
    assert result.code == 0
    assert "Lua: Lua 5.4\n" in result.stdout
    assert "Config: built-in defaults\n" in result.stdout
    assert "Security level: safe\n" in result.stdout
    assert "Timeout: 300 s per input\n" in result.stdout


def test_info_names_the_config_file(cli, tmp_path):
    config = tmp_path / "custom.toml"
    config.write_text('[engines.lua]\nsecurity_level = "privileged"\n')
    result = cli("-c", str(config), *REPL, input=".info\n")
    assert result.code == 0
    assert f"Config: {config}" in result.stdout
    assert "Security level: privileged\n" in result.stdout


def test_os_exit_sets_the_exit_code(cli):
    result = cli(*REPL, input="print('before')\nos.exit(3)\nprint('never')\n")
    assert (result.code, result.stdout) == (3, "before\n")


def test_exit_command_and_end_of_input(cli):
    assert cli(*REPL, input=".exit 5\nprint('never')\n").code == 5
    assert cli(*REPL, input=".quit\n").code == 0
    assert cli(*REPL, input="").code == 0


def test_unfinished_input_at_the_end_is_reported(cli):
    result = cli(*REPL, input="function f()\n")
    assert result.code == 0
    assert "'end' expected near <eof>" in result.stderr


def test_unknown_meta_command(cli):
    result = cli(*REPL, input=".nope\n1\n")
    assert result.code == 0
    assert result.stdout == "1\n"
    assert "Unknown command '.nope'. Type .help" in result.stderr


def test_the_timeout_applies_per_input(cli, tmp_path):
    config = tmp_path / "fast.toml"
    config.write_text("[engines.lua]\ntimeout_ms = 300\n")
    result = cli("-c", str(config), *REPL, input="while true do end\nprint('next')\n")
    assert result.code == 0
    assert "timed out" in result.stderr
    assert result.stdout == "next\n"


def test_history_file_is_written_in_llmspell_home(cli):
    home = Path(os.environ["LLMSPELL_HOME"])
    result = cli("repl", input="x = 1\n\nx\n")
    assert result.code == 0
    assert (home / "repl_history").read_text() == "x = 1\nx\n"
    cli("repl", input=".history\n")
    assert (home / "repl_history").read_text() == "x = 1\nx\n.history\n"


def test_history_option_and_no_history(cli, tmp_path):
    path = tmp_path / "h.txt"
    result = cli("repl", "--history", str(path), input="y = 2\n")
    assert result.code == 0
    assert path.read_text() == "y = 2\n"
    cli("repl", "--history", str(path), "--no-history", input="z = 3\n")
    assert path.read_text() == "y = 2\n"
    assert not (Path(os.environ["LLMSPELL_HOME"]) / "repl_history").exists()


def test_help_describes_the_options(cli):
    result = cli("repl", "--help")
    assert result.code == 0
    for option in ("--history", "--no-history", "--engine"):
        assert option in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_on_a_terminal_prompts_and_banner_are_shown(tmp_path):
    import pty

    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmspell.cli.main", "repl", "--no-history"],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=tmp_path,
        env={**os.environ, "TERM": "dumb"},
    )
    os.close(child)
    seen = b""

    def read_until(marker: bytes, timeout: float = 30) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(main, 4096)
                except OSError:
                    break
        assert marker in seen, seen

    try:
        read_until(b"llmspell> ")
        assert b"Type .help for commands" in seen
        os.write(main, b"function f()\n")
        read_until(b"...> ")
        os.write(main, b"return 6 * 7 end\nf()\n")
        read_until(b"42")
        os.write(main, b".exit 7\n")
        assert proc.wait(timeout=30) == 7
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
