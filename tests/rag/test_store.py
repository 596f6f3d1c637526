"""VectorStore on a real rag.db and real index files: search, filters, keywords, expiry,
persistence across instances and processes, crash recovery, corrupt files, bad input."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from llmspell.core.errors import StorageError, ValidationError
from llmspell.rag.store import MAX_K, StoredChunk, VectorStore

DIM = 16
NS = "global/docs"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((10, DIM)).astype(np.float32)
    out = centres[rng.integers(0, 10, n)] + 0.5 * rng.standard_normal((n, DIM))
    return out.astype(np.float32)


def cosine(data: np.ndarray, q: np.ndarray) -> np.ndarray:
    return (data / np.linalg.norm(data, axis=1, keepdims=True)) @ (q / np.linalg.norm(q))


def open_store(path: Path, limit: int = 10**9, **kwargs) -> VectorStore:
    store = VectorStore(path, exact_limit=limit, **kwargs)
    store.namespace(NS, dimension=DIM, model="test-model")
    return store


def fill(store: VectorStore, data: np.ndarray, *, per_doc: int = 10, ns: str = NS, meta=None):
    """Documents d0, d1, ... of `per_doc` chunks; chunk metadata {"n": global index}."""
    for start in range(0, len(data), per_doc):
        chunks = [
            StoredChunk(f"chunk {i} of the text", data[i], {"n": i})
            for i in range(start, min(start + per_doc, len(data)))
        ]
        doc_meta = meta(start // per_doc) if meta else {"doc": start // per_doc}
        store.upsert(ns, f"d{start // per_doc}", chunks, doc_meta)


@pytest.fixture(params=[10**9, 1], ids=["exact", "hnsw"])
def limit(request) -> int:
    return request.param


def test_search_finds_the_exact_nearest_chunks(tmp_path: Path, limit):
    data = vectors(600)
    with open_store(tmp_path, limit) as store:
        fill(store, data)
        for q in vectors(10, seed=9):
            truth = cosine(data, q)
            hits = store.search(NS, q, k=5, ef=200)
            assert [h.metadata["n"] for h in hits] == np.argsort(-truth)[:5].tolist()
            assert hits[0].score == pytest.approx(float(truth.max()), abs=1e-5)
            top = hits[0]
            assert top.id == f"{top.doc_id}#{top.chunk_index}"
            assert top.metadata["doc"] == int(top.doc_id[1:])
            assert top.text == f"chunk {top.metadata['n']} of the text"


def test_chunk_metadata_is_merged_over_the_document(tmp_path: Path):
    with open_store(tmp_path) as store:
        store.upsert(
            NS,
            "doc",
            [StoredChunk("a", np.ones(DIM), {"page": 2, "source": "chunk"})],
            {"source": "doc", "lang": "en"},
        )
        hit = store.search(NS, np.ones(DIM), k=1)[0]
        assert hit.metadata == {"source": "chunk", "lang": "en", "page": 2}
        assert store.documents(NS)[0].metadata == {"source": "doc", "lang": "en"}


def test_deleting_a_document_removes_its_chunks(tmp_path: Path, limit):
    data = vectors(200)
    with open_store(tmp_path, limit) as store:
        fill(store, data)
        assert store.stats()["vectors"] == 200
        assert store.delete_document(NS, "d3") == 10
        assert store.delete_document(NS, "d3") == 0
        assert store.delete_document("nope", "d3") == 0
        for q in data[30:40]:
            assert all(h.doc_id != "d3" for h in store.search(NS, q, k=20))
        assert not [h for h in store.keyword_search(NS, "chunk 35", k=200) if h.doc_id == "d3"]
        stats = store.stats()
        assert (stats["vectors"], stats["documents"]) == (190, 19)


def test_reupserting_a_document_replaces_its_chunks(tmp_path: Path, limit):
    data = vectors(50)
    with open_store(tmp_path, limit) as store:
        fill(store, data)
        store.upsert(NS, "d0", [StoredChunk("replacement zebra", data[3])], {"v": 2})
        hits = [h for h in store.search(NS, data[3], k=50) if h.doc_id == "d0"]
        assert [(h.chunk_index, h.text) for h in hits] == [(0, "replacement zebra")]
        assert store.keyword_search(NS, "zebra")[0].doc_id == "d0"
        assert store.stats()["vectors"] == 41
        assert store.documents(NS)[0].chunks == 1


def test_a_dimension_mismatch_writes_nothing(tmp_path: Path):
    with open_store(tmp_path) as store:
        fill(store, vectors(20))
        before = store.stats()
        bad = [StoredChunk("ok", np.ones(DIM)), StoredChunk("bad", np.ones(DIM + 2))]
        with pytest.raises(ValidationError) as err:
            store.upsert(NS, "d0", bad, {})
        message = str(err.value)
        assert str(DIM + 2) in message and str(DIM) in message and NS in message
        with pytest.raises(ValidationError, match=f"dimension {DIM + 2}"):
            store.search(NS, np.ones(DIM + 2), k=3)
        with pytest.raises(ValidationError, match=NS):
            store.namespace(NS, dimension=DIM + 2)
        assert store.stats() == before
        assert len([h for h in store.search(NS, vectors(20)[0], k=20) if h.doc_id == "d0"]) == 10


def test_namespaces_are_isolated(tmp_path: Path, limit):
    with open_store(tmp_path, limit) as store:
        store.namespace("tenant:a/global/docs", dimension=DIM, model="test-model")
        fill(store, vectors(30, seed=1))
        fill(store, vectors(30, seed=2), ns="tenant:a/global/docs")
        q = vectors(30, seed=2)[4]
        other = store.search("tenant:a/global/docs", q, k=1)[0]
        mine = store.search(NS, q, k=40)
        assert other.score == pytest.approx(1.0, abs=1e-5) and other.doc_id == "d0"
        assert all(h.score < 0.9999 for h in mine) and len(mine) == 30
        store.delete_document(NS, "d0")
        assert store.search("tenant:a/global/docs", q, k=1)[0].id == other.id
        assert set(store.stats("tenant:a/")["namespaces"]) == {"tenant:a/global/docs"}
        assert [n.name for n in store.namespaces()] == [NS, "tenant:a/global/docs"]
        assert store.delete_namespace("tenant:a/global/docs") == 30
        assert store.search("tenant:a/global/docs", q, k=1) == []
        assert len(store.search(NS, q, k=40)) == 20


def test_a_filter_matching_one_chunk_in_five_thousand(tmp_path: Path, limit):
    data = vectors(5000)
    with open_store(tmp_path, limit) as store:
        fill(store, data, per_doc=100, meta=lambda d: {"shelf": "rare" if d == 7 else "common"})
        q = data[0]
        one = store.search(NS, q, k=10, filter={"n": 4321})
        assert [h.metadata["n"] for h in one] == [4321]
        # 30 of 5000 match; a post-filter of the unfiltered top 10 would find few or none
        wanted = {"n": {"$in": list(range(17, 5000, 167))}}
        matching = set(range(17, 5000, 167))
        unfiltered = [h.metadata["n"] for h in store.search(NS, q, k=10)]
        assert len(set(unfiltered) & matching) < 10
        hits = store.search(NS, q, k=10, filter=wanted)
        truth = cosine(data, q)
        assert [h.metadata["n"] for h in hits] == sorted(matching, key=lambda n: -truth[n])[:10]
        shelf = store.search(NS, q, k=100, filter={"shelf": "rare"})
        assert sorted(h.metadata["n"] for h in shelf) == list(range(700, 800))


def test_a_permissive_filter_on_the_graph(tmp_path: Path):
    data = vectors(5000)
    with open_store(tmp_path, 1) as store:
        fill(store, data, per_doc=100)
        hits = store.search(NS, data[0], k=10, filter={"n": {"$ne": 0}}, ef=200)
        truth = cosine(data, data[0])
        truth[0] = -2
        assert len(hits) == 10 and 0 not in [h.metadata["n"] for h in hits]
        assert len({h.metadata["n"] for h in hits} & set(np.argsort(-truth)[:10].tolist())) >= 9


def test_filter_operators(tmp_path: Path):
    with open_store(tmp_path) as store:
        rows = [
            {"n": 1, "kind": "a", "ok": True, "tags": ["x", "y"]},
            {"n": 2.5, "kind": "b", "ok": False, "tags": ["y"]},
            {"n": 3, "kind": "c", "nothing": None},
            {"n": "3", "kind": "d"},
        ]
        chunks = [StoredChunk(f"t{i}", vectors(4)[i], meta) for i, meta in enumerate(rows)]
        store.upsert(NS, "doc", chunks, {})

        def kinds(flt) -> list[str]:
            return sorted(
                h.metadata["kind"] for h in store.search(NS, np.ones(DIM), k=10, filter=flt)
            )

        assert kinds({"n": 3}) == ["c"]
        assert kinds({"n": 1.0}) == ["a"]
        assert kinds({"n": "3"}) == ["d"]
        assert kinds({"n": [1, 3]}) == ["a", "c"]
        assert kinds({"n": {"$gt": 1}}) == ["b", "c"]
        assert kinds({"n": {"$gte": 1, "$lt": 3}}) == ["a", "b"]
        assert kinds({"n": {"$lte": 2.5}}) == ["a", "b"]
        assert kinds({"kind": {"$ne": "a"}}) == ["b", "c", "d"]
        assert kinds({"kind": {"$in": ["a", "d"]}}) == ["a", "d"]
        assert kinds({"kind": {"$nin": ["a", "d"]}}) == ["b", "c"]
        assert kinds({"ok": True}) == ["a"]
        assert kinds({"ok": False}) == ["b"]
        assert kinds({"ok": None}) == ["c", "d"]
        assert kinds({"tags": "y"}) == ["a", "b"]
        assert kinds({"tags": "x", "ok": True}) == ["a"]
        assert kinds({"kind": []}) == []
        assert kinds({}) == ["a", "b", "c", "d"]
        assert kinds({"missing": "x"}) == []
        assert [h.text for h in store.keyword_search(NS, "t2 t3", filter={"n": {"$gt": 2.5}})] == [
            "t2"
        ]


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        ("category = 'AI'", "got str"),
        ([("a", 1)], "got list"),
        ({"a": {"$regex": "x"}}, "unknown operator"),
        ({"a": {"b": 1}}, "unknown operator"),
        ({"a": {}}, "empty table"),
        ({"a": {"$in": 3}}, "needs a list"),
        ({"a": {"$gt": True}}, "needs a number or a string"),
        ({"a": float("nan")}, "not a finite number"),
        ({"a": b"x"}, "got bytes"),
        ({'a"b': 1}, "without"),
    ],
)
def test_bad_filters_are_refused(tmp_path: Path, flt, message):
    with open_store(tmp_path) as store:
        with pytest.raises(ValidationError, match=message):
            store.search(NS, np.ones(DIM), k=3, filter=flt)
        with pytest.raises(ValidationError, match=message):
            store.keyword_search(NS, "x", k=3, filter=flt)


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1, "3", True, 2.5, None])
def test_k_out_of_range_is_refused(tmp_path: Path, k):
    with open_store(tmp_path) as store:
        with pytest.raises(ValidationError, match=f"k must be an integer from 1 to {MAX_K}"):
            store.search(NS, np.ones(DIM), k=k)
        with pytest.raises(ValidationError, match="k must be"):
            store.keyword_search(NS, "x", k=k)


def test_threshold(tmp_path: Path, limit):
    data = vectors(100)
    with open_store(tmp_path, limit) as store:
        fill(store, data)
        everything = store.search(NS, data[0], k=100)
        cut = everything[4].score
        assert [h.id for h in store.search(NS, data[0], k=100, threshold=cut)] == [
            h.id for h in everything[:5]
        ]
        assert store.search(NS, data[0], k=10, threshold=1.01) == []
        with pytest.raises(ValidationError, match="threshold"):
            store.search(NS, data[0], k=10, threshold="high")


def test_bad_input_is_refused(tmp_path: Path):
    with open_store(tmp_path) as store:
        with pytest.raises(ValidationError, match="NaN"):
            store.upsert(NS, "d", [StoredChunk("x", np.full(DIM, np.nan))], {})
        with pytest.raises(ValidationError, match="text must be a string"):
            store.upsert(NS, "d", [StoredChunk(None, np.ones(DIM))], {})  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="document id"):
            store.upsert(NS, "", [StoredChunk("x", np.ones(DIM))], {})
        with pytest.raises(ValidationError, match="JSON"):
            store.upsert(NS, "d", [StoredChunk("x", np.ones(DIM), {"f": object()})], {})
        with pytest.raises(ValidationError, match="no collection"):
            store.upsert("nowhere", "d", [StoredChunk("x", np.ones(DIM))], {})
        with pytest.raises(ValidationError, match="must be a string"):
            store.keyword_search(NS, 42, k=3)  # type: ignore[arg-type]
        assert store.stats()["vectors"] == 0
        assert store.search("nowhere", np.ones(DIM), k=3) == []


def test_keyword_search_ranks_the_rare_term_first(tmp_path: Path):
    with open_store(tmp_path) as store:
        texts = [f"the common words appear in document number {i} again" for i in range(40)]
        for i in range(0, 40, 4):
            texts[i] += " with a violin"
        texts[23] = "the common words and one xylophone appear here"
        for i, text in enumerate(texts):
            store.upsert(NS, f"doc{i}", [StoredChunk(text, vectors(40)[i])], {"i": i})
        hits = store.keyword_search(NS, "violin xylophone", k=5)
        assert hits[0].doc_id == "doc23" and hits[0].score == 1.0
        assert len(hits) == 5 and all(0 < h.score < 1 for h in hits[1:])
        assert all("violin" in h.text for h in hits[1:])
        assert [h.doc_id for h in store.keyword_search(NS, "XYLOPHONE")] == ["doc23"]
        # words in more than half the chunks carry no BM25 weight and are left out ...
        assert [h.doc_id for h in store.keyword_search(NS, "the xylophone", k=10)] == ["doc23"]
        # ... unless nothing else is left
        assert len(store.keyword_search(NS, "the common", k=10)) == 10
        for nasty in ['"foo AND (bar', "NEAR(a b)", "a* OR -b", "col:xylophone", "' ; DROP", "^"]:
            store.keyword_search(NS, nasty, k=3)
        assert store.keyword_search(NS, '"xylophone AND (bar')[0].doc_id == "doc23"
        assert store.keyword_search(NS, "  ?!  ") == []
        assert store.keyword_search(NS, "xylophone", filter={"i": {"$ne": 23}}) == []
        assert store.keyword_search(NS, "violin", k=3, filter={"i": 8})[0].doc_id == "doc8"
        assert store.keyword_search("nowhere", "xylophone") == []


def test_keyword_search_folds_case_and_accents(tmp_path: Path):
    with open_store(tmp_path) as store:
        store.upsert(NS, "cafe", [StoredChunk("Un café crème, s'il vous plaît", np.ones(DIM))])
        store.upsert(NS, "other", [StoredChunk("nothing to see", np.ones(DIM))])
        store.upsert(NS, "third", [StoredChunk("still nothing", np.ones(DIM))])
        assert [h.doc_id for h in store.keyword_search(NS, "CAFE creme")] == ["cafe"]
        assert [h.doc_id for h in store.keyword_search(NS, "café")] == ["cafe"]


def test_expired_chunks_are_hidden_then_swept(tmp_path: Path, limit):
    clock = Clock()
    data = vectors(40)
    with open_store(tmp_path, limit, clock=clock) as store:
        fill(store, data[:30])
        short = [StoredChunk(f"fleeting {i}", data[i], {"n": i}) for i in range(30, 40)]
        store.upsert(NS, "short", short[:5], {}, expires_at=clock.now + 60)
        for chunk in short[5:]:
            chunk.expires_at = clock.now + 60
        store.upsert(NS, "mixed", [*short[5:], StoredChunk("lasting", data[0])], {})
        assert store.search(NS, data[35], k=1)[0].doc_id == "mixed"
        clock.now += 61
        for i in range(30, 40):
            assert all("fleeting" not in h.text for h in store.search(NS, data[i], k=10))
        assert store.keyword_search(NS, "fleeting") == []
        assert store.search(NS, data[30], k=5, filter={"n": 30}) == []
        assert store.expire() == 10
        assert store.expire() == 0
        assert [d.doc_id for d in store.documents(NS) if d.doc_id in ("short", "mixed")] == [
            "mixed"
        ]
        assert store.stats()["vectors"] == 31


def test_session_namespaces_expire_whole(tmp_path: Path):
    clock = Clock()
    with open_store(tmp_path, clock=clock) as store:
        store.namespace("session:1/notes", dimension=DIM, expires_at=clock.now + 10)
        fill(store, vectors(20), ns="session:1/notes")
        store.save()
        assert store.info("session:1/notes").vectors == 20
        clock.now += 11
        assert store.info("session:1/notes") is None
        assert store.search("session:1/notes", vectors(1)[0], k=3) == []
        assert [n.name for n in store.namespaces()] == [NS]
        assert store.expire() == 20
        assert not [p for p in (tmp_path / "indexes").iterdir() if "session" in p.name]
        fresh = store.namespace("session:1/notes", dimension=DIM + 1)
        assert fresh.vectors == 0 and fresh.dimension == DIM + 1


def test_persistence_across_instances(tmp_path: Path, limit):
    data = vectors(300)
    store = open_store(tmp_path, limit)
    fill(store, data)
    expected = [h.id for h in store.search(NS, data[5], k=5)]
    store.close()
    index_file = tmp_path / "indexes" / "global%2Fdocs.hnsw"
    assert index_file.exists()
    assert json.loads(index_file.with_suffix(".json").read_text())["vectors"] == 300
    with VectorStore(tmp_path, exact_limit=limit) as again:
        assert [h.id for h in again.search(NS, data[5], k=5)] == expected
        assert again.namespace(NS, dimension=DIM).vectors == 300


SEARCH_SCRIPT = """
import json, sys
import numpy as np
from llmspell.rag.store import StoredChunk, VectorStore
store = VectorStore(sys.argv[1], exact_limit=int(sys.argv[2]))
q = np.array(json.loads(sys.argv[3]), dtype=np.float32)
print(json.dumps([h.id for h in store.search("global/docs", q, k=5)]))
if sys.argv[4] == "write":
    store.upsert("global/docs", "from-child", [StoredChunk("child", np.full(16, 3.0))], {})
    store.close()
"""


def run_child(path: Path, limit: int, q: np.ndarray, mode: str = "read") -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", SEARCH_SCRIPT, str(path), str(limit), json.dumps(q.tolist()), mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def test_persistence_across_processes(tmp_path: Path, limit):
    data = vectors(300)
    with open_store(tmp_path, limit) as store:
        fill(store, data)
        expected = [h.id for h in store.search(NS, data[5], k=5)]
        store.save()
        assert run_child(tmp_path, limit, data[5], "write") == expected
        # the other process wrote while this one holds the namespace open: caught up
        assert store.search(NS, np.full(DIM, 3.0), k=1)[0].doc_id == "from-child"
        store.upsert(NS, "from-parent", [StoredChunk("parent", np.full(DIM, -2.0))], {})
    assert run_child(tmp_path, limit, np.full(DIM, -2.0))[0] == "from-parent#0"


CRASH_SCRIPT = """
import os, sys
import numpy as np
from llmspell.rag.store import StoredChunk, VectorStore
store = VectorStore(sys.argv[1], exact_limit=int(sys.argv[2]))
rng = np.random.default_rng(42)
store.upsert("global/docs", "d0", [StoredChunk("rewritten", rng.standard_normal(16))], {})
store.delete_document("global/docs", "d1")
store.upsert("global/docs", "late", [StoredChunk("written before the crash", np.full(16, 7.0))], {})
os._exit(0)  # killed: no save, no close
"""


def test_a_stale_index_is_caught_up_after_a_crash(tmp_path: Path, limit, caplog):
    data = vectors(300)
    with open_store(tmp_path, limit) as store:
        fill(store, data)
    index_file = tmp_path / "indexes" / "global%2Fdocs.hnsw"
    saved = index_file.read_bytes()
    subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), str(limit)], check=True, timeout=60
    )
    assert index_file.read_bytes() == saved, "the killed process wrote no index file"
    caplog.set_level(logging.INFO, logger="llmspell.rag")
    with VectorStore(tmp_path, exact_limit=limit) as store:
        hit = store.search(NS, np.full(DIM, 7.0), k=1)[0]
        assert (hit.doc_id, hit.text) == ("late", "written before the crash")
        assert all(h.doc_id != "d1" for h in store.search(NS, data[15], k=30))
        assert [h.text for h in store.search(NS, data[0], k=300) if h.doc_id == "d0"] == [
            "rewritten"
        ]
        assert store.stats()["vectors"] == 300 - 20 + 2
    assert "older than" in caplog.text and "caught up" in caplog.text


def test_a_missing_index_file_is_rebuilt(tmp_path: Path, limit, caplog):
    data = vectors(100)
    with open_store(tmp_path, limit) as store:
        fill(store, data)
    for file in (tmp_path / "indexes").iterdir():
        file.unlink()
    caplog.set_level(logging.INFO, logger="llmspell.rag")
    with VectorStore(tmp_path, exact_limit=limit) as store:
        assert store.search(NS, data[42], k=1)[0].metadata["n"] == 42
    assert "building the vector index" in caplog.text
    assert (tmp_path / "indexes" / "global%2Fdocs.hnsw").exists()


def test_a_corrupt_index_file_is_reported_and_rebuilt_on_request(tmp_path: Path, limit):
    data = vectors(300)
    with open_store(tmp_path, limit) as store:
        fill(store, data)
        stats = store.stats()
    index_file = tmp_path / "indexes" / "global%2Fdocs.hnsw"
    raw = bytearray(index_file.read_bytes())
    raw[len(raw) // 2] ^= 0x55
    index_file.write_bytes(bytes(raw))
    store = VectorStore(tmp_path, exact_limit=limit)
    try:
        with pytest.raises(StorageError) as err:
            store.search(NS, data[0], k=3)
        assert str(index_file) in str(err.value) and "rebuild" in str(err.value)
        with pytest.raises(StorageError):
            store.upsert(NS, "new", [StoredChunk("x", data[0])], {})
        assert index_file.read_bytes() == bytes(raw), "the failed load left the file alone"
        assert store.stats() == stats
        assert store.keyword_search(NS, "chunk 7")[0].text == "chunk 7 of the text"
        assert store.rebuild(NS) == 300
        assert store.search(NS, data[7], k=1)[0].metadata["n"] == 7
    finally:
        store.close()
    with VectorStore(tmp_path, exact_limit=limit) as again:
        assert again.search(NS, data[8], k=1)[0].metadata["n"] == 8


def test_similarities_score_given_chunk_ids(tmp_path: Path):
    data = vectors(20)
    with open_store(tmp_path) as store:
        fill(store, data)
        scores = store.similarities(NS, data[3], ["d0#3", "d1#0", "nope#1", "junk"])
        assert set(scores) == {"d0#3", "d1#0"}
        assert scores["d0#3"] == pytest.approx(1.0, abs=1e-5)
        assert scores["d1#0"] == pytest.approx(float(cosine(data, data[3])[10]), abs=1e-5)


def test_stats_count_vectors_documents_and_bytes(tmp_path: Path):
    with open_store(tmp_path) as store:
        store.upsert(NS, "a", [StoredChunk("héllo", np.ones(DIM)), StoredChunk("x", np.ones(DIM))])
        stats = store.stats()
        per = stats["namespaces"][NS]
        assert (per["vectors"], per["documents"]) == (2, 1)
        assert per["bytes"] == len("héllo".encode()) + 1 + 2 * DIM * 4 == stats["bytes"]
        assert per["dimension"] == DIM and per["model"] == "test-model"
        assert store.stats("other/")["vectors"] == 0


def test_model_mismatch_is_refused(tmp_path: Path):
    with open_store(tmp_path) as store:
        with pytest.raises(ValidationError, match="test-model"):
            store.namespace(NS, dimension=DIM, model="another-model")
        assert store.namespace(NS, dimension=DIM).model == "test-model"


def test_threads_write_and_search_together(tmp_path: Path):
    data = vectors(400)
    errors: list[BaseException] = []
    with open_store(tmp_path, 50) as store:

        def writer(offset: int) -> None:
            try:
                for doc in range(offset, 400, 40):
                    chunk = [StoredChunk(f"t{i}", data[i], {"n": i}) for i in range(doc, doc + 10)]
                    store.upsert(NS, f"d{doc}", chunk, {})
            except BaseException as exc:
                errors.append(exc)

        def reader() -> None:
            try:
                for q in data[:100]:
                    store.search(NS, q, k=5)
                    store.keyword_search(NS, "t1", k=5)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(o,)) for o in (0, 10, 20, 30)]
        threads += [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert store.stats()["vectors"] == 400
        assert store.search(NS, data[123], k=1)[0].metadata["n"] == 123


def test_index_file_names_are_safe(tmp_path: Path):
    names = ["tenant:x/session:1/a b", "../escape", ".", "ünï/cødé"]
    with VectorStore(tmp_path) as store:
        for name in names:
            store.namespace(name, dimension=DIM)
            store.upsert(name, "d", [StoredChunk("x", np.ones(DIM))], {})
    files = sorted(p.name for p in (tmp_path / "indexes").iterdir())
    assert len(files) == 2 * len(names)
    assert all(not f.startswith(".") for f in files)
    assert set(os.listdir(tmp_path)) <= {"rag.db", "rag.db-wal", "rag.db-shm", "indexes"}
