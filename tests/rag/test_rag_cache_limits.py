"""`[rag.cache]` search cache, `rag.vector_storage.max_memory_mb` and the RAG embedder's
`rag.embedding.timeout_seconds` / `max_retries`, against the fake provider server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ragkit import Clock, make_service, passage_docs

from fakes import FakeProviderServer
from llmspell.config.loader import config_from_toml
from llmspell.core.errors import ProviderError, ProviderTimeout, QuotaExceeded, StorageError
from llmspell.core.output import CaptureSink
from llmspell.rag.service import RagService
from llmspell.runtime import Runtime

DOCS = [
    {"id": "a", "content": "Espresso is brewed by forcing hot water through ground coffee."},
    {"id": "b", "content": "Plants turn sunlight, water and carbon dioxide into sugar."},
    {"id": "c", "content": "The Domain Name System maps names to numeric addresses."},
]


class Kit:
    def __init__(self, tmp_path: Path, fake: FakeProviderServer) -> None:
        self.tmp_path = tmp_path
        self.fake = fake
        self.clock = Clock()
        self.opened: list[tuple[RagService, Runtime]] = []

    def service(
        self, extra: str = "", *, embedding: str = "", storage: str = "", provider: str = ""
    ) -> RagService:
        providers = self.fake.providers_toml().replace(
            'default_model = "gpt-4o-mini"\n', 'default_model = "gpt-4o-mini"\n' + provider
        )
        toml = (
            providers
            + "\n[rag]\nenabled = true\n"
            + "[rag.vector_storage]\ndimensions = 8\n"
            + storage
            + '[rag.embedding]\ndefault_provider = "openai"\n'
            + 'model = "text-embedding-3-small"\ncache_enabled = false\n'
            + embedding
            + extra
        )
        cfg = config_from_toml(toml).config
        home = self.tmp_path
        runtime = Runtime.from_config(cfg, sink=CaptureSink(), home=home, cwd=home)
        svc = RagService(cfg.rag, home=home, providers=lambda: runtime.providers, clock=self.clock)
        self.opened.append((svc, runtime))
        return svc

    def embeds(self) -> int:
        return sum(1 for r in self.fake.requests if r.endpoint == "embed")

    def close(self) -> None:
        for svc, runtime in self.opened:
            svc.close()
            runtime.close()


@pytest.fixture
def kit(tmp_path: Path, fake_llm: FakeProviderServer) -> Iterator[Kit]:
    made = Kit(tmp_path, fake_llm)
    yield made
    made.close()


# --- search cache ------------------------------------------------------------------------------


def test_repeated_search_is_answered_without_embedding_again(kit: Kit) -> None:
    svc = kit.service()
    svc.ingest(DOCS)
    before = kit.embeds()
    first = svc.search("coffee", {"k": 2})
    assert kit.embeds() == before + 1
    second = svc.search("coffee", {"k": 2})
    assert kit.embeds() == before + 1
    assert second == first
    assert svc.search_cache.hits == 1
    svc.search("coffee", {"k": 3})  # another k: another answer
    svc.search("coffee", {"k": 2, "filter": {"x": 1}})  # another filter: another answer
    assert kit.embeds() == before + 3


def test_cached_answers_are_copies(kit: Kit) -> None:
    svc = kit.service()
    svc.ingest(DOCS)
    first = svc.search("coffee", {"k": 2})
    first["results"][0]["metadata"]["changed"] = True
    first["results"].clear()
    again = svc.search("coffee", {"k": 2})
    assert len(again["results"]) == 2
    assert "changed" not in again["results"][0]["metadata"]
    again["results"].pop()
    assert len(svc.search("coffee", {"k": 2})["results"]) == 2


def test_a_write_to_the_collection_invalidates(kit: Kit) -> None:
    svc = kit.service()
    svc.ingest(DOCS)
    first = svc.search("coffee", {"k": 5})
    assert len(first["results"]) == 3
    svc.ingest({"id": "d", "content": "Coffee beans are roasted before grinding."})
    n = kit.embeds()
    assert len(svc.search("coffee", {"k": 5})["results"]) == 4
    assert kit.embeds() == n + 1
    svc.delete("d")
    assert len(svc.search("coffee", {"k": 5})["results"]) == 3
    assert kit.embeds() == n + 2
    # a write to another collection leaves this one's entries alone
    svc.ingest({"id": "x", "content": "unrelated"}, {"collection": "other"})
    n = kit.embeds()
    svc.search("coffee", {"k": 5})
    assert kit.embeds() == n


def test_another_process_writing_invalidates(kit: Kit) -> None:
    svc = kit.service()
    other = kit.service()  # a second service on the same rag.db, as another process would be
    svc.ingest(DOCS)
    assert len(svc.search("coffee", {"k": 5})["results"]) == 3
    other.ingest({"id": "d", "content": "Coffee beans are roasted before grinding."})
    assert len(svc.search("coffee", {"k": 5})["results"]) == 4
    other.delete_collection()
    assert svc.search("coffee", {"k": 5})["results"] == []
    other.ingest(DOCS[:1])  # re-created: a new namespace id
    assert len(svc.search("coffee", {"k": 5})["results"]) == 1


def test_entries_expire_after_the_ttl(kit: Kit) -> None:
    svc = kit.service("[rag.cache]\nsearch_cache_ttl_seconds = 60\n")
    svc.ingest(DOCS)
    n = kit.embeds()
    svc.search("coffee")
    kit.clock.now += 59
    svc.search("coffee")
    assert kit.embeds() == n + 1
    kit.clock.now += 1
    svc.search("coffee")
    assert kit.embeds() == n + 2


def test_entries_end_when_a_chunk_expires(kit: Kit) -> None:
    svc = kit.service("[rag.cache]\nsearch_cache_ttl_seconds = 0\n")
    svc.ingest(DOCS)
    svc.ingest({"id": "brief", "content": "Coffee for a moment."}, {"ttl": 30})
    assert len(svc.search("coffee", {"k": 5})["results"]) == 4
    kit.clock.now += 31
    assert len(svc.search("coffee", {"k": 5})["results"]) == 3


@pytest.mark.parametrize(
    "cache", ["search_cache_enabled = false\n", "search_cache_size = 0\n"], ids=["off", "size0"]
)
def test_disabled_cache_always_recomputes(kit: Kit, cache: str) -> None:
    svc = kit.service("[rag.cache]\n" + cache)
    svc.ingest(DOCS)
    n = kit.embeds()
    for _ in range(3):
        svc.search("coffee")
    assert kit.embeds() == n + 3
    assert len(svc.search_cache) == 0


def test_cached_search_still_counts_for_the_tenant(kit: Kit) -> None:
    svc = kit.service()
    svc.configure({"tenant_id": "acme", "limits": {"max_queries_per_minute": 3}})
    svc.ingest(DOCS, {"tenant_id": "acme"})
    n = kit.embeds()
    for _ in range(3):
        svc.search("coffee", {"tenant_id": "acme"})
    assert kit.embeds() == n + 1
    stats = svc.get_stats(tenant="acme")
    assert stats["searches_performed"] == 3
    assert stats["embedding_tokens"] > 0  # only the one real embedding of the query counted
    with pytest.raises(QuotaExceeded, match="max_queries_per_minute"):
        svc.search("coffee", {"tenant_id": "acme"})


def test_local_embedder_search_cache(tmp_path: Path) -> None:
    svc = make_service(tmp_path, Clock())
    svc.ingest(passage_docs())
    first = svc.search("How do green plants make their food?", {"k": 3})
    assert svc.search("How do green plants make their food?", {"k": 3}) == first
    assert svc.search_cache.hits == 1
    svc.close()


# --- max_memory_mb -------------------------------------------------------------------------------


def test_ingest_past_the_memory_budget_is_refused_before_storing(kit: Kit) -> None:
    # 8 dimensions x 4 bytes x 2 = 64 bytes a vector; 0.0002 MB is about 209 bytes: 3 vectors
    svc = kit.service(storage="max_memory_mb = 0.0002\n")
    svc.ingest(DOCS)
    n = kit.embeds()
    with pytest.raises(StorageError) as info:
        svc.ingest({"id": "d", "content": "one vector too many"})
    text = str(info.value)
    assert "`rag.vector_storage.max_memory_mb` = 0.0002" in text
    assert "from 0.000183 MB to 0.000244 MB" in text  # 192 and 256 bytes
    assert "nothing was stored" in text and "Raise `rag.vector_storage.max_memory_mb`" in text
    assert kit.embeds() == n  # refused before embedding
    assert svc.get_stats()["total_vectors"] == 3
    svc.ingest({"id": "a", "content": "Replacing a document does not grow the store."})
    assert svc.get_stats()["total_vectors"] == 3


def test_memory_budget_message_names_current_and_projected_mb(tmp_path: Path) -> None:
    svc = make_service(tmp_path, Clock(), vector_storage={"max_memory_mb": 0.01})
    svc.ingest(passage_docs()[:3])  # 3 x 384 x 8 bytes = 9216 bytes = 0.0088 MB
    with pytest.raises(StorageError) as info:
        svc.ingest(passage_docs()[3:5])
    text = str(info.value)
    assert "would grow from 0.00879 MB to 0.0146 MB" in text  # 9216 and 15360 bytes
    assert "2 vectors of 384 dimensions" in text
    assert svc.get_stats()["total_vectors"] == 3
    svc.close()


# --- embedding timeout and retries --------------------------------------------------------------


def test_slow_embeddings_fail_after_timeout_seconds(kit: Kit) -> None:
    svc = kit.service(embedding="timeout_seconds = 0.3\nmax_retries = 0\n")
    kit.fake.set_latency(3)
    started = time.monotonic()
    with pytest.raises(ProviderTimeout) as info:
        svc.ingest(DOCS[:1])
    assert time.monotonic() - started < 2.5
    assert "rag.embedding.timeout_seconds" in str(info.value)
    assert "0.3 s" in str(info.value)


def test_max_retries_zero_makes_one_request_on_a_500(kit: Kit) -> None:
    svc = kit.service(embedding="max_retries = 0\n")
    kit.fake.fault("server_error", endpoint="embed", times=None)
    with pytest.raises(ProviderError):
        svc.ingest(DOCS[:1])
    assert kit.embeds() == 1


def test_max_retries_retries_a_500(kit: Kit) -> None:
    svc = kit.service(embedding="max_retries = 2\n")
    kit.fake.fault("server_error", endpoint="embed", times=None)
    with pytest.raises(ProviderError):
        svc.ingest(DOCS[:1])
    assert kit.embeds() == 3


def test_rag_settings_replace_the_providers_own(kit: Kit) -> None:
    # [providers.openai] max_retries = 5 would make 6 requests; rag.embedding.max_retries wins
    svc = kit.service(embedding="max_retries = 1\n", provider="max_retries = 5\n")
    kit.fake.fault("server_error", endpoint="embed", times=None)
    with pytest.raises(ProviderError):
        svc.ingest(DOCS[:1])
    assert kit.embeds() == 2
