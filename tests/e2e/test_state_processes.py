"""State across real `llmspell run` processes sharing one LLMSPELL_HOME: persistence, concurrent
writers, and a process killed in the middle of a write loop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from llmspell.config import LLMSpellConfig, llmspell_home
from llmspell.state import open_state_store

WRITER = """
State.save("global", "app_version", "1.0.0")
State.save("user", "alice", {name = "Alice", scores = {1, 2.5, 3}, active = true})
State.set("visits", 41)
State.increment("visits")
State.append("log", "first run")
State.compare_and_swap("status", nil, "ready")
State.agent_set("analyzer_001", "state", {step = 2})
State.set("ttl_key", "kept for an hour", {ttl = 3600})
print("written")
"""

READER = """
local alice = State.load("user", "alice")
assert(State.load("global", "app_version") == "1.0.0")
assert(alice.name == "Alice" and alice.active == true and #alice.scores == 3)
assert(math.type(alice.scores[1]) == "integer" and math.type(alice.scores[2]) == "float")
assert(State.get("visits") == 42 and math.type(State.get("visits")) == "integer")
assert(State.get("log")[1] == "first run")
assert(State.compare_and_swap("status", "ready", "seen"))
assert(State.agent_get("analyzer_001", "state").step == 2)
assert(State.get("ttl_key") == "kept for an hour")
print(table.concat(State.list_scopes(), ","), table.concat(State.list_keys("global"), ","))
"""

COUNTER = """
for i = 1, {n} do
  State.increment("counter")
  State.append("who", "{name}")
end
print("done")
"""

LOOP = """
for i = 1, 200000 do
  State.set("k" .. i, {i = i, text = string.rep("x", 100)})
  print(i)
end
"""


def spell(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def start(script: Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "llmspell.cli.main", "run", str(script)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def test_one_run_writes_and_another_reads_both_apis(cli, tmp_path):
    wrote = cli("run", str(spell(tmp_path, "writer.lua", WRITER)))
    assert (wrote.code, wrote.stdout, wrote.stderr) == (0, "written\n", "")
    read = cli("run", str(spell(tmp_path, "reader.lua", READER)))
    assert read.code == 0, read.stderr
    assert read.stdout == "agent,global,user\tapp_version,log,status,ttl_key,visits\n"
    assert (llmspell_home() / "state" / "state.db").is_file()


def test_two_processes_writing_the_same_keys_lose_no_update(tmp_path):
    n = 150
    procs = [
        start(spell(tmp_path, f"{name}.lua", COUNTER.format(n=n, name=name)), tmp_path)
        for name in ("one", "two")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert (proc.returncode, out, err) == (0, "done\n", "")
    store = open_state_store(LLMSpellConfig.build({}), home=llmspell_home())
    try:
        assert store.get("counter") == 2 * n
        who = store.get("who")
        assert len(who) == 2 * n and who.count("one") == n and who.count("two") == n
    finally:
        store.close()


def test_a_process_killed_mid_loop_keeps_every_acknowledged_write(tmp_path):
    proc = start(spell(tmp_path, "loop.lua", LOOP), tmp_path)
    assert proc.stdout is not None
    acknowledged: list[int] = []
    deadline = time.monotonic() + 30
    while len(acknowledged) < 400 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)  # lines already in the pipe were acknowledged too
    acknowledged.extend(int(line) for line in rest.split())
    assert proc.returncode == -signal.SIGKILL
    assert len(acknowledged) >= 400
    assert acknowledged == list(range(1, len(acknowledged) + 1))

    store = open_state_store(LLMSpellConfig.build({}), home=llmspell_home())
    try:
        for i in acknowledged:
            assert store.get(f"k{i}") == {"i": i, "text": "x" * 100}, f"k{i} was lost"
        stored = len(store.list_keys("global"))
        assert stored in (len(acknowledged), len(acknowledged) + 1)
    finally:
        store.close()
