"""The spells in examples/ run as the README says."""

from __future__ import annotations

import json
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_demo_spell_shows_args_json_debug_and_the_sandbox(cli):
    result = cli("run", str(EXAMPLES / "demo.lua"), "--", "--name", "Ada", "--repeat", "4", "first")
    assert result.code == 0, result.stderr
    assert "Hello, Ada! This is demo.lua; first positional argument: first" in result.stdout
    assert '"squares":[1,4,9,16]' in result.stdout
    assert "os.execute refused: true" in result.stdout
    assert "[demo] parsed 4 squares back" in result.stderr


def test_runaway_spell_is_stopped_by_the_time_limit(cli):
    result = cli("run", str(EXAMPLES / "runaway.lua"), env={"LLMSPELL_SCRIPT_TIMEOUT_SECONDS": "1"})
    assert result.code == 1
    assert "runaway.lua:7: script timed out after 1 s" in result.stderr


def test_tools_spell_chains_tools(cli, tmp_path):
    work = tmp_path / "work"
    result = cli("--output", "json", "run", str(EXAMPLES / "tools.lua"), "--", "--dir", str(work))
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["result"] == {"average": 87.0, "best_red": 91}
    assert "bundled: scores.csv" in document["output"]
    assert "reading /etc/passwd refused: true" in document["output"]
    assert not work.exists()
