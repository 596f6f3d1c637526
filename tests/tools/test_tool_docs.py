"""docs/tools.md is generated from the registry and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from llmspell.tools.builtin import BUILTIN_TOOLS
from llmspell.tools.docgen import render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "tools.md"


def test_tools_md_matches_the_registry():
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/tools.md is stale: run `python -m llmspell.tools.docgen docs/tools.md`"
    )


def test_every_builtin_is_documented_with_its_parameters():
    text = DOCS.read_text(encoding="utf-8")
    for name in BUILTIN_TOOLS:
        assert f"\n### {name}\n" in text
    assert "| `operation` |" in text
