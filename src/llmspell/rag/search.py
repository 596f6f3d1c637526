"""Searching one namespace: vector, keyword (BM25) or hybrid, as script-shaped hits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmspell.rag.hybrid import RankedHit, fuse

if TYPE_CHECKING:
    import numpy as np

    from llmspell.rag.options import SearchRequest
    from llmspell.rag.store import Hit, VectorStore

__all__ = ["CANDIDATES_MIN", "run_search"]

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
