"""Hybrid ranking: a weighted sum of the vector score and the normalised BM25 keyword score.

For the union of the vector candidates and the keyword candidates:

    score = (w_v * vector_score + w_k * keyword_score) / (w_v + w_k)

`vector_score` is the store's similarity (cosine for the default metric), computed for every
candidate, keyword-only ones included. `keyword_score` is the candidate's BM25 divided by the
best BM25 among the keyword candidates (so the best keyword match scores 1 and a chunk without
any query term scores 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["RankedHit", "fuse"]


class _Hit(Protocol):
    id: str
    score: float


@dataclass(slots=True)
class RankedHit:
    """A hit with its parts: `score` is what ranks it."""

    hit: Any
    score: float
    vector_score: float | None = None
    keyword_score: float | None = None


def fuse(
    vector_hits: Sequence[_Hit],
    keyword_hits: Sequence[_Hit],
    vector_scores: Mapping[str, float],
    *,
    vector_weight: float,
    keyword_weight: float,
) -> list[RankedHit]:
    """Rank the union of both lists; `vector_scores` holds the similarity of every candidate."""
    total = vector_weight + keyword_weight
    wv, wk = vector_weight / total, keyword_weight / total
    best = max((h.score for h in keyword_hits), default=0.0)
    keyword = {h.id: (h.score / best if best > 0 else 0.0) for h in keyword_hits}
    by_id: dict[str, Any] = {h.id: h for h in keyword_hits}
    by_id.update({h.id: h for h in vector_hits})
    ranked = []
    for hit_id, hit in by_id.items():
        v = float(vector_scores.get(hit_id, 0.0))
        kw = keyword.get(hit_id, 0.0)
        ranked.append(RankedHit(hit, wv * v + wk * kw, vector_score=v, keyword_score=kw))
    ranked.sort(key=lambda r: (-r.score, r.hit.id))
    return ranked
