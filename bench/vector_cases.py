"""Vector search: recall@10 and queries/s of the HNSW index on clustered 384-d vectors.

SPEC §3 budget: recall@10 >= 0.95 at >= 5k queries/s on 100k clustered 384-d vectors.
Data: 1000 Gaussian centres, points = centre + 0.7 * N(0, 1), L2-normalised, numpy seed 0;
1000 queries drawn the same way; ground truth from an exact numpy search. The index is the
product's `VectorIndex` with the default `[rag.vector_storage.hnsw]` (m=16,
ef_construction=200, cosine) and num_threads=2, saved under the system temp directory keyed by
its parameters, so only the first run builds it. Queries go through `VectorIndex.search` (one
vector per call, 1 thread) and `VectorIndex.search_batch` (all 1000 in one call, 2 threads),
best of three runs. The figures use the smallest ef_search reaching recall 0.95, named in the
figure; the sweep over ef goes to stderr.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import Figure

DIM = 384
CLUSTERS = 1000
SIGMA = 0.7
QUERIES = 1000
K = 10
RECALL_BUDGET = 0.95
QPS_BUDGET = 5000
REPEATS = 3  # best of: the machine is shared, so the fastest run is the least disturbed
EF_GRID = (10, 12, 16, 20, 24, 32, 40, 50, 64, 96, 128)


def _data(n: int):
    import numpy as np

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((CLUSTERS, DIM)).astype(np.float32)
    points = centres[rng.integers(0, CLUSTERS, n)]
    points += SIGMA * rng.standard_normal((n, DIM)).astype(np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    queries = centres[rng.integers(0, CLUSTERS, QUERIES)]
    queries += SIGMA * rng.standard_normal((QUERIES, DIM)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return points, queries


def _exact_top(points, queries):
    import numpy as np

    out = np.empty((len(queries), K), np.int64)
    for start in range(0, len(queries), 100):
        scores = queries[start : start + 100] @ points.T
        top = np.argpartition(-scores, K - 1, axis=1)[:, :K]
        out[start : start + 100] = top
    return out


def _index(points, config):
    """The built index, from the cache when present (built and saved on the first run)."""
    from llmspell.core.errors import StorageError
    from llmspell.rag.index import VectorIndex

    key = f"{len(points)}-{DIM}-{CLUSTERS}-{SIGMA}-seed0-{config.m}-{config.ef_construction}-v1"
    cache = Path(tempfile.gettempdir()) / "llmspell-bench" / f"vectors-{_digest(key)}.idx"
    if cache.exists():
        try:
            return VectorIndex.load(cache, config, dim=DIM, exact_limit=0), 0.0, True
        except StorageError:
            cache.unlink()
    index = VectorIndex(DIM, config, exact_limit=0)
    started = time.perf_counter()
    index.add(range(len(points)), points)
    built = time.perf_counter() - started
    index.save(cache)
    return index, built, False


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _recall(found: list[list[tuple[int, float]]], truth) -> float:
    pairs = zip(found, truth, strict=True)
    hits = sum(len({lab for lab, _ in row} & set(t.tolist())) for row, t in pairs)
    return hits / (len(truth) * K)


def _single_qps(index, queries) -> tuple[float, list]:
    results = []
    started = time.perf_counter()
    for q in queries:
        results.append(index.search(q, K))
    return len(queries) / (time.perf_counter() - started), results


def _batch_qps(index, queries, threads: int) -> tuple[float, list]:
    started = time.perf_counter()
    results = index.search_batch(queries, K, num_threads=threads)
    return len(queries) / (time.perf_counter() - started), results


def _exact_qps(points, queries) -> tuple[float, float]:
    import numpy as np

    sample = queries[:100]
    started = time.perf_counter()
    for q in sample:
        s = points @ q
        np.argpartition(-s, K - 1)[:K]
    single = len(sample) / (time.perf_counter() - started)
    started = time.perf_counter()
    _exact_top(points, queries)
    batch = len(queries) / (time.perf_counter() - started)
    return single, batch


def vector_search(*, quick: bool) -> list[Figure]:
    from llmspell.config.rag import HnswConfig

    n = 20_000 if quick else 100_000
    config = HnswConfig(num_threads=2)
    points, queries = _data(n)
    truth = _exact_top(points, queries)
    index, built, cached = _index(points, config)
    index.search(queries[0], K)
    sweep: dict[int, tuple[float, float, float]] = {}
    for ef in EF_GRID:
        index.set_ef(ef)
        single, found = max(_single_qps(index, queries) for _ in range(REPEATS))
        batch, found_batch = max(_batch_qps(index, queries, 2) for _ in range(REPEATS))
        sweep[ef] = (_recall(found, truth), single, batch)
        assert abs(_recall(found_batch, truth) - sweep[ef][0]) < 0.01
    chosen = next((ef for ef in EF_GRID if sweep[ef][0] >= RECALL_BUDGET), EF_GRID[-1])
    recall, single, batch = sweep[chosen]
    exact_single, exact_batch = _exact_qps(points, queries)
    default_ef = config.ef_search
    d_recall, d_single, d_batch = sweep.get(default_ef) or (0.0, 0.0, 0.0)
    size = f"{n // 1000}k x {DIM}"
    build_note = "index from cache" if cached else f"built in {built:.0f} s (2 threads)"
    table = ", ".join(f"ef{ef}: {r:.3f}@{s:,.0f}/{b:,.0f}" for ef, (r, s, b) in sweep.items())
    print(f"vector_search {size}: recall@single/batch qps: {table}", file=sys.stderr)
    return [
        Figure(
            name=f"vector recall@10, {size}, ef={chosen}",
            value=recall,
            unit="",
            budget=RECALL_BUDGET,
            budget_kind="min",
            baseline=f"exact numpy 1.0; {build_note}",
        ),
        Figure(
            name=f"vector queries/s, one per call, ef={chosen}",
            value=single,
            unit="q/s",
            budget=QPS_BUDGET,
            budget_kind="min",
            baseline=f"exact numpy {exact_single:,.0f} q/s",
        ),
        Figure(
            name=f"vector queries/s, batch of {QUERIES}, 2 threads, ef={chosen}",
            value=batch,
            unit="q/s",
            budget=QPS_BUDGET,
            budget_kind="min",
            baseline=f"exact numpy batch {exact_batch:,.0f} q/s",
        ),
        Figure(
            name=f"vector recall@10 at default ef_search={default_ef}",
            value=d_recall,
            unit="",
            budget=RECALL_BUDGET,
            budget_kind="min",
            baseline=f"{d_single:,.0f} q/s one per call, {d_batch:,.0f} q/s batch",
        ),
    ]


if __name__ == "__main__":
    from run import render

    print(render(vector_search(quick="--quick" in sys.argv)))
