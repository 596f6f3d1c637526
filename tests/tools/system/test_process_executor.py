"""process_executor: allowed programs only, no shell, bounded time and output, filtered env."""

from __future__ import annotations

import os
import time

import pytest

from llmspell.core.errors import (
    CommandNotAllowed,
    PathNotAllowed,
    ScriptError,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)


def run(rt, **params):
    return rt.tools.invoke("process_executor", params)


def test_runs_an_allowed_program_with_literal_arguments(rt):
    r = run(rt, executable="echo", arguments=["hello", "world"])
    assert r.success
    assert r.text == "hello world\n"
    assert r.result["stdout"] == "hello world\n"
    assert r.result["exit_code"] == 0
    assert r.result["success"] is True
    assert r.result["executable"] == "echo"
    assert r.result["arguments"] == ["hello", "world"]
    assert r.result["timed_out"] is False and r.result["truncated"] is False
    assert r.result["duration_ms"] >= 0
    assert r.to_dict()["operation"] == "execute"


def test_shell_characters_inside_args_are_passed_literally(rt, tmp_path):
    r = run(rt, command="echo", args=["a|b; c && $(id) `id` > out.txt", 42])
    assert r.result["stdout"] == "a|b; c && $(id) `id` > out.txt 42\n"
    assert not (tmp_path / "out.txt").exists()


def test_a_command_string_is_split_like_words_without_a_shell(rt):
    r = run(rt, command="echo 'two words' three")
    assert r.result["arguments"] == ["two words", "three"]
    assert r.result["stdout"] == "two words three\n"


def test_stdin_is_fed_to_the_program(rt):
    r = run(rt, command="wc", args=["-l"], stdin="a\nb\nc\n")
    assert r.result["stdout"].strip() == "3"


def test_a_failing_program_is_a_finding_not_an_error(rt, tmp_path):
    r = run(rt, command="ls", args=[str(tmp_path / "missing")])
    assert r.success  # the call worked
    assert r.result["success"] is False
    assert r.result["exit_code"] != 0
    assert "missing" in r.result["stderr"]
    assert r.text.startswith("ls exited with code")


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"executable": "rm", "arguments": ["-rf", "x"]}, "command 'rm' is not allowed"),
        ({"executable": "curl", "arguments": ["http://example.com"]}, "'curl' is not allowed"),
        ({"executable": "sh", "arguments": ["-c", "echo hi"]}, "'sh' is not allowed"),
        ({"command": "python3 -c 'print(1)'"}, "'python3' is not allowed"),
    ],
)
def test_programs_outside_the_allow_list_are_refused(rt, tmp_path, params, needle):
    (tmp_path / "x").write_text("keep")
    with pytest.raises(CommandNotAllowed, match=needle) as info:
        run(rt, **params)
    assert "`tools.system.allowed_commands`" in str(info.value)
    assert (tmp_path / "x").read_text() == "keep"


@pytest.mark.parametrize("program", ["/bin/echo", "/usr/bin/echo", "./echo", "../bin/echo"])
def test_a_path_to_an_allowed_program_is_refused(rt, program):
    with pytest.raises(CommandNotAllowed, match="give the program by name"):
        run(rt, command=program, args=["hi"])


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("echo hi | cat", "|"),
        ("echo hi; touch pwned", ";"),
        ("echo hi && touch pwned", "&"),
        ("echo `touch pwned`", "`"),
        ("echo $(touch pwned)", "$("),
        ("echo ${HOME}", "${"),
        ("echo hi > pwned", ">"),
        ("cat < pwned", "<"),
        ("echo hi\ntouch pwned", "\n"),
    ],
)
def test_shell_syntax_in_a_command_string_is_refused(rt, tmp_path, command, shown):
    with pytest.raises(CommandNotAllowed, match="shell syntax") as info:
        run(rt, command=command)
    assert repr(shown) in str(info.value)
    assert "never run through a shell" in str(info.value)
    assert not (tmp_path / "pwned").exists()


def test_process_execution_can_be_switched_off(make_rt):
    rt = make_rt({"tools.system.allow_process_execution": False})
    with pytest.raises(CommandNotAllowed, match="allow_process_execution = false"):
        run(rt, command="echo", args=["hi"])


def test_an_allowed_but_missing_program_says_so(rt):
    with pytest.raises(ToolExecutionError, match="'not-a-real-program-xyz' is not installed"):
        run(rt, command="not-a-real-program-xyz")


def test_timeout_kills_the_program(rt):
    started = time.monotonic()
    r = run(rt, command="sleep", args=["10"], timeout=0.3)
    assert time.monotonic() - started < 3
    assert r.success
    assert r.result["timed_out"] is True
    assert r.result["success"] is False
    assert r.result["exit_code"] != 0
    assert "timed out" in r.result["stderr"] and "timed out" in r.text


def test_timeout_ms_is_accepted(rt):
    r = run(rt, command="sleep 10", timeout_ms=200)
    assert r.result["timed_out"] is True


def test_the_config_caps_a_longer_requested_timeout(make_rt):
    rt = make_rt(
        {"tools.system.allowed_commands": ["sleep"], "tools.system.command_timeout_seconds": 1}
    )
    started = time.monotonic()
    r = run(rt, command="sleep", args=["20"], timeout=60)
    assert 0.8 < time.monotonic() - started < 5
    assert r.result["timed_out"] is True
    assert "after 1s" in r.result["stderr"]


def test_output_is_capped_at_max_output_size(make_rt, tmp_path):
    rt = make_rt({"tools.system.max_output_size": 1000})
    big = tmp_path / "big.txt"
    big.write_text("x" * 5000)
    r = run(rt, command="cat", args=[str(big)])
    assert r.result["stdout"] == "x" * 1000
    assert r.result["truncated"] is True
    assert r.result["exit_code"] == 0


def test_endless_output_stays_capped_until_the_timeout(make_rt):
    rt = make_rt({"tools.system.allowed_commands": ["yes"], "tools.system.max_output_size": 4096})
    r = run(rt, command="yes", timeout=0.5)
    assert r.result["timed_out"] is True
    assert r.result["truncated"] is True
    assert len(r.result["stdout"]) == 4096
    assert r.result["stdout"].startswith("y\ny\n")


def test_the_child_sees_only_allowed_environment_variables(rt, monkeypatch):
    monkeypatch.setenv("SYSTEM_TOOLS_TEST_SECRET", "s3cret-value")
    r = run(rt, command="env")
    lines = r.result["stdout"].splitlines()
    names = {line.split("=", 1)[0] for line in lines}
    assert "s3cret-value" not in r.result["stdout"]
    assert names <= {"PATH", "HOME", "USER", "SHELL", "TERM", "LANG", "LC_ALL", "TZ"}
    assert f"HOME={os.environ['HOME']}" in lines


def test_allowed_variables_can_be_passed_and_others_are_refused(rt):
    r = run(rt, command="env", environment={"TZ": "UTC"})
    assert "TZ=UTC" in r.result["stdout"].splitlines()
    with pytest.raises(SecurityError, match="'LD_PRELOAD' may not be passed") as info:
        run(rt, command="env", env={"LD_PRELOAD": "/tmp/evil.so"})
    assert "`tools.system.allowed_env_vars`" in str(info.value)


def test_working_dir_must_be_inside_the_allowed_paths(rt, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "file.txt").write_text("x")
    r = run(rt, command="ls", working_directory=str(tmp_path / "sub"))
    assert r.result["stdout"].split() == ["file.txt"]
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        run(rt, command="ls", working_dir="/")
    with pytest.raises(PathNotAllowed):
        run(rt, command="ls", working_dir=str(tmp_path / ".." / ".."))
    (tmp_path / "link").symlink_to("/etc")
    with pytest.raises(PathNotAllowed):
        run(rt, command="ls", working_dir=str(tmp_path / "link"))


def test_a_path_argument_inside_the_allowed_paths_works(rt, tmp_path):
    (tmp_path / "inside.txt").write_text("inside\n")
    assert run(rt, command="cat", args=[str(tmp_path / "inside.txt")]).text == "inside\n"
    assert run(rt, command="cat inside.txt").text == "inside\n"  # relative to the working dir


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("cat", ["/etc/passwd"]),
        ("cat", ["../../etc/passwd"]),
        ("cat", ["~/.bashrc"]),
        ("grep", ["-r", "root", "/etc"]),
        ("grep", ["--file=/etc/passwd", "x"]),
    ],
)
def test_path_arguments_outside_the_allowed_paths_are_refused(rt, command, args):
    with pytest.raises(PathNotAllowed, match=f"argument .* of '{command}'") as info:
        run(rt, command=command, args=args)
    assert "`tools.file_operations.allowed_paths`" in str(info.value)


def test_bad_parameter_types_name_the_parameter(rt):
    with pytest.raises(ToolParameterError, match="parameter 'arguments'"):
        run(rt, executable="echo", arguments="hi")
    with pytest.raises(ToolParameterError, match="parameter 'timeout'"):
        run(rt, command="echo", timeout="soon")
    with pytest.raises(ToolParameterError, match="parameter 'command' is required"):
        run(rt, args=["hi"])


def test_from_lua(rt):
    stdout, code, ok, message = rt.run_code(
        """
        local r = Tool.invoke("process_executor",
            {executable = "echo", arguments = {"from", "lua"}})
        local ok, err = pcall(Tool.invoke, "process_executor",
            {executable = "rm", arguments = {"-rf", "/"}})
        return r.result.stdout, r.result.exit_code, ok, tostring(err)
        """
    )
    assert (stdout, code, ok) == ("from lua\n", 0, False)
    assert "'rm' is not allowed" in message


def test_a_lua_refusal_without_pcall_is_a_script_error(rt):
    with pytest.raises(ScriptError, match="shell syntax"):
        rt.run_code('Tool.invoke("process_executor", {command = "echo hi | cat"})')
