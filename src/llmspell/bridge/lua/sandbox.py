"""What each security level leaves a spell: one reviewed table, with the reason for each entry.

The prelude (`prelude.lua`) enforces it; `llmspell config show` and the docs quote it.
"""

from __future__ import annotations

from typing import Literal

SecurityLevel = Literal["safe", "privileged", "unrestricted"]

# name -> (safe, privileged, unrestricted, reason)
STDLIB_POLICY: dict[str, tuple[str, str, str, str]] = {
    "os.date os.time os.clock os.difftime os.getenv os.tmpname": (
        "yes",
        "yes",
        "yes",
        "read-only facts about time and environment",
    ),
    "os.exit": ("ends the run", "ends the run", "ends the run", "flushes output first"),
    "os.execute io.popen": (
        "no",
        "if allow_process_spawn",
        "if allow_process_spawn",
        "spawning processes escapes every other rule",
    ),
    "os.remove os.rename": (
        "inside allowed paths",
        "inside allowed paths",
        "yes",
        "deletes are writes",
    ),
    "os.setlocale": ("query only", "query only", "yes", "the locale is process-wide"),
    "io.open io.lines io.input io.output loadfile dofile require": (
        "read: spell folder, cwd, allowed paths; write: allowed paths",
        "read anywhere; write: allowed paths",
        "yes",
        "file access follows tools.file_operations.allowed_paths",
    ),
    "load": ("text chunks", "text chunks", "text and binary", "binary chunks can crash the VM"),
    "string.dump": ("no", "no", "yes", "only useful with binary chunks"),
    "package.loadlib package.cpath (C modules)": (
        "no",
        "no",
        "yes",
        "native code bypasses the sandbox",
    ),
    "debug": (
        "no",
        "traceback only",
        "all but sethook",
        "debug reaches into other functions' locals; the hook enforces the time limit",
    ),
}


def normalise_level(level: str) -> SecurityLevel:
    lowered = level.strip().lower()
    if lowered == "safe":
        return "safe"
    if lowered == "privileged":
        return "privileged"
    if lowered == "unrestricted":
        return "unrestricted"
    raise ValueError(
        f"unknown security level {level!r}; use 'safe', 'privileged' or 'unrestricted'"
    )
