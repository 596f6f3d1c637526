"""RagService with the real local embedder, SQLite store and index files."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragkit import PASSAGES, Clock, make_service, passage_docs

from fakes import FakeProviderServer
from llmspell.config.loader import config_from_toml
from llmspell.core.errors import (
    PathNotAllowed,
    QuotaExceeded,
    StorageError,
    ValidationError,
)
from llmspell.core.output import CaptureSink
from llmspell.rag.service import RagService
from llmspell.runtime import Runtime
from llmspell.security import PathPolicy

PARTS = [
    {"id": "ordering", "content": "To order a replacement part, open the parts catalogue, "
     "find the component for your model and add it to the basket."},
    {"id": "returns", "content": "Parts that arrive damaged can be returned within thirty "
     "days for a full refund or a replacement."},
    {"id": "shipping", "content": "Spare parts ship from our central warehouse within two "
     "working days."},
    {"id": "shelf", "content": "The blue bin on aisle seven holds item QX-7731 next to the "
     "garden hoses."},
    {"id": "catalogue", "content": "Our catalogue lists every spare part with its price, "
     "stock level and compatible models."},
]  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path, clock: Clock) -> RagService:
    svc = make_service(tmp_path, clock)
    yield svc
    svc.close()


def ids(result: dict) -> list[str]:
    return [hit["document_id"] for hit in result["results"]]


def test_ingest_result_and_chunk_metadata(service: RagService) -> None:
    text = " ".join(f"Sentence number {i} talks about rivers and boats." for i in range(60))
    result = service.ingest(
        {"id": "rivers", "content": text, "metadata": {"lang": "en", "tags": ["a", "b"]}},
        {"chunking": {"strategy": "token", "chunk_size": 100, "overlap": 10}},
    )
    assert result["success"] is True
    assert result["documents_processed"] == 1
    assert result["vectors_created"] == 6
    assert result["total_tokens"] > 500
    assert result["document_ids"] == ["rivers"]
    hits = service.search("boats on rivers", {"k": 10})["results"]
    assert {h["metadata"]["chunk_index"] for h in hits} == set(range(6))
    for hit in hits:
        assert hit["metadata"]["lang"] == "en"
        assert hit["metadata"]["tags"] == ["a", "b"]
        assert hit["metadata"]["document_id"] == "rivers"
        assert hit["metadata"]["source"] == "text"
        assert hit["id"] == f"rivers#{hit['chunk_index']}"
        assert hit["text"] == hit["content"]


def test_retrieval_quality_python_api(service: RagService) -> None:
    service.ingest(passage_docs())
    top3 = sum(pid in ids(service.search(q, {"k": 3})) for pid, _, _, q in PASSAGES)
    assert top3 >= len(PASSAGES) - 1


def test_reingest_replaces_and_content_ids_are_stable(service: RagService) -> None:
    long_text = " ".join(["The old version talks about apples and pears."] * 80)
    service.ingest({"id": "doc", "content": long_text}, {"chunk_size": 64, "overlap": 8})
    before = service.get_stats()["total_vectors"]
    assert before > 1
    service.ingest({"id": "doc", "content": "The new version talks about submarines."})
    stats = service.get_stats()
    assert (stats["total_vectors"], stats["total_documents"]) == (1, 1)
    assert service.search("apples", {"k": 5})["results"][0]["text"].startswith("The new")
    first = service.ingest("same text twice")["document_ids"]
    assert service.ingest("same text twice")["document_ids"] == first
    assert service.get_stats()["total_documents"] == 2


def test_delete_document_and_collection(service: RagService) -> None:
    service.ingest(passage_docs())
    service.ingest(PARTS, {"collection": "parts"})
    assert service.delete("dns") == {"success": True, "deleted": 1, "document_id": "dns"}
    assert "dns" not in ids(service.search("website name lookup", {"k": 12}))
    assert service.delete("dns")["deleted"] == 0
    assert service.delete_collection({"collection": "parts"})["deleted"] == 5
    names = [c["namespace"] for c in service.list_collections()]
    assert names == ["global/default"]
    assert service.get_stats()["deletes"] == 2


def test_hybrid_finds_a_rare_exact_term(service: RagService) -> None:
    service.ingest(PARTS, {"collection": "parts"})
    opts = {"collection": "parts", "k": 5}
    vector = service.search("order spare part QX-7731", opts)["results"]
    assert vector[0]["document_id"] != "shelf"
    hybrid = service.search("order spare part QX-7731", {**opts, "hybrid": True})["results"]
    assert hybrid[0]["document_id"] == "shelf"
    top = hybrid[0]
    assert top["keyword_score"] == 1.0
    assert 0 < top["vector_score"] < 1
    assert top["score"] == pytest.approx(0.7 * top["vector_score"] + 0.3 * top["keyword_score"])
    assert all("vector_score" in h and "keyword_score" in h for h in hybrid)
    keyword = service.search("QX-7731", {**opts, "mode": "keyword"})["results"]
    assert [h["document_id"] for h in keyword] == ["shelf"]


def test_filters_threshold_and_scopes(service: RagService) -> None:
    service.ingest(passage_docs())
    found = service.search("money", {"k": 10, "metadata_filter": {"topic": "finance"}})
    assert sorted(ids(found)) == ["index-funds", "mortgage"]
    strict = service.search("Why does cooking take longer in the mountains?", {"threshold": 0.5})
    assert ids(strict) == ["altitude"]
    assert all(h["score"] >= 0.5 for h in strict["results"])
    service.ingest("user notes about sailing", {"scope": "user", "scope_id": "bob"})
    assert service.search("sailing", {"scope": "user:bob"})["total"] == 1
    assert service.search("sailing", {"k": 12})["results"][0]["document_id"] != "sailing"
    assert service.cleanup_scope("user", "bob") == 1
    assert service.search("sailing", {"scope": "user", "scope_id": "bob"})["total"] == 0


def test_session_collection_ttl_expires_vectors(service: RagService, clock: Clock) -> None:
    made = service.create_session_collection("s1", 60)
    assert made["namespace"] == "session_s1" and made["created"] is True
    service.ingest(passage_docs()[:3], {"scope": "session", "scope_id": "s1"})
    service.ingest("kept forever", {"scope": "user", "scope_id": "u"})
    assert service.search("coffee", {"scope": "session:s1"})["total"] == 3
    assert service.get_stats("session", "s1")["total_vectors"] == 3
    clock.now += 61
    assert service.search("coffee", {"scope": "session:s1"})["total"] == 0
    assert service.get_stats("session", "s1")["total_vectors"] == 0
    assert service.get_stats()["total_vectors"] == 1
    service.configure_session({"session_id": "s2", "vector_ttl": 5})
    service.ingest("short lived", {"scope": "session:s2"})
    clock.now += 6
    assert service.expire() == 1


def test_default_session_ttl_and_zero_means_forever(tmp_path: Path, clock: Clock) -> None:
    svc = make_service(tmp_path, clock, tenancy={"session_ttl_seconds": 0})
    svc.ingest("no expiry", {"scope": "session", "scope_id": "x"})
    clock.now += 10**6
    assert svc.get_stats("session:x")["total_vectors"] == 1
    svc.close()


def test_multi_tenant_requires_a_tenant_and_isolates(tmp_path: Path, clock: Clock) -> None:
    svc = make_service(tmp_path, clock, multi_tenant=True)
    with pytest.raises(ValidationError, match=r"tenant_id is required.*rag\.multi_tenant"):
        svc.ingest("x")
    for call in (
        lambda: svc.search("x"),
        lambda: svc.delete("x"),
        lambda: svc.get_stats(),
        lambda: svc.list_collections(),
    ):
        with pytest.raises(ValidationError, match="tenant_id is required"):
            call()
    svc.ingest(passage_docs()[:6], {"tenant_id": "a"})
    svc.ingest(PARTS, {"scope": "tenant", "scope_id": "b"})
    a_hits = svc.search("spare part warehouse", {"tenant_id": "a", "k": 20})["results"]
    assert {h["document_id"] for h in a_hits} <= {p[0] for p in PASSAGES[:6]}
    assert all(h["metadata"]["tenant_id"] == "a" for h in a_hits)
    b_hits = svc.search("coffee", {"tenant_id": "b", "k": 20})["results"]
    assert {h["document_id"] for h in b_hits} <= {p["id"] for p in PARTS}
    assert svc.get_stats("tenant", "a")["total_vectors"] == 6
    assert svc.get_stats(tenant="b")["total_vectors"] == 5
    assert [c["namespace"] for c in svc.list_collections(tenant="b")] == ["tenant:b/global/default"]
    assert svc.cleanup_scope("tenant", "a") == 6
    assert svc.get_stats(tenant="b")["total_vectors"] == 5
    svc.close()


def test_vector_and_byte_quotas(tmp_path: Path, clock: Clock) -> None:
    svc = make_service(tmp_path, clock, tenancy={"max_vectors": 5})
    svc.ingest(passage_docs()[:5], {"tenant_id": "acme"})
    with pytest.raises(QuotaExceeded) as info:
        svc.ingest(passage_docs()[5:6], {"tenant_id": "acme"})
    assert str(info.value).startswith(
        "Tenant 'acme' is over its vector quota: 5 of `rag.tenancy.max_vectors` = 5 stored, "
        "and this ingest adds 1; delete documents or raise the quota."
    )
    assert svc.get_stats(tenant="acme")["total_vectors"] == 5
    svc.ingest(passage_docs()[0:1], {"tenant_id": "acme"})  # a replacement fits
    svc.ingest(passage_docs()[5:6], {"tenant_id": "other"})  # other tenants are apart
    svc.configure({"tenant_id": "acme", "limits": {"max_vectors": 100, "max_storage_bytes": 4000}})
    with pytest.raises(QuotaExceeded, match=r"over its storage quota: .* of the limit set"):
        svc.ingest(passage_docs()[5:9], {"tenant_id": "acme"})
    assert svc.get_stats(tenant="acme")["total_vectors"] == 5
    svc.close()


def test_query_and_token_quotas(tmp_path: Path, clock: Clock) -> None:
    svc = make_service(tmp_path, clock, tenancy={"max_queries_per_minute": 2})
    svc.ingest(passage_docs()[:3], {"tenant_id": "t"})
    svc.search("coffee", {"tenant_id": "t"})
    svc.search("coffee", {"tenant_id": "t"})
    with pytest.raises(QuotaExceeded, match=r"query rate quota: 2 of `rag\.tenancy\.max_queries_"):
        svc.search("coffee", {"tenant_id": "t"})
    clock.now += 61
    assert svc.search("coffee", {"tenant_id": "t"})["total"] == 3
    used = svc.get_stats(tenant="t")["embedding_tokens"]
    svc.configure({"tenant_id": "t", "limits": {"max_embedding_tokens": used + 10}})
    with pytest.raises(QuotaExceeded, match="embedding token quota"):
        svc.ingest(passage_docs()[3:6], {"tenant_id": "t"})
    stats = svc.get_stats(tenant="t")
    assert (stats["total_vectors"], stats["searches_performed"]) == (3, 3)
    assert stats["limits"]["max_embedding_tokens"] == used + 10
    svc.close()
    again = make_service(tmp_path, clock, tenancy={"max_queries_per_minute": 2})
    assert again.tenancy.limits("t").max_embedding_tokens == used + 10  # persisted
    again.close()


@pytest.mark.parametrize(
    ("docs", "fragment"),
    [
        ("", "content is empty"),
        ("   ", "content is empty"),
        ({"content": 12345}, "content must be a string, got number"),
        ({"content": {"a": 1}}, "content must be a string, got a table"),
        ({"metadata": {"a": 1}}, "has no content"),
        ([{"content": "ok"}, {"text": ""}], "document 2: content is empty"),
        (42, "a document must be a string or a table"),
    ],
)
def test_bad_documents(service: RagService, docs: object, fragment: str) -> None:
    service.ingest("kept")
    with pytest.raises(ValidationError, match=fragment):
        service.ingest(docs)
    assert service.get_stats()["total_vectors"] == 1


@pytest.mark.parametrize(
    ("query", "opts", "fragment"),
    [
        ("q", {"k": 0}, "k must be a positive integer, got 0"),
        ("q", {"top_k": -1}, "k must be a positive integer, got -1"),
        ("q", {"limit": 999999999}, r"k must be at most 1000 \(`rag.search.max_k`\)"),
        ("q", {"k": "five"}, "k must be a positive integer, got 'five'"),
        (42, None, "query must be a string, got number"),
        ({"top_k": 5}, None, "query is required"),
        ("", None, "query is empty"),
        ("q", {"metadata_filter": "not a table"}, "metadata_filter must be a table"),
        ("q", {"colection": "x"}, "unknown option 'colection'"),
        ("q", {"mode": "fuzzy"}, "mode must be one of"),
        ("q", {"scope": "session"}, "scope 'session' needs a scope_id"),
    ],
)
def test_bad_search_input(service: RagService, query: object, opts: object, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        service.search(query, opts)


def test_dimension_mismatch_stores_nothing(tmp_path: Path, fake_llm: FakeProviderServer) -> None:
    toml = "[rag]\nenabled = true\n" + fake_llm.providers_toml()
    cfg = config_from_toml(toml).config
    runtime = Runtime.from_config(cfg, sink=CaptureSink(), home=tmp_path, cwd=tmp_path)
    svc = RagService(cfg.rag, home=tmp_path, providers=lambda: runtime.providers)
    svc.ingest(passage_docs()[:2])
    remote = {"provider": "openai", "model": "text-embedding-3-small"}
    with pytest.raises(ValidationError) as info:
        svc.ingest({"id": "remote", "content": "embedded elsewhere"}, remote)
    text = str(info.value)
    assert "have 8 dimensions" in text and "384-dimensional" in text
    assert "nothing was stored" in text
    assert svc.get_stats()["total_vectors"] == 2
    with pytest.raises(ValidationError, match=r"rag\.vector_storage\.dimensions` = 384"):
        svc.ingest({"id": "remote", "content": "embedded elsewhere"}, {**remote, "collection": "r"})
    assert svc.get_stats()["total_vectors"] == 2
    svc.close()
    eight = config_from_toml(toml + "\n[rag.vector_storage]\ndimensions = 8\n").config
    svc = RagService(eight.rag, home=tmp_path, providers=lambda: runtime.providers)
    svc.ingest({"id": "remote", "content": "embedded elsewhere"}, {**remote, "collection": "r"})
    hits = svc.search("embedded", {"collection": "r"})["results"]  # searched with openai again
    assert hits[0]["document_id"] == "remote"
    assert fake_llm.requests[-1].endpoint == "embed"
    svc.close()
    runtime.close()


def test_corrupt_index_file_is_reported_and_data_kept(tmp_path: Path) -> None:
    svc = make_service(tmp_path)
    svc.ingest(passage_docs())
    svc.close()
    (index_file,) = (tmp_path / "rag" / "indexes").glob("*.hnsw")
    index_file.write_bytes(b"LLMSPELL-VECTOR-INDEX\n" + b"\xff" * 64)
    svc = make_service(tmp_path)
    with pytest.raises(StorageError, match=r"vector index file .* left untouched"):
        svc.search("coffee")
    assert index_file.read_bytes().endswith(b"\xff" * 64)
    assert svc.get_stats()["total_vectors"] == len(PASSAGES)
    assert svc.rebuild({"collection": "default"})["vectors"] == len(PASSAGES)
    assert ids(svc.search("How is a strong small coffee made?", {"k": 1})) == ["espresso"]
    svc.close()


def test_files_are_confined_by_the_path_policy(tmp_path: Path) -> None:
    home = tmp_path / "home"
    svc = make_service(home)
    svc.paths = PathPolicy.build(allowed_paths=[str(home)], base=home)  # not all of /tmp
    inside = home / "notes.md"
    inside.write_text("---\ntitle: Notes\n---\n# Heading\n\nGardening tomatoes in pots.\n")
    result = svc.ingest({"path": str(inside)})
    assert result["document_ids"] == [str(inside)]
    hit = svc.search("growing vegetables")["results"][0]
    assert hit["metadata"]["title"] == "Notes" and hit["metadata"]["format"] == "markdown"
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    with pytest.raises(PathNotAllowed):
        svc.ingest({"path": str(outside)})
    svc.close()


def test_configure_changes_defaults(service: RagService) -> None:
    out = service.configure(
        {"collection": "kb", "chunk_size": 40, "search_limit": 2, "dimensions": 768}
    )
    assert out["collection"] == "kb" and out["chunking"]["chunk_size"] == 40
    text = " ".join(f"Fact {i}: owls hunt at night in quiet forests." for i in range(30))
    assert service.ingest(text)["vectors_created"] > 3
    assert service.search("owls")["total"] == 2
    assert service.list_collections()[0]["namespace"] == "global/kb"
    with pytest.raises(ValidationError, match="overlap"):
        service.configure({"chunk_size": 10, "overlap": 20})
    assert service.list_providers()[0] == "local"


def test_ingest_paths_skips_bad_files_found_in_directories(
    service: RagService, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Lighthouses warn ships away from rocky coasts.")
    (docs / "bad.txt").write_bytes(b"\x00\x01\x02 not text")
    result = service.ingest_paths([docs])
    assert result["documents_processed"] == 1
    assert result["files"] == [str(docs / "good.txt")]
    assert [s["path"] for s in result["skipped"]] == [str(docs / "bad.txt")]
    assert "binary" in result["skipped"][0]["reason"]
    with pytest.raises(ValidationError, match="binary"):
        service.ingest_paths([docs / "bad.txt"])  # a file named outright is an error


def test_session_namespace_name_works_as_a_collection(service: RagService) -> None:
    made = service.create_session_collection("abc", 600)
    service.ingest("Kites fly on windy beaches.", {"scope": "session", "scope_id": "abc"})
    found = service.search("kites", {"collection": made["namespace"]})
    assert found["namespace"] == "session:abc/default" and found["total"] == 1
