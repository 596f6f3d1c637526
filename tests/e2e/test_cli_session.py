"""`llmspell session list|show|delete|export` in a subprocess, against the store spells write."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass

import pytest

from llmspell.config import LLMSpellConfig, llmspell_home
from llmspell.sessions import open_session_manager

BINARY = bytes(range(256)) * 40 + b"\x00\xff"


@dataclass
class Seeded:
    alpha: str
    beta: str


@pytest.fixture
def seeded() -> Seeded:
    """Two sessions written through the library with default config (sessions not enabled)."""
    manager = open_session_manager(LLMSpellConfig.build({}), home=llmspell_home())
    try:
        alpha = manager.create(
            name="alpha", description="first one", tags=["x", "y"], metadata={"k": 1}
        )
        manager.artifacts.store(alpha, "agent_output", "answer.md", "# forty-two\n")
        manager.artifacts.store(alpha, "tool_result", "data.bin", BINARY)
        beta = manager.create(name="beta", tags=["x"])
        manager.suspend(beta)
    finally:
        manager.close()
    return Seeded(alpha, beta)


def content_files() -> list[str]:
    root = llmspell_home() / "sessions" / "content"
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_list_in_text_and_json(cli, seeded):
    result = cli("session", "list")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "ARTIFACTS", "CREATED", "NAME"]
    assert lines[1].split()[:3] == [seeded.alpha, "active", "2"]
    assert lines[2].split()[:3] == [seeded.beta, "suspended", "0"]
    assert cli("session", "list", "--status", "suspended").stdout.count("\n") == 2
    tagged = cli("session", "list", "--tag", "x", "--tag", "y", "--detailed")
    assert "first one" in tagged.stdout and "tags:        x, y" in tagged.stdout
    assert seeded.beta not in tagged.stdout
    document = json.loads(cli("--output", "json", "session", "list").stdout)
    assert [s["name"] for s in document["sessions"]] == ["alpha", "beta"]
    assert document["sessions"][0]["metadata"] == {"k": 1}


def test_show_in_text_and_json(cli, seeded):
    result = cli("session", "show", seeded.alpha)
    assert result.code == 0, result.stderr
    assert f"id:          {seeded.alpha}" in result.stdout
    assert "answer.md" in result.stdout and "data.bin" in result.stdout
    document = json.loads(cli("--output", "json", "session", "show", seeded.alpha).stdout)
    assert document["session"]["name"] == "alpha"
    assert [a["name"] for a in document["artifacts"]] == ["answer.md", "data.bin"]
    assert document["artifacts"][1]["size"] == len(BINARY)


def test_bad_and_unknown_ids(cli, seeded):
    bad = cli("session", "show", "nope")
    assert bad.code == 2 and "Invalid session ID: 'nope'" in bad.stderr
    missing = str(uuid.uuid4())
    unknown = cli("--output", "json", "session", "show", missing)
    assert unknown.code == 1
    assert f"Session '{missing}' not found" in unknown.stderr
    assert json.loads(unknown.stdout)["status"] == "error"


def test_export_to_stdout_and_to_a_file(cli, seeded, tmp_path):
    result = cli("session", "export", seeded.alpha)
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["format"] == "llmspell.session-export"
    assert document["session"]["id"] == seeded.alpha
    contents = [base64.b64decode(a["content_base64"]) for a in document["artifacts"]]
    assert contents == [b"# forty-two\n", BINARY]
    written = cli("--output", "json", "session", "export", seeded.alpha, "-o", "out/alpha.json")
    assert written.code == 0, written.stderr
    assert json.loads(written.stdout) == {
        "status": "exported",
        "file": "out/alpha.json",
        "session_id": seeded.alpha,
        "artifacts": 2,
    }
    on_disk = json.loads((tmp_path / "out" / "alpha.json").read_text())
    assert on_disk["artifacts"] == document["artifacts"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["alpha.json"]


def test_delete_one_then_all(cli, seeded):
    assert len(content_files()) == 2
    result = cli("session", "delete", seeded.alpha)
    assert result.code == 0, result.stderr
    assert f"Deleted session {seeded.alpha} (2 artifacts)" in result.stdout
    assert content_files() == []
    assert seeded.alpha not in cli("session", "list").stdout
    assert cli("session", "delete").code == 2
    refused = cli("session", "delete", "--all")
    assert refused.code == 2 and "--yes" in refused.stderr
    done = cli("--output", "json", "session", "delete", "--all", "--yes")
    assert json.loads(done.stdout) == {"deleted": [{"id": seeded.beta, "artifacts": 0}]}
    empty = cli("session", "list")
    assert (empty.code, empty.stdout) == (0, "")


def test_a_corrupt_store_is_reported_and_never_overwritten(cli):
    db = llmspell_home() / "sessions" / "sessions.db"
    db.parent.mkdir(parents=True)
    garbage = b"\x00garbage, not SQLite" * 100
    db.write_bytes(garbage)
    result = cli("session", "list")
    assert result.code == 1
    assert "sessions.db cannot be read" in result.stderr and "left untouched" in result.stderr
    assert db.read_bytes() == garbage
