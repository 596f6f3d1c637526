"""Tenant quotas and usage counters (llmspell.rag.tenancy), on a real SQLite file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from llmspell.config.rag import RagTenancyConfig
from llmspell.core.errors import QuotaExceeded, ValidationError
from llmspell.rag.tenancy import Tenancy, parse_limits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(tmp_path: Path, clock: Clock, **defaults: object) -> Tenancy:
    return Tenancy(tmp_path / "rag.db", RagTenancyConfig.build(defaults), clock=clock)


def test_defaults_apply_and_overrides_persist(tmp_path: Path, clock: Clock) -> None:
    tenancy = make(tmp_path, clock, max_vectors=100)
    assert tenancy.limits("acme").max_vectors == 100
    tenancy.set_limits("acme", {"max_vectors": 5, "max_queries_per_minute": 2})
    tenancy.set_limits("acme", {"max_embedding_tokens": 50})
    tenancy.close()
    again = make(tmp_path, clock, max_vectors=100)
    limits = again.limits("acme")
    assert (limits.max_vectors, limits.max_queries_per_minute) == (5, 2)
    assert limits.max_embedding_tokens == 50
    assert again.limits("other").max_vectors == 100
    again.set_limits("acme", {"max_vectors": None})
    assert again.limits("acme").max_vectors is None
    assert again.tenants() == ["acme"]


def test_vector_quota_message(tmp_path: Path, clock: Clock) -> None:
    tenancy = make(tmp_path, clock, max_vectors=1000)
    tenancy.check_storage("acme", vectors=990, storage_bytes=0, add_vectors=10, add_bytes=0)
    with pytest.raises(QuotaExceeded) as info:
        tenancy.check_storage("acme", vectors=1000, storage_bytes=0, add_vectors=1, add_bytes=9)
    text = str(info.value)
    assert text.startswith(
        "Tenant 'acme' is over its vector quota: 1000 of `rag.tenancy.max_vectors` = 1000 "
        "stored, and this ingest adds 1; delete documents or raise the quota."
    )
    assert (info.value.quota, info.value.used, info.value.limit) == ("max_vectors", 1000, 1000)


def test_override_is_named_in_the_message(tmp_path: Path, clock: Clock) -> None:
    tenancy = make(tmp_path, clock)
    tenancy.set_limits("acme", {"max_storage_bytes": 100})
    with pytest.raises(QuotaExceeded, match="storage quota: 90 of the limit set for this tenant"):
        tenancy.check_storage("acme", vectors=0, storage_bytes=90, add_vectors=1, add_bytes=20)


def test_no_tenant_has_no_quota(tmp_path: Path, clock: Clock) -> None:
    tenancy = make(tmp_path, clock, max_vectors=1, max_queries_per_minute=1)
    tenancy.check_storage("", vectors=10, storage_bytes=0, add_vectors=10, add_bytes=0)
    for _ in range(5):
        tenancy.admit_query("")
    assert tenancy.usage("").queries == 5


def test_queries_per_minute_is_a_sliding_window(tmp_path: Path, clock: Clock) -> None:
    tenancy = make(tmp_path, clock, max_queries_per_minute=3)
    for step in range(3):
        clock.now = 1000.0 + step * 20  # at 1000, 1020, 1040
        tenancy.admit_query("acme")
    clock.now = 1050.0
    with pytest.raises(QuotaExceeded, match="over its query rate quota: 3 of"):
        tenancy.admit_query("acme")
    clock.now = 1061.0  # the query at 1000 left the window
    tenancy.admit_query("acme")
    assert tenancy.usage("acme").queries == 4
    tenancy.admit_query("other")  # tenants are counted apart


def test_token_quota_and_counters(tmp_path: Path, clock: Clock) -> None:
    tenancy = make(tmp_path, clock, max_embedding_tokens=100)
    tenancy.record("acme", embedding_tokens=80, embeddings=4, ingests=1)
    tenancy.check_tokens("acme", 20)
    with pytest.raises(QuotaExceeded, match="embedding token quota: 80 of"):
        tenancy.check_tokens("acme", 21)
    clock.now = 2000.0
    tenancy.record("acme", deletes=2)
    usage = tenancy.usage("acme")
    assert (usage.embedding_tokens, usage.embeddings, usage.ingests, usage.deletes) == (
        80,
        4,
        1,
        2,
    )
    assert (usage.created_at, usage.last_access) == (1000.0, 2000.0)
    tenancy.record("", ingests=1)
    assert tenancy.total_usage().ingests == 2


def test_counters_are_atomic_across_threads(tmp_path: Path, clock: Clock) -> None:
    tenancy = make(tmp_path, clock)

    def work() -> None:
        for _ in range(50):
            tenancy.record("acme", embedding_tokens=1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert tenancy.usage("acme").embedding_tokens == 200


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"max_vector": 1}, "unknown limit 'max_vector'"),
        ({"max_vectors": 0}, "must be a positive integer"),
        ({"max_vectors": "many"}, "must be a positive integer"),
        ("100", "limits must be a table"),
    ],
)
def test_bad_limits(raw: object, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        parse_limits(raw, where="RAG.configure")


def test_limit_values() -> None:
    assert parse_limits({"max_vectors": 10.0, "max_storage_bytes": False}, where="x") == {
        "max_vectors": 10,
        "max_storage_bytes": None,
    }
