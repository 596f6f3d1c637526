"""process_executor: run one allowed program directly (never a shell), bounded in time and output.

The policy (allowed programs, environment, time and output caps) lives in
`ToolContext.run_command`; this tool splits the command, refuses shell syntax and checks
path-looking arguments.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.core.errors import (
    CommandNotAllowed,
    PathNotAllowed,
    ToolExecutionError,
)
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext

#: what only a shell would interpret; refused in a command string
_SHELL_SYNTAX = re.compile(r"[|;&`<>\n\r]|\$[({A-Za-z_]")


class Params(ToolParams):
    operation: Literal["execute", "run", "exec"] = Field(
        "execute", description="always execute: run the command once"
    )
    command: str = Field(
        validation_alias=AliasChoices("command", "executable", "cmd", "program"),
        description=(
            "the program's name (e.g. 'echo'), or a whole command line split like a shell "
            "would split words (no pipes, redirects, `;`, `&&`, backticks or `$(...)`); "
            "alias: executable"
        ),
    )
    args: list[str] | None = Field(
        None,
        validation_alias=AliasChoices("args", "arguments", "argv"),
        description="arguments, passed literally (no globbing, no expansion); alias: arguments",
    )
    working_dir: str | None = Field(
        None,
        validation_alias=AliasChoices("working_dir", "working_directory", "cwd"),
        description="directory to run in (default: the working directory); must lie inside "
        "`tools.file_operations.allowed_paths`; alias: working_directory",
    )
    stdin: str | None = Field(
        None, validation_alias=AliasChoices("stdin", "input"), description="text fed to stdin"
    )
    timeout: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("timeout", "timeout_seconds"),
        description="seconds before the program is killed; capped by "
        "`tools.system.command_timeout_seconds`",
    )
    timeout_ms: int | None = Field(None, gt=0, description="the timeout in milliseconds")
    env: dict[str, str] | None = Field(
        None,
        validation_alias=AliasChoices("env", "environment"),
        description="extra variables; only names in `tools.system.allowed_env_vars`",
    )

    @field_validator("args", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [
                str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                for v in value
            ]
        return value


class ProcessExecutor(Tool[Params]):
    name = "process_executor"
    category = "system"
    description = (
        "Run an allowed program with arguments (never through a shell), with a timeout and "
        "an output cap; returns exit code, stdout and stderr."
    )
    security_level = "restricted"
    tags = ("process", "command", "exec", "system")
    Params = Params
    example = {"command": "echo", "args": ["hello"]}
    result_keys = {
        "execute": "executable, arguments, exit_code, stdout, stderr, success (exit code 0 and "
        "no timeout), timed_out, truncated (output cut at the cap), duration_ms, "
        "execution_time_ms",
    }
    security_notes = (
        "Runs only programs named in `tools.system.allowed_commands`, by name (a path is "
        "refused), never through a shell: pipes, redirects, `;`, `&`, backticks and `$` "
        "expansions in a command string are refused. Off when "
        "`tools.system.allow_process_execution = false`. Time is capped by "
        "`tools.system.command_timeout_seconds` (the whole process group is killed), each output "
        "stream by `tools.system.max_output_size`. The child sees only the variables in "
        "`tools.system.allowed_env_vars`. `working_dir` (default: the working directory) and "
        "arguments that plainly name paths (absolute, `~`, `..`) must be inside "
        "`tools.file_operations.allowed_paths`; a program can still open files it names itself, "
        "so allow only programs you trust."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        argv = _argv(params)
        system = ctx.config.system
        ctx.check_command(argv[0])
        cwd = ctx.base
        if params.working_dir is not None:
            cwd = ctx.check_path(params.working_dir, "r")
            if not cwd.is_dir():
                raise ToolExecutionError(f"working_dir {params.working_dir!r} is not a directory")
        _check_path_arguments(argv, cwd, ctx)
        wanted = params.timeout_ms / 1000 if params.timeout_ms else params.timeout
        timeout = (
            min(wanted, float(system.command_timeout_seconds), ctx.timeout)
            if wanted
            else (min(float(system.command_timeout_seconds), ctx.timeout))
        )
        started = time.perf_counter()
        out = ctx.run_command(
            argv,
            input=params.stdin,
            timeout=timeout,
            cwd=cwd if params.working_dir is not None else None,
            env=params.env,
        )
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        stderr = out.stderr or (f"Process timed out after {timeout:g}s" if out.timed_out else "")
        ok = out.exit_code == 0 and not out.timed_out
        result = {
            "executable": argv[0],
            "arguments": argv[1:],
            "exit_code": out.exit_code,
            "success": ok,
            "stdout": out.stdout,
            "stderr": stderr,
            "timed_out": out.timed_out,
            "truncated": out.truncated,
            "duration_ms": elapsed,
            "execution_time_ms": elapsed,
        }
        if ok:
            text = out.stdout
        elif out.timed_out:
            text = f"{argv[0]} timed out after {timeout:g}s and was killed\n{out.stdout}"
        else:
            text = f"{argv[0]} exited with code {out.exit_code}\n{out.stderr or out.stdout}"
        return ToolResult.ok(text, result, operation="execute")


def _argv(params: Params) -> list[str]:
    command = params.command.strip()
    if not command:
        raise ToolExecutionError("parameter 'command' is empty; give a program name such as 'echo'")
    match = _SHELL_SYNTAX.search(command)
    if match:
        raise CommandNotAllowed(
            f"command {command!r} uses shell syntax ({match.group()!r}); commands never run "
            "through a shell, so pipes, redirects, `;`, `&&`, backticks and `$` expansions "
            "are refused. Give the program in 'command' and each argument in 'args'."
        )
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ToolExecutionError(f"cannot split command {command!r}: {exc}") from None
    return words + list(params.args or [])


def _check_path_arguments(argv: list[str], cwd: Path, ctx: ToolContext) -> None:
    """Arguments that plainly name a path (absolute, `~`, or with `..`) must be readable paths.

    Defence in depth, not confinement: the program may still open files it names itself.
    """
    for arg in argv[1:]:
        value = arg.split("=", 1)[1] if arg.startswith("-") and "=" in arg else arg
        if value.startswith(("/", "~")) or ".." in Path(value).parts:
            try:
                ctx.check_path(cwd / os.path.expanduser(value), "r")
            except PathNotAllowed as exc:
                raise PathNotAllowed(f"argument {arg!r} of {argv[0]!r}: {exc}") from None
