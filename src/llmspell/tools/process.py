"""Run a program without a shell, bounded in time (process group killed) and in kept output.

Unlike `subprocess.run(capture_output=True)`, output past `limit` bytes per stream is read and
dropped, so a program writing without end (`cat /dev/zero`) cannot fill memory before its timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from llmspell.core.errors import ToolExecutionError


@dataclass(slots=True, kw_only=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str
    truncated: bool
    timed_out: bool


def run_bounded(
    argv: list[str],
    *,
    stdin: str | None,
    timeout: float,
    cwd: Path | None,
    env: Mapping[str, str],
    limit: int,
) -> CommandResult:
    """Run argv in its own process group; keep at most `limit` bytes per stream, drain the rest."""
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            shell=False,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ToolExecutionError(
            f"command {argv[0]!r} is not installed (not found on PATH)"
        ) from None
    except PermissionError:
        raise ToolExecutionError(
            f"command {argv[0]!r} cannot be executed (permission denied)"
        ) from None
    kept: dict[str, bytearray] = {"out": bytearray(), "err": bytearray()}
    cut = {"out": False, "err": False}

    def drain(stream: IO[bytes], key: str) -> None:
        with stream:
            while chunk := stream.read1(65536):  # type: ignore[attr-defined]
                room = limit - len(kept[key])
                if len(chunk) > room:
                    cut[key] = True
                kept[key] += chunk[: max(room, 0)]

    def feed(stream: IO[bytes], data: bytes) -> None:
        try:
            with stream:
                stream.write(data)
        except (BrokenPipeError, OSError):
            pass  # the program stopped reading; what it read is what it got

    threads = [
        threading.Thread(target=drain, args=(proc.stdout, "out"), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, "err"), daemon=True),
    ]
    if stdin is not None:
        threads.append(
            threading.Thread(target=feed, args=(proc.stdin, stdin.encode()), daemon=True)
        )
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        if timed_out or proc.poll() is None:
            _kill_group(proc)
        # children that outlive the program may hold the pipes: don't wait for them long
        for thread in threads:
            thread.join(timeout=2)
    return CommandResult(
        exit_code=proc.returncode if proc.returncode is not None else -signal.SIGKILL,
        stdout=bytes(kept["out"]).decode(errors="replace"),
        stderr=bytes(kept["err"]).decode(errors="replace"),
        truncated=cut["out"] or cut["err"],
        timed_out=timed_out,
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()
