"""Sessions across real `llmspell run` processes, including one killed in the middle of writing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from llmspell.sessions import ArtifactRef

ENABLED = {"LLMSPELL_SESSIONS_ENABLED": "true"}


def test_two_processes_share_the_store(cli, tmp_path):
    (tmp_path / "write.lua").write_text(
        """
        local id = Session.create({name = "shared", tags = {"e2e"}})
        Artifact.store(id, "agent_output", "answer.txt", "forty-two")
        Artifact.store(id, "user_input", "raw.bin", "\\0\\1\\2\\255")
        Session.suspend(id)
        print(id)
        """
    )
    first = cli("run", "write.lua", env=ENABLED)
    assert first.code == 0, first.stderr
    sid = first.stdout.strip()
    (tmp_path / "read.lua").write_text(
        f"""
        local s = Session.get("{sid}")
        local raw = Artifact.get("{sid}", "raw.bin").content
        print(s.name, s.status, s.artifact_count, Artifact.get("{sid}", "answer.txt").content,
              #raw, raw:byte(1), raw:byte(4))
        """
    )
    second = cli("run", "read.lua", env=ENABLED)
    assert second.code == 0, second.stderr
    assert second.stdout.split() == ["shared", "suspended", "2", "forty-two", "4", "0", "255"]


def test_a_killed_writer_loses_nothing_it_acknowledged(tmp_path, open_manager):
    (tmp_path / "writer.lua").write_text(
        """
        local id = Session.create({name = "crash"})
        print(id)
        local i = 0
        while true do
          i = i + 1
          -- 32 KB each: over the compression threshold, so both the zstd and file paths run
          local body = string.rep(string.format("%08d", i), 4000)
          local ref = Artifact.store(id, "tool_result", "chunk", body)
          print(ref.sequence)
        end
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmspell.cli.main", "run", "writer.lua"],
        cwd=tmp_path,
        env={**os.environ, **ENABLED},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        while len(lines) < 41 and (line := proc.stdout.readline()):
            lines.append(line.strip())
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, stderr
    assert len(lines) == 41, stderr
    sid, acknowledged = lines[0], [int(line) for line in lines[1:]]
    manager = open_manager()
    stored = manager.artifacts.list(sid)
    assert [a.sequence for a in stored][: len(acknowledged)] == acknowledged
    for info in stored:  # everything committed is whole, acknowledged or not
        content = manager.artifacts.get(sid, ArtifactRef(sequence=info.sequence)).content
        assert content == (b"%08d" % info.sequence) * 4000
        assert info.version == info.sequence and info.compressed
