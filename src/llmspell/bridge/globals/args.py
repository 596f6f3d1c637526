"""`ARGS` and `arg`: a spell's command-line arguments, as SPEC §1.9 shapes them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def parse_script_args(script: str, argv: Sequence[str]) -> dict[Any, str]:
    """`ARGS`: [0] the script's file name, [1..] positionals (also under "1".."n"), --key value.

    A `--key` followed by a token that does not start with `--` takes it as its value; a bare
    `--flag` is "true". `--key=value` works too.
    """
    args: dict[Any, str] = {0: Path(script).name, "0": Path(script).name}
    position = 0
    i = 0
    while i < len(argv):
        token = argv[i]
        if token.startswith("--") and len(token) > 2:
            key, eq, value = token[2:].partition("=")
            if eq:
                args[key] = value
            elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                args[key] = argv[i + 1]
                i += 1
            else:
                args[key] = "true"
        else:
            position += 1
            args[position] = token
            args[str(position)] = token
        i += 1
    return args


def lua_arg_table(script: str, argv: Sequence[str]) -> dict[int, str]:
    """Standalone Lua's `arg`: [0] the script path, [1..] every argument as given."""
    table = {0: script}
    for n, token in enumerate(argv, start=1):
        table[n] = token
    return table
