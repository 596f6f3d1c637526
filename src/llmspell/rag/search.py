"""Searching one namespace: vector, keyword (BM25) or hybrid, as script-shaped hits.

`SearchCache` (`[rag.cache]`) keeps recent answers: an LRU with a TTL whose keys hold the
namespace's id and generation (see `VectorStore.version`), so any write to the namespace, by
this or another process, makes its older entries unreachable; an entry also ends when the
earliest chunk of the namespace expires.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from llmspell.rag.hybrid import RankedHit, fuse

if TYPE_CHECKING:
    import numpy as np

    from llmspell.rag.options import SearchRequest
    from llmspell.rag.store import Hit, VectorStore

__all__ = ["CANDIDATES_MIN", "SearchCache", "request_key", "run_search"]

CANDIDATES_MIN = 50


def run_search(
    store: VectorStore,
    request: SearchRequest,
    embed_query: Callable[[], np.ndarray],
) -> list[dict[str, Any]]:
    """The request's hits, best first; `embed_query` is called only when vectors are needed."""
    ns = request.namespace.name
    if request.mode == "keyword":
        hits = store.keyword_search(ns, request.query, k=request.k, filter=request.filter)
        ranked = [RankedHit(h, h.score, keyword_score=h.score) for h in hits]
        if request.threshold is not None:
            ranked = [r for r in ranked if r.score >= request.threshold]
        return [_shape(r) for r in ranked]
    vector = embed_query()
    if request.mode == "vector":
        hits = store.search(
            ns, vector, k=request.k, filter=request.filter, threshold=request.threshold
        )
        return [_shape(RankedHit(h, h.score, vector_score=h.score)) for h in hits]
    pool = min(max(request.k * 4, CANDIDATES_MIN), 10_000)
    by_vector = store.search(ns, vector, k=pool, filter=request.filter)
    by_keyword = store.keyword_search(ns, request.query, k=pool, filter=request.filter)
    scores = {h.id: h.score for h in by_vector}
    missing = [h.id for h in by_keyword if h.id not in scores]
    if missing:
        scores.update(store.similarities(ns, vector, missing))
    ranked = fuse(
        by_vector,
        by_keyword,
        scores,
        vector_weight=request.vector_weight,
        keyword_weight=request.keyword_weight,
    )
    if request.threshold is not None:
        ranked = [r for r in ranked if r.score >= request.threshold]
    return [_shape(r) for r in ranked[: request.k]]


def _shape(ranked: RankedHit) -> dict[str, Any]:
    hit: Hit = ranked.hit
    out: dict[str, Any] = {
        "id": hit.id,
        "text": hit.text,
        "content": hit.text,
        "score": ranked.score,
        "metadata": hit.metadata,
        "document_id": hit.doc_id,
        "chunk_index": hit.chunk_index,
    }
    if ranked.vector_score is not None:
        out["vector_score"] = ranked.vector_score
    if ranked.keyword_score is not None:
        out["keyword_score"] = ranked.keyword_score
    return out


def request_key(request: SearchRequest) -> tuple[Any, ...]:
    """The parts of a search request its answer depends on, normalised and hashable."""
    filter_key = (
        None if request.filter is None else json.dumps(request.filter, sort_keys=True, default=repr)
    )
    return (
        request.namespace.name,
        request.query,
        request.k,
        request.mode,
        filter_key,
        request.threshold,
        request.vector_weight,
        request.keyword_weight,
        request.provider,
        request.model,
    )


class SearchCache:
    """Search answers by key: LRU, `capacity` 0 keeps nothing, `ttl` 0 never expires by age.

    Entries are stored and handed out as deep copies, so callers may change what they get.
    """

    def __init__(self, capacity: int, ttl: float, clock: Callable[[], float]) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, list[dict[str, Any]]]] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock
        self.capacity = capacity
        self.ttl = ttl
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> list[dict[str, Any]] | None:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now >= entry[0]:
                del self._entries[key]
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return copy.deepcopy(entry[1])

    def put(
        self, key: Hashable, results: list[dict[str, Any]], *, until: float | None = None
    ) -> None:
        """Keep `results` until the TTL passes or `until` (e.g. a chunk's expiry), if sooner."""
        if self.capacity <= 0:
            return
        now = self._clock()
        ends = [t for t in (now + self.ttl if self.ttl else None, until) if t is not None]
        expires = min(ends) if ends else float("inf")
        if expires <= now:
            return
        kept = copy.deepcopy(results)
        with self._lock:
            self._entries[key] = (expires, kept)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
