"""`llmspell keys add|list|remove` end to end: the 0600 store, masked output, exit codes."""

from __future__ import annotations

import json
import os
import stat

from llmspell.config import llmspell_home

SECRET = "sk-proj-0123456789abcdefWXYZ"


def store_path():
    return llmspell_home() / "keys.json"


def test_add_list_remove(cli):
    added = cli("keys", "add", "openai", SECRET)
    assert added.code == 0, added.stderr
    assert "sk-...WXYZ" in added.stderr
    assert SECRET not in added.stdout + added.stderr
    assert json.loads(store_path().read_text()) == {"openai": SECRET}
    assert stat.S_IMODE(os.stat(store_path()).st_mode) == 0o600

    listed = cli("keys", "list")
    assert listed.code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["PROVIDER", "SOURCE", "KEY"]
    assert lines[1].split() == ["openai", "key", "store", "sk-...WXYZ"]
    assert SECRET not in listed.stdout

    removed = cli("keys", "remove", "openai")
    assert removed.code == 0, removed.stderr
    assert json.loads(store_path().read_text()) == {}

    again = cli("keys", "remove", "openai")
    assert again.code == 2
    assert "No stored key for 'openai'" in again.stderr


def test_key_from_stdin(cli):
    result = cli("keys", "add", "anthropic", input="sk-ant-stdin-key-9876\n")
    assert result.code == 0, result.stderr
    assert json.loads(store_path().read_text()) == {"anthropic": "sk-ant-stdin-key-9876"}


def test_list_shows_environment_and_config_sources_as_json(cli, tmp_path):
    (tmp_path / "llmspell.toml").write_text(
        '[providers.work]\nprovider_type = "openai"\napi_key_env = "WORK_KEY"\n'
        'base_url = "http://localhost:9/v1"\n'
    )
    result = cli(
        "--output",
        "json",
        "keys",
        "list",
        env={"GROQ_API_KEY": "gsk_groq_secret_5555", "WORK_KEY": "sk-work-secret-7777"},
    )
    assert result.code == 0, result.stderr
    rows = {row["provider"]: row for row in json.loads(result.stdout)["keys"]}
    assert rows["groq"] == {"provider": "groq", "source": "env GROQ_API_KEY", "key": "gsk...5555"}
    assert rows["work"]["source"] == "env WORK_KEY"
    assert "secret" not in result.stdout


def test_list_with_no_keys(cli):
    result = cli("keys", "list")
    assert result.code == 0
    assert result.stdout == ""
    assert "llmspell keys add <provider>" in result.stderr


def test_bad_input_is_a_usage_error(cli):
    assert cli("keys", "add", "open ai", "k").code == 2
    empty = cli("keys", "add", "openai", input="")
    assert empty.code == 2
    assert "No key given for 'openai'" in empty.stderr
    assert not store_path().exists()
