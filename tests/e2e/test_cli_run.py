"""`llmspell run` and `llmspell exec` end to end: streams, exit codes, JSON output, limits, sandbox.

Every test runs the real command in a subprocess (the `cli` fixture) and checks what a user sees:
the exit code, what lands on stdout and what on stderr.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ONE_SECOND = {"LLMSPELL_SCRIPT_TIMEOUT_SECONDS": "1"}
FIVE_MB = {"LLMSPELL_MAX_MEMORY_BYTES": "5000000"}

NESTED_ERROR = """\
print("before the error")
local function inner()
  error("boom")
end
local function outer()
  inner()
end
outer()
print("never printed")
"""

SPIN = """\
local function spin()
  while true do end
end
spin()
"""

GROW = """\
local t = {}
while true do
  t[#t + 1] = string.rep("x", 1000) .. #t
end
"""


def write(folder: Path, text: str, name: str = "spell.lua") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def one_json_document(stdout: str) -> dict:
    """stdout must hold exactly one JSON document (and nothing else)."""
    document = json.loads(stdout)
    assert isinstance(document, dict)
    return document


def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "llmspell.cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


# Output streams -----------------------------------------------------------------------------


def test_print_and_io_write_reach_stdout_in_order(cli, tmp_path):
    write(
        tmp_path,
        'print("a", 1, true, nil)\n'
        'io.write("b", 2, "\\n")\n'
        'io.stdout:write("c\\n")\n'
        'io.stderr:write("to stderr\\n")\n'
        'print("d")\n',
    )
    result = cli("run", "spell.lua")
    assert result.code == 0
    assert result.stdout == "a\t1\ttrue\tnil\nb2\nc\nd\n"
    assert result.stderr == "to stderr\n"


def test_a_clean_run_writes_nothing_to_stderr(cli):
    result = cli("exec", "print(1)")
    assert (result.code, result.stdout, result.stderr) == (0, "1\n", "")


def test_output_appears_while_the_spell_is_still_running(tmp_path):
    proc = start(
        "exec",
        'print("first") io.write("second\\n") while true do end',
        cwd=tmp_path,
        env={"LLMSPELL_SCRIPT_TIMEOUT_SECONDS": "50"},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "first\n"
        assert proc.stdout.readline() == "second\n"
        assert proc.poll() is None, "the lines arrived only after the spell ended"
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_ctrl_c_stops_a_running_spell_with_exit_code_130(tmp_path):
    proc = start("exec", 'print("ready") while true do end', cwd=tmp_path)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in stderr


def test_ctrl_c_in_json_mode_still_writes_one_document(tmp_path):
    proc = start(
        "--output", "json", "exec", 'io.stderr:write("ready\\n") while true do end', cwd=tmp_path
    )
    assert proc.stderr is not None
    assert proc.stderr.readline() == "ready\n"
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    document = json.loads(stdout)
    assert document["status"] == "interrupted"


def test_the_return_value_is_not_printed_in_text_mode(cli):
    result = cli("exec", 'print("side") return 42')
    assert result.code == 0
    assert result.stdout == "side\n"


def test_pretty_output_prints_the_return_value(cli):
    result = cli("--output", "pretty", "exec", 'return {answer = 42, name = "x"}')
    assert result.code == 0
    assert "answer" in result.stdout
    assert "42" in result.stdout


# Exit codes and error reports --------------------------------------------------------------


def test_script_error_reports_file_line_message_and_traceback(cli, tmp_path):
    write(tmp_path, NESTED_ERROR)
    result = cli("run", "spell.lua")
    assert result.code == 1
    assert result.stdout == "before the error\n"
    first, *traceback = result.stderr.splitlines()
    assert first == "Error: spell.lua:3: boom"
    text = "\n".join(traceback)
    assert "stack traceback:" in text
    assert "spell.lua:3: in " in text and "inner" in text
    assert "spell.lua:6: in " in text and "outer" in text
    assert "spell.lua:8: in main chunk" in text
    assert "Traceback (most recent call last)" not in result.stderr


def test_a_runtime_error_in_nested_folders_names_the_path_as_given(cli, tmp_path):
    write(tmp_path, "local t = nil\nreturn t.field\n", name="spells/bad.lua")
    result = cli("run", "spells/bad.lua")
    assert result.code == 1
    assert "spells/bad.lua:2: attempt to index a nil value (local 't')" in result.stderr


def test_long_spell_paths_are_reported_in_full(cli, tmp_path):
    folder = tmp_path / "a-rather-long-folder-name" / "and-another-long-one" / "spells"
    path = write(folder, NESTED_ERROR)
    assert len(str(path)) > 80
    text = cli("run", str(path))
    assert f"Error: {path}:3: boom" in text.stderr
    assert f"{path}:8: in main chunk" in text.stderr
    error = one_json_document(cli("--output", "json", "run", str(path)).stdout)["error"]
    assert (error["file"], error["line"]) == (str(path), 3)
    syntax = write(folder, "local = 1\n", name="syntax.lua")
    assert f"Error: {syntax}:1:" in cli("run", str(syntax)).stderr
    assert f"Error: {syntax}:1:" in cli("validate", str(syntax)).stderr


def test_exec_errors_name_the_exec_chunk(cli):
    result = cli("exec", "local x = nil; return x.y")
    assert result.code == 1
    assert result.stderr.startswith("Error: exec:1: attempt to index a nil value")


def test_syntax_error_names_file_and_line(cli, tmp_path):
    write(tmp_path, 'print("ok")\nlocal = 3\n')
    result = cli("run", "spell.lua")
    assert result.code == 1
    assert result.stdout == ""
    assert "spell.lua:2:" in result.stderr


def test_errors_raised_by_globals_are_located_and_catchable(cli, tmp_path):
    write(
        tmp_path,
        'local ok, err = pcall(JSON.parse, "{bad")\n'
        "print(ok, err)\n"
        "local function load_it()\n"
        '  local value = JSON.parse("{bad")\n'
        "  return value\n"
        "end\n"
        "load_it()\n",
    )
    result = cli("run", "spell.lua")
    assert result.code == 1
    assert result.stdout.startswith("false\tJSON parse error at line 1 column 2")
    assert "Error: spell.lua:4: JSON parse error at line 1 column 2" in result.stderr


def test_a_missing_script_file_exits_1_naming_the_path(cli, tmp_path):
    result = cli("run", "no/such/spell.lua")
    assert result.code == 1
    assert result.stdout == ""
    assert "Script file not found: no/such/spell.lua" in result.stderr


def test_a_directory_is_not_a_script_but_a_usage_error(cli, tmp_path):
    (tmp_path / "folder.lua").mkdir()
    result = cli("run", "folder.lua")
    assert result.code == 2
    assert "'folder.lua' is a directory" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--bogus", "exec", "print(1)"),
        ("exec",),
        ("run",),
        ("no-such-command",),
        ("--output", "yaml", "exec", "print(1)"),
        ("--trace", "loud", "exec", "print(1)"),
        ("--engine", "javascript", "exec", "print(1)"),
        ("exec", "--engine", "javascript", "print(1)"),
        ("run", "--engine", "python", "spell.lua"),
    ],
    ids=lambda args: " ".join(args),
)
def test_usage_errors_exit_2_with_a_message_on_stderr(cli, tmp_path, args):
    write(tmp_path, 'print("should not run")')
    result = cli(*args)
    assert result.code == 2
    assert result.stdout == ""
    assert "Error:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("call", "code"),
    [("os.exit(3)", 3), ("os.exit(0)", 0), ("os.exit(true)", 0), ("os.exit(false)", 1)],
)
def test_os_exit_ends_the_run_with_its_code_after_flushing_output(cli, call, code):
    result = cli("exec", f'print("line") io.write("no newline") {call} print("after")')
    assert result.code == code
    assert result.stdout == "line\nno newline"
    assert result.stderr == ""


def test_os_exit_cannot_be_swallowed_by_pcall(cli):
    result = cli("exec", 'pcall(os.exit, 4) print("after")')
    assert result.code == 4
    assert result.stdout == ""


def test_os_exit_from_a_nested_function_in_a_file(cli, tmp_path):
    write(tmp_path, 'local function quit() os.exit(7) end\nprint("bye")\nquit()\nprint("no")\n')
    result = cli("run", "spell.lua")
    assert (result.code, result.stdout) == (7, "bye\n")


# --output json ------------------------------------------------------------------------------


def test_json_output_is_one_document_with_result_output_and_duration(cli):
    result = cli("--output", "json", "exec", 'print("side") return {answer = 42, list = {1, 2}}')
    assert result.code == 0
    document = one_json_document(result.stdout)
    assert set(document) == {"status", "result", "output", "duration_ms"}
    assert document["status"] == "success"
    assert document["result"] == {"answer": 42, "list": [1, 2]}
    assert document["output"] == "side\n"
    assert isinstance(document["duration_ms"], int | float)
    assert document["duration_ms"] >= 0


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("return", None),
        ("return 1, 'two', 3.5", [1, "two", 3.5]),
        ("return {}", {}),
        ("return 'text'", "text"),
        ("return true", True),
    ],
)
def test_json_result_shapes(cli, code, expected):
    result = cli("--output=json", "exec", code)
    assert result.code == 0
    assert one_json_document(result.stdout)["result"] == expected


def test_json_error_document_names_type_file_line_and_traceback(cli, tmp_path):
    write(tmp_path, NESTED_ERROR)
    result = cli("--output", "json", "run", "spell.lua")
    assert result.code == 1
    document = one_json_document(result.stdout)
    assert document["status"] == "error"
    assert document["output"] == "before the error\n"
    error = document["error"]
    assert error["type"] == "ScriptError"
    assert error["message"] == "spell.lua:3: boom"
    assert error["file"] == "spell.lua"
    assert error["line"] == 3
    assert "spell.lua:8: in main chunk" in error["traceback"]
    assert "Error: spell.lua:3: boom" in result.stderr


def test_json_error_for_a_missing_script(cli):
    result = cli("--output", "json", "run", "missing.lua")
    assert result.code == 1
    error = one_json_document(result.stdout)["error"]
    assert error["type"] == "ScriptError"
    assert "missing.lua" in error["message"]


def test_json_output_for_os_exit_keeps_the_code_and_the_output(cli):
    result = cli("--output", "json", "exec", 'print("x") os.exit(3)')
    assert result.code == 3
    document = one_json_document(result.stdout)
    assert document["output"] == "x\n"
    assert document["exit_code"] == 3


def test_json_output_still_sends_logs_and_stderr_writes_to_stderr(cli):
    result = cli(
        "--output",
        "json",
        "exec",
        'io.stderr:write("to stderr\\n") Debug.info("debug line") print("to stdout")',
    )
    assert result.code == 0
    assert one_json_document(result.stdout)["output"] == "to stdout\n"
    assert "to stderr" in result.stderr
    assert "debug line" in result.stderr


def test_json_error_for_a_value_that_cannot_leave_lua(cli):
    result = cli("--output", "json", "exec", "local t = {} t.self = t return t")
    assert result.code == 1
    error = one_json_document(result.stdout)["error"]
    assert "contain itself" in error["message"]


def test_output_option_after_the_script_belongs_to_the_spell(cli, tmp_path):
    write(tmp_path, "print(ARGS.output)\nreturn 1\n")
    result = cli("run", "spell.lua", "--output", "json")
    assert (result.code, result.stdout) == (0, "json\n")
    missing = cli("run", "missing.lua", "--output", "json")
    assert missing.code == 1
    assert missing.stdout == ""
    assert "missing.lua" in missing.stderr


# Limits -------------------------------------------------------------------------------------


def test_a_spell_that_loops_forever_is_stopped_by_the_env_timeout(cli, tmp_path):
    write(tmp_path, SPIN)
    started = time.monotonic()
    result = cli("run", "spell.lua", env=ONE_SECOND)
    assert time.monotonic() - started < 30
    assert result.code == 1
    assert "spell.lua:2: script timed out after 1 s" in result.stderr
    assert "`runtime.script_timeout_seconds`" in result.stderr


def test_pcall_and_coroutines_cannot_swallow_the_timeout(cli):
    code = (
        "while true do\n"
        "  pcall(function() while true do end end)\n"
        "  coroutine.wrap(function() pcall(function() while true do end end) end)()\n"
        "end"
    )
    result = cli("--output", "json", "exec", code, env=ONE_SECOND)
    assert result.code == 1
    error = one_json_document(result.stdout)["error"]
    assert error["type"] == "ScriptTimeout"
    assert "timed out" in error["message"]


def test_a_spell_that_allocates_without_bound_hits_the_env_memory_limit(cli, tmp_path):
    write(tmp_path, GROW)
    result = cli("run", "spell.lua", env={**FIVE_MB, **ONE_SECOND})
    assert result.code == 1
    assert "script ran out of memory: it exceeded 5,000,000 bytes" in result.stderr
    assert "`engines.lua.max_memory_bytes`" in result.stderr


def test_the_config_memory_limit_applies_and_reports_in_json(cli, tmp_path):
    write(tmp_path, "[engines.lua]\nmax_memory_bytes = 4000000\n", name="llmspell.toml")
    result = cli("--output", "json", "exec", 'local s = string.rep("x", 100000000)', env=ONE_SECOND)
    assert result.code == 1
    error = one_json_document(result.stdout)["error"]
    assert error["type"] == "ScriptMemoryError"
    assert "4,000,000 bytes" in error["message"]


# Sandbox and security levels ----------------------------------------------------------------


@pytest.mark.parametrize("call", ['os.execute("echo hi")', 'io.popen("echo hi")'])
def test_safe_level_refuses_to_spawn_processes(cli, call):
    result = cli("exec", call)
    assert result.code == 1
    assert result.stdout == ""
    name = call.split("(")[0]
    assert f"exec:1: {name} is not available: the security level is 'safe'" in result.stderr
    assert "engines.lua.security_level" in result.stderr
    assert "runtime.security.allow_process_spawn" in result.stderr


def test_a_refused_os_execute_is_catchable(cli):
    result = cli("exec", 'local ok, err = pcall(os.execute, "ls") print(ok) print(err)')
    assert result.code == 0
    assert result.stdout.startswith("false\nos.execute is not available")


def test_privileged_level_needs_allow_process_spawn(cli):
    result = cli("exec", 'os.execute("echo hi")', env={"LLMSPELL_SECURITY_LEVEL": "privileged"})
    assert result.code == 1
    assert "`runtime.security.allow_process_spawn` is false" in result.stderr


def test_privileged_level_with_spawn_allowed_runs_commands(cli, tmp_path):
    write(
        tmp_path,
        '[engines.lua]\nsecurity_level = "privileged"\n'
        "[runtime.security]\nallow_process_spawn = true\n",
        name="llmspell.toml",
    )
    result = cli("exec", 'local f = io.popen("echo from-popen") io.write(f:read("a")) f:close()')
    assert result.code == 0
    assert result.stdout == "from-popen\n"


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("safe", "nil nil nil"),
        ("privileged", "function nil nil"),
        ("unrestricted", "function function function"),
    ],
)
def test_security_levels_decide_what_of_debug_and_string_dump_a_spell_gets(cli, level, expected):
    code = (
        "local d = debug or {}\n"
        "print(type(d.traceback) .. ' ' .. type(d.getinfo) .. ' ' .. type(string.dump))"
    )
    result = cli("exec", code, env={"LLMSPELL_SECURITY_LEVEL": level})
    assert result.code == 0, result.stderr
    assert result.stdout == expected + "\n"


def test_files_outside_the_allowed_paths_are_refused_at_the_safe_level(cli, tmp_path):
    env = {"LLMSPELL_TOOLS_ALLOWED_PATHS": str(tmp_path)}
    read = cli("exec", 'io.open("/etc/passwd")', env=env)
    assert read.code == 1
    assert "io.open: reading '/etc/passwd' is not allowed" in read.stderr
    assert "tools.file_operations.allowed_paths" in read.stderr
    write_out = cli("exec", 'io.open("/etc/llmspell-test.txt", "w")', env=env)
    assert write_out.code == 1
    assert "io.open: writing '/etc/llmspell-test.txt' is not allowed" in write_out.stderr
    inside = cli(
        "exec",
        'local f = assert(io.open("note.txt", "w")) f:write("kept") f:close()'
        ' print(io.open("note.txt"):read("a"))',
        env=env,
    )
    assert (inside.code, inside.stdout) == (0, "kept\n")
    assert (tmp_path / "note.txt").read_text() == "kept"


def test_privileged_level_reads_anywhere_but_writes_only_inside_allowed_paths(cli, tmp_path):
    env = {"LLMSPELL_SECURITY_LEVEL": "privileged", "LLMSPELL_TOOLS_ALLOWED_PATHS": str(tmp_path)}
    result = cli(
        "exec",
        'print(io.open("/etc/passwd") ~= nil) print(pcall(io.open, "/etc/x.txt", "w"))',
        env=env,
    )
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "true"
    assert lines[1].startswith("false\tio.open: writing '/etc/x.txt' is not allowed")


# ARGS and arg -------------------------------------------------------------------------------

ARGS_SPELL = """\
print("ARGS", ARGS[0], ARGS[1], ARGS["1"], ARGS[2], ARGS.name, ARGS.level, ARGS.verbose)
print("arg", arg[0], #arg, table.concat(arg, " "))
print("...", select("#", ...), ...)
"""


@pytest.mark.parametrize("separator", [["--"], []], ids=["with --", "without --"])
def test_run_gives_the_spell_args_and_arg_and_dots(cli, tmp_path, separator):
    write(tmp_path, ARGS_SPELL)
    argv = ["first", "--name", "demo", "second", "--level=3", "--verbose"]
    result = cli("run", "spell.lua", *separator, *argv)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ARGS\tspell.lua\tfirst\tfirst\tsecond\tdemo\t3\ttrue",
        "arg\tspell.lua\t6\tfirst --name demo second --level=3 --verbose",
        "...\t6\tfirst\t--name\tdemo\tsecond\t--level=3\t--verbose",
    ]


def test_args_zero_is_the_file_name_and_arg_zero_the_path_as_given(cli, tmp_path):
    write(tmp_path, 'print(ARGS[0], ARGS["0"], arg[0])', name="spells/named.lua")
    result = cli("run", "spells/named.lua")
    assert result.stdout == "named.lua\tnamed.lua\tspells/named.lua\n"


def test_a_bare_flag_before_another_option_is_true(cli, tmp_path):
    write(tmp_path, "print(ARGS.dry, ARGS.out, ARGS[1])")
    result = cli("run", "spell.lua", "--", "--dry", "--out", "x.txt")
    assert result.stdout == "true\tx.txt\tnil\n"


def test_no_arguments_gives_empty_tables(cli, tmp_path):
    write(tmp_path, ARGS_SPELL)
    result = cli("run", "spell.lua")
    assert result.stdout.splitlines() == [
        "ARGS\tspell.lua\tnil\tnil\tnil\tnil\tnil\tnil",
        "arg\tspell.lua\t0\t",
        "...\t0",
    ]


def test_exec_takes_arguments_too(cli):
    result = cli("exec", "print(ARGS[0], ARGS[1], ARGS.k, arg[1], ...)", "--", "x", "--k", "v")
    assert result.code == 0
    assert result.stdout == "exec\tx\tv\tx\tx\t--k\tv\n"


# Logging and tracing ------------------------------------------------------------------------


def test_trace_sends_logs_to_stderr_and_keeps_stdout_clean(cli):
    code = 'Logger.debug("debug message", {k = "v"}) print("product")'
    quiet = cli("exec", code)
    assert (quiet.stdout, quiet.stderr) == ("product\n", "")
    loud = cli("--trace", "debug", "exec", code)
    assert loud.code == 0
    assert loud.stdout == "product\n"
    assert "debug message k=v" in loud.stderr


def test_trace_level_from_the_environment(cli):
    result = cli("exec", 'Logger.info("hello log")', env={"LLMSPELL_TRACE": "info"})
    assert result.stdout == ""
    assert "hello log" in result.stderr


def test_warnings_show_by_default_and_trace_off_silences_them(cli):
    code = 'Logger.warn("careful") print("done")'
    shown = cli("exec", code)
    assert shown.stdout == "done\n"
    assert "careful" in shown.stderr
    silenced = cli("--trace", "off", "exec", code)
    assert (silenced.stdout, silenced.stderr) == ("done\n", "")


def test_debug_messages_go_to_stderr(cli):
    result = cli("exec", 'Debug.info("from debug", "my.module") print("product")')
    assert result.stdout == "product\n"
    assert "[my.module] from debug" in result.stderr


# Engine, version, validate ------------------------------------------------------------------


def test_engine_lua_is_accepted_everywhere(cli, tmp_path):
    write(tmp_path, 'print("ran")')
    assert cli("--engine", "lua", "exec", 'print("ran")').stdout == "ran\n"
    assert cli("exec", "--engine", "lua", 'print("ran")').stdout == "ran\n"
    assert cli("run", "--engine", "lua", "spell.lua").stdout == "ran\n"


def test_version_forms(cli):
    from llmspell import __version__

    assert cli("version").stdout.splitlines()[0] == f"llmspell {__version__}"
    assert cli("version", "--short").stdout == f"{__version__}\n"
    assert cli("--version").stdout == f"llmspell {__version__}\n"
    verbose = cli("version", "--verbose").stdout
    assert "Lua 5.4" in verbose
    document = one_json_document(cli("--output", "json", "version").stdout)
    assert document["llmspell"] == __version__
    assert document["lua"] == "Lua 5.4"


def test_validate_checks_that_a_spell_compiles(cli, tmp_path):
    write(tmp_path, 'print("hi")', name="good.lua")
    write(tmp_path, "print(\n", name="broken.lua")
    good = cli("validate", "good.lua")
    assert good.code == 0
    assert "good.lua" in good.stdout
    assert "hi" not in good.stdout, "validate must not run the spell"
    broken = cli("validate", "broken.lua")
    assert broken.code == 1
    assert "broken.lua:2:" in broken.stderr
    missing = cli("validate", "absent.lua")
    assert missing.code == 1
    assert "absent.lua" in missing.stderr


def test_validate_without_a_script_checks_the_configuration(cli, tmp_path):
    assert cli("validate").code == 0
    write(tmp_path, "[runtime]\nscript_timeout_seconds = -5\n", name="llmspell.toml")
    result = cli("validate")
    assert result.code == 2
    assert "runtime.script_timeout_seconds" in result.stderr


# Start-up -----------------------------------------------------------------------------------

HEAVY = ("rich", "numpy", "openai", "anthropic", "pydantic")

IMPORT_PROBE = f"""
import json, sys
from llmspell.cli.main import main
code = main(["exec", "print(1)"])
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
print(json.dumps({{"code": code, "heavy": loaded}}))
"""


def test_exec_imports_no_sdk_rich_numpy_or_pydantic(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    printed, report = proc.stdout.splitlines()
    assert printed == "1"
    assert json.loads(report) == {"code": 0, "heavy": []}
