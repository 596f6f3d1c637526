"""VectorIndex on real chroma-hnswlib: exact and HNSW paths, deletion, filters, persistence."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from llmspell.config.rag import HnswConfig
from llmspell.core.errors import StorageError, ValidationError
from llmspell.rag.index import VectorIndex

DIM = 16
EXACT = 10**9  # exact_limit that keeps an index on numpy
GRAPH = 0  # exact_limit that builds the HNSW graph from the first vector


def clustered(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim)).astype(np.float32)
    return centres[rng.integers(0, 20, n)] + 0.5 * rng.standard_normal((n, dim)).astype(np.float32)


def exact_scores(data: np.ndarray, q: np.ndarray, metric: str) -> np.ndarray:
    if metric == "cosine":
        unit = data / np.linalg.norm(data, axis=1, keepdims=True)
        return unit @ (q / np.linalg.norm(q))
    if metric == "innerproduct":
        return data @ q
    return 1 / (1 + np.linalg.norm(data - q, axis=1))


def make(limit: int, n: int = 2000, metric: str = "cosine", **config) -> VectorIndex:
    index = VectorIndex(DIM, HnswConfig(metric=metric, **config), exact_limit=limit)
    index.add(range(n), clustered(n))
    return index


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "innerproduct"])
@pytest.mark.parametrize("limit", [EXACT, GRAPH], ids=["exact", "hnsw"])
def test_nearest_neighbours_match_an_exact_search(metric, limit):
    data = clustered(2000)
    index = make(limit, metric=metric)
    assert index.has_graph == (limit == GRAPH)
    queries = np.random.default_rng(1).standard_normal((20, DIM)).astype(np.float32)
    agree = 0
    for q in queries:
        truth = exact_scores(data, q, metric)
        best = np.argsort(-truth)[:10]
        found = index.search(q, 10, ef=200)
        assert len(found) == 10
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
        for label, score in found:
            assert score == pytest.approx(float(truth[label]), rel=1e-4, abs=1e-5)
        agree += len({label for label, _ in found} & set(best.tolist()))
    if limit == EXACT:
        assert agree == 200
    else:
        assert agree >= 196


def test_batch_search_equals_single_searches():
    index = make(GRAPH)
    queries = clustered(30, seed=5)
    batch = index.search_batch(queries, 5, num_threads=2)
    assert [[lab for lab, _ in row] for row in batch] == [
        [lab for lab, _ in index.search(q, 5)] for q in queries
    ]


@pytest.mark.parametrize("limit", [EXACT, GRAPH], ids=["exact", "hnsw"])
def test_deleted_labels_never_come_back(limit):
    data = clustered(500)
    index = make(limit, n=500)
    gone = [label for label, _ in index.search(data[7], 50)]
    assert index.delete([*gone, 10_000]) == 50
    assert len(index) == 450
    for q in data[:50]:
        assert not {label for label, _ in index.search(q, 20)} & set(gone)
    assert 7 in gone and 7 not in index


def test_deleted_slots_are_reused_and_labels_revive():
    data = clustered(300)
    index = make(GRAPH, n=300)
    index.delete(range(100))
    assert index.graph_slots == 300
    index.add(range(1000, 1100), clustered(100, seed=3))
    assert index.graph_slots == 300, "new vectors took the deleted slots"
    index.add([5], data[5:6])
    found = index.search(data[5], 1)
    assert found[0][0] == 5 and found[0][1] == pytest.approx(1.0, abs=1e-5)
    assert len(index) == 301


def test_replace_deleted_off_keeps_slots():
    index = make(GRAPH, n=300, allow_replace_deleted=False)
    index.delete(range(100))
    index.add(range(1000, 1100), clustered(100, seed=3))
    assert index.graph_slots == 400
    assert len(index) == 300


def test_adding_an_existing_label_replaces_its_vector():
    data = clustered(300)
    for limit in (EXACT, GRAPH):
        index = make(limit, n=300)
        index.add([3], data[200:201])
        found = index.search(data[200], 2)
        assert {label for label, _ in found} == {3, 200}
        assert len(index) == 300


@pytest.mark.parametrize("limit", [EXACT, GRAPH], ids=["exact", "hnsw"])
def test_filter_applies_during_search(limit):
    data = clustered(5000)
    index = make(limit, n=5000)
    q = data[0]
    one = index.search(q, 10, allowed={4321})
    assert [label for label, _ in one] == [4321]
    some = set(range(0, 5000, 97))
    found = index.search(q, 10, allowed=some)
    truth = exact_scores(data, q, "cosine")
    best = sorted(some, key=lambda label: -truth[label])[:10]
    assert [label for label, _ in found] == best
    assert index.search(q, 10, allowed=set()) == []
    assert index.search(q, 10, allowed={99_999}) == []


def test_permissive_filter_uses_the_graph_callback(monkeypatch):
    data = clustered(5000)
    index = make(GRAPH, n=5000)
    calls = []
    graph = index._graph
    real = graph.knn_query

    class Spy:
        def __getattr__(self, name):
            return getattr(graph, name)

        def knn_query(self, *args, **kwargs):
            calls.append(kwargs.get("filter"))
            return real(*args, **kwargs)

    monkeypatch.setattr(index, "_graph", Spy())
    allowed = {label for label in range(5000) if label % 5 != 0}
    found = index.search(data[0], 10, allowed=allowed, ef=100)
    assert calls and calls[0] is not None
    assert len(found) == 10 and all(label in allowed for label, _ in found)
    truth = exact_scores(data, data[0], "cosine")
    best = sorted(allowed, key=lambda label: -truth[label])[:10]
    assert len({label for label, _ in found} & set(best)) >= 9
    calls.clear()
    index.search(data[0], 10, allowed={1, 2, 3})
    assert calls == [], "a selective filter is answered exactly, without the graph"


def test_threshold_and_k_beyond_the_size():
    index = make(EXACT, n=50)
    q = clustered(50)[0]
    everything = index.search(q, 100)
    assert len(everything) == 50
    cut = everything[9][1]
    assert [label for label, _ in index.search(q, 100, threshold=cut)] == [
        label for label, _ in everything[:10]
    ]
    assert index.search(q, 5, threshold=2.0) == []
    with pytest.raises(ValidationError):
        index.search(q, 0)


def test_ef_is_per_query_and_settable():
    index = make(GRAPH, ef_search=12)
    q = clustered(2000)[9]
    assert len(index.search(q, 10, ef=300)) == 10
    assert index.ef_search == 12 and index._graph.ef == 12
    index.set_ef(40)
    assert index._graph.ef == 40


def test_bad_vectors_are_refused():
    index = VectorIndex(DIM)
    with pytest.raises(ValidationError, match="dimension 3"):
        index.add([1], np.ones((1, 3)))
    with pytest.raises(ValidationError, match="finite"):
        index.add([1], np.full((1, DIM), np.nan))
    with pytest.raises(ValidationError, match="twice"):
        index.add([1, 1], np.ones((2, DIM)))
    with pytest.raises(ValidationError, match="dimension"):
        index.search(np.ones(DIM + 1), 3)
    assert len(index) == 0 and index.search(np.ones(DIM), 3) == []


@pytest.mark.parametrize("limit", [EXACT, GRAPH], ids=["exact", "hnsw"])
def test_save_and_load_round_trip(tmp_path: Path, limit):
    data = clustered(800)
    index = make(limit, n=800)
    index.delete(range(0, 800, 3))
    path = tmp_path / "ns.hnsw"
    index.save(path, meta={"generation": 7})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ns.hnsw"], "no temp files left"
    assert VectorIndex.read_header(path)["meta"] == {"generation": 7}
    loaded = VectorIndex.load(path, HnswConfig(), exact_limit=limit)
    assert len(loaded) == len(index) and loaded.has_graph == index.has_graph
    for q in data[:20]:
        assert loaded.search(q, 5) == index.search(q, 5)
    loaded.add([0], data[:1])
    assert loaded.search(data[0], 1)[0][0] == 0


def damage(path: Path, how: str) -> None:
    raw = bytearray(path.read_bytes())
    if how == "flip":
        raw[len(raw) // 2] ^= 0xFF
    elif how == "truncate":
        raw = raw[: len(raw) - 100]
    elif how == "garbage":
        raw = bytearray(b"not an index at all" * 10)
    elif how == "header":
        raw[30:40] = b"{{{{{{{{{{"
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("how", ["flip", "truncate", "garbage", "header"])
def test_a_damaged_file_is_reported_and_left_alone(tmp_path: Path, how):
    index = make(GRAPH, n=300)
    path = tmp_path / "ns.hnsw"
    index.save(path)
    damage(path, how)
    before = path.read_bytes()
    with pytest.raises(StorageError) as err:
        VectorIndex.load(path)
    assert str(path) in str(err.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ns.hnsw"]


def test_loading_with_another_dimension_or_metric_fails(tmp_path: Path):
    path = tmp_path / "ns.hnsw"
    make(EXACT, n=10).save(path)
    with pytest.raises(StorageError, match=f"{DIM}-dimensional vectors, expected 8"):
        VectorIndex.load(path, dim=8)
    with pytest.raises(StorageError, match="metric cosine, expected euclidean"):
        VectorIndex.load(path, metric="euclidean")
    assert len(VectorIndex.load(path, dim=DIM)) == 10


def test_saving_over_a_file_replaces_it_whole(tmp_path: Path):
    path = tmp_path / "ns.hnsw"
    make(GRAPH, n=300).save(path)
    small = make(EXACT, n=5)
    small.save(path)
    assert len(VectorIndex.load(path)) == 5


def test_searches_run_while_vectors_are_added():
    data = clustered(3000)
    index = VectorIndex(DIM, HnswConfig(), exact_limit=500)
    index.add(range(1000), data[:1000])
    errors: list[BaseException] = []

    def search() -> None:
        try:
            for q in data[:200]:
                assert index.search(q, 5)
                index.search(q, 5, ef=64)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for t in threads:
        t.start()
    for start in range(1000, 3000, 100):
        index.add(range(start, start + 100), data[start : start + 100])
        index.delete([start - 500])
    for t in threads:
        t.join()
    assert not errors
    assert len(index) == 3000 - 20
