"""RAG ingest throughput with the bundled local embedder (SPEC §3: >= 500 chunks/s).

Baseline: the raw embedder (`LocalEmbedder.embed`) on the same texts in the same run, so the
figure shows what the service adds (chunking, SQLite, FTS5, the index) beside what the model
itself costs. The embedding cache is off, so every round embeds for real.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from cases import Figure

_WORDS = [
    "river", "mountain", "engine", "garden", "market", "signal", "protein", "window", "harbour",
    "theory", "budget", "planet", "cable", "forest", "lesson", "vessel", "climate", "patient",
    "circuit", "novel", "tunnel", "mineral", "orchestra", "ledger", "glacier", "compiler",
    "harvest", "voltage", "museum", "passport", "enzyme", "bridge", "canvas", "rocket",
    "dialect", "meadow", "reactor", "archive", "turbine", "insect", "pigment", "auction",
    "sensor", "vaccine", "lantern", "treaty",
]  # fmt: skip


def _texts(n: int, seed: int) -> list[str]:
    """`n` distinct passages of about 60 words: three sentences each."""
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        sentences = []
        for _ in range(3):
            words = rng.choices(_WORDS, k=19)
            sentences.append(" ".join(words).capitalize() + ".")
        texts.append(f"Passage {seed}-{i}. " + " ".join(sentences))
    return texts


def rag_ingest(*, quick: bool) -> list[Figure]:
    """Chunks/s through `RagService.ingest` (one ~60-word chunk per document), best round."""
    from llmspell.config import LLMSpellConfig
    from llmspell.providers import ProviderRegistry
    from llmspell.rag.local_embedder import LocalEmbedder
    from llmspell.rag.service import RagService

    n = 200 if quick else 500
    rounds = 2 if quick else 3
    cfg = LLMSpellConfig.build({"rag": {"enabled": True, "embedding": {"cache_enabled": False}}})
    raw = LocalEmbedder(batch_size=cfg.rag.embedding.batch_size)
    raw.load()
    raw.embed(_texts(8, seed=999))  # warm the session's first run
    service_rates, raw_rates = [], []
    with tempfile.TemporaryDirectory() as home:
        registry = ProviderRegistry(cfg.providers, home=Path(home))
        service = RagService(cfg.rag, home=Path(home), providers=lambda: registry)
        try:
            for r in range(rounds):
                texts = _texts(n, seed=r)
                started = time.perf_counter()
                raw.embed(texts)
                raw_rates.append(n / (time.perf_counter() - started))
                docs = [{"id": f"r{r}-{i}", "content": t} for i, t in enumerate(texts)]
                started = time.perf_counter()
                result = service.ingest(docs, {"collection": f"bench{r}"})
                service_rates.append(n / (time.perf_counter() - started))
                assert result["vectors_created"] == n, result
        finally:
            service.close()
            registry.close()
    ours, base = max(service_rates), max(raw_rates)
    return [
        Figure(
            name=f"RAG ingest, local embedder ({n} chunks of ~60 words)",
            value=ours,
            unit="chunks/s",
            budget=500,
            budget_kind="min",
            baseline=f"raw embedder alone: {base:,.0f} chunks/s "
            f"(service at {ours / base:.0%} of it; median {statistics.median(service_rates):.0f})",
        )
    ]
