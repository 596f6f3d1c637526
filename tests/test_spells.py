"""The spells in `tests/spells/`, each run two ways: the real `llmspell run` command in a subprocess
and `Runtime.run_file` from Python, with the same config (`tests/spells/limits.toml`).

Each spell declares what a user sees: exit code, stdout, what stderr says, and the Python error.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmspell import (
    Runtime,
    ScriptError,
    ScriptExit,
    ScriptMemoryError,
    ScriptTimeout,
)
from llmspell.config import load_config
from llmspell.core.output import CaptureSink

SPELLS = Path(__file__).parent / "spells"
LIMITS = SPELLS / "limits.toml"


@dataclass(frozen=True)
class Expect:
    code: int
    stdout: str
    stderr: tuple[str, ...] = ()
    error: type[BaseException] | None = None
    args: tuple[str, ...] = ()
    result: dict[str, object] | None = None


EXPECT: dict[str, Expect] = {
    "loop_forever.lua": Expect(
        code=1,
        stdout="looping\n",
        stderr=("script timed out after 1 s", "`runtime.script_timeout_seconds`"),
        error=ScriptTimeout,
    ),
    "allocate_forever.lua": Expect(
        code=1,
        stdout="allocating\n",
        stderr=("script ran out of memory", "5,000,000 bytes", "`engines.lua.max_memory_bytes`"),
        error=ScriptMemoryError,
    ),
    "calls_os_execute.lua": Expect(
        code=1,
        stdout="about to spawn\ncaught:\tfalse\n",
        stderr=(
            "calls_os_execute.lua:5: os.execute is not available: the security level is 'safe'",
            "runtime.security.allow_process_spawn",
        ),
        error=ScriptError,
    ),
    "exits_with_code.lua": Expect(
        code=5,
        stdout="working\npartial line, no newline",
        error=ScriptExit,
        args=("--code", "5"),
    ),
    "fails_with_traceback.lua": Expect(
        code=1,
        stdout="processing\n",
        stderr=(
            "fails_with_traceback.lua:4: record has no name",
            "fails_with_traceback.lua:10: in ",
            "fails_with_traceback.lua:15: in main chunk",
        ),
        error=ScriptError,
    ),
    "greets.lua": Expect(
        code=0,
        stdout=(
            "hello, ada (1)\nhello, ada (2)\n"
            '{"first":"extra","name":"ada","script":"greets.lua","timeout":1,"times":2}\n'
        ),
        stderr=("[greets] greeted ada",),
        args=("--name", "ada", "--times", "2", "extra"),
        result={"first": "extra", "name": "ada", "script": "greets.lua", "times": 2, "timeout": 1},
    ),
}


def test_every_spell_file_has_an_expectation():
    assert sorted(p.name for p in SPELLS.glob("*.lua")) == sorted(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_spell_through_the_command(cli, name):
    expect = EXPECT[name]
    started = time.monotonic()
    result = cli("-c", str(LIMITS), "run", str(SPELLS / name), "--", *expect.args)
    assert time.monotonic() - started < 30
    assert result.code == expect.code, result.stderr
    assert result.stdout == expect.stdout
    for fragment in expect.stderr:
        assert fragment in result.stderr
    assert "Traceback (most recent call last)" not in result.stderr


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_spell_through_json_output(cli, name):
    expect = EXPECT[name]
    result = cli("-c", str(LIMITS), "--output", "json", "run", str(SPELLS / name), *expect.args)
    assert result.code == expect.code
    document = json.loads(result.stdout)
    assert document["output"] == expect.stdout
    if expect.code == 0:
        assert document["status"] == "success"
        assert document["result"] == expect.result
    elif expect.error is ScriptExit:
        assert document["exit_code"] == expect.code
    else:
        assert document["status"] == "error"
        assert document["error"]["type"] == expect.error.__name__
        assert expect.stderr[0] in document["error"]["message"]


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_spell_through_the_python_api(name, tmp_path):
    expect = EXPECT[name]
    sink = CaptureSink()
    spell = SPELLS / name
    with Runtime.from_config(load_config(LIMITS), sink=sink, cwd=tmp_path) as runtime:
        if expect.error is None:
            values = runtime.run_file(spell, expect.args)
            assert values == [expect.result]
        else:
            with pytest.raises(expect.error) as info:
                runtime.run_file(spell, expect.args)
            if isinstance(info.value, ScriptExit):
                assert info.value.code == expect.code
            else:
                text = f"{info.value}\n{info.value.traceback or ''}"
                for fragment in expect.stderr:
                    assert fragment in text
        # the runtime stays usable after a stopped spell
        assert runtime.run_code("return 1 + 1") == [2]
    assert sink.stdout_text == expect.stdout
