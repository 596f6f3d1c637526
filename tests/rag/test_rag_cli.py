"""`llmspell rag ...` in real subprocesses: each command is its own process, so ingest in one
and search in the next also checks persistence across processes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

ON = {"LLMSPELL_RAG_ENABLED": "true"}
TENANTS = {**ON, "LLMSPELL_RAG_MULTI_TENANT": "true"}


def write_docs(root: Path) -> Path:
    docs = root / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "garden.md").write_text(
        "---\ntitle: Garden\n---\n# Tomatoes\n\nGrow tomatoes in full sun and water them "
        "deeply twice a week.\n"
    )
    (docs / "sub" / "boats.html").write_text(
        "<html><head><title>Boats</title><script>var x = 1;</script></head>"
        "<body><nav>menu</nav><p>Sailing boats tack against the wind to move upwind.</p>"
        "</body></html>"
    )
    (docs / "stars.txt").write_text("Stars are huge balls of hot gas held together by gravity.")
    (docs / "image.bin").write_bytes(b"\x00\x01\x02binary")
    (docs / ".hidden.md").write_text("never ingested")
    return docs


def as_json(result: Any) -> Any:
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_ingest_a_directory_then_search_in_another_process(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    write_docs(tmp_path)
    done = cli("rag", "ingest", "docs", "--metadata", "team=docs", "--metadata", "n=7", env=ON)
    assert done.code == 0, done.stderr
    assert done.stdout.startswith("Ingested 3 documents (3 chunks, ")
    found = as_json(
        cli("--output", "json", "rag", "search", "how to grow vegetables", "-k", "1", env=ON)
    )
    hit = found["results"][0]
    assert hit["document_id"] == str(tmp_path / "docs" / "garden.md")
    assert hit["metadata"]["title"] == "Garden"
    assert (hit["metadata"]["team"], hit["metadata"]["n"]) == ("docs", 7)
    html = as_json(
        cli("--output", "json", "rag", "search", "sailing", "--filter", "format=html", env=ON)
    )
    assert [h["metadata"]["title"] for h in html["results"]] == ["Boats"]
    assert "var x" not in html["results"][0]["text"] and "menu" not in html["results"][0]["text"]
    text = cli("rag", "search", "gravity", "-k", "1", env=ON)
    assert text.code == 0 and "stars.txt#0" in text.stdout
    listed = as_json(cli("--output", "json", "rag", "list-collections", env=ON))
    assert [(c["namespace"], c["vectors"]) for c in listed["collections"]] == [
        ("global/default", 3)
    ]
    gone = cli("rag", "delete", "--document", str(tmp_path / "docs" / "stars.txt"), env=ON)
    assert gone.code == 0 and gone.stdout.strip() == "Deleted 1 vectors"
    stats = as_json(cli("--output", "json", "rag", "stats", env=ON))
    assert (stats["total_vectors"], stats["searches_performed"]) == (2, 3)


def test_tenant_usage_in_stats_json(tmp_path: Path, cli: Callable[..., Any]) -> None:
    write_docs(tmp_path)
    missing = cli("rag", "ingest", "docs", env=TENANTS)
    assert missing.code == 2 and "--tenant is required" in missing.stderr
    assert cli("rag", "ingest", "docs/stars.txt", "--tenant", "acme", env=TENANTS).code == 0
    assert cli("rag", "search", "gas giants", "--tenant", "acme", env=TENANTS).code == 0
    assert cli("rag", "search", "gas", "--tenant", "other", env=TENANTS).stderr == "No results.\n"
    usage = as_json(cli("--output", "json", "rag", "stats", "--tenant", "acme", env=TENANTS))
    assert usage["tenant_id"] == "acme"
    assert (usage["total_vectors"], usage["total_documents"], usage["searches_performed"]) == (
        1,
        1,
        1,
    )
    assert usage["embedding_tokens"] > 0 and usage["total_storage_bytes"] > 384 * 4
    assert usage["namespaces"][0]["namespace"] == "tenant:acme/global/default"


def test_errors_and_exit_codes(tmp_path: Path, cli: Callable[..., Any]) -> None:
    off = cli("rag", "stats")
    assert off.code == 2
    assert "rag.enabled" in off.stderr and "LLMSPELL_RAG_ENABLED=true" in off.stderr
    bad_k = cli("rag", "search", "q", "-k", "0", env=ON)
    assert bad_k.code == 2 and "-k" in bad_k.stderr
    (tmp_path / "blob.bin").write_bytes(b"\x00\x00\x00binary")
    binary = cli("rag", "ingest", "blob.bin", env=ON)
    assert binary.code == 2 and "blob.bin cannot be ingested" in binary.stderr
    nothing = cli("rag", "delete", env=ON)
    assert nothing.code == 2 and "--document" in nothing.stderr
    as_json_error = cli("--output", "json", "rag", "search", "q", "--mode", env=ON)
    assert as_json_error.code == 2


def test_example_spell_answers_offline(cli: Callable[..., Any]) -> None:
    spell = Path(__file__).resolve().parents[2] / "examples" / "rag-search.lua"
    result = cli("run", str(spell), env=ON)
    assert result.code == 0, result.stderr
    assert "ingested 8 passages as 8 chunks" in result.stdout
    tops = [line.split("] ")[1] for line in result.stdout.splitlines() if "  1. [" in line]
    assert tops == ["altitude (physics)", "dns (computing)", "index-funds (finance)"]
    assert "filtered (1 hit): berlin-wall" in result.stdout
