"""Shared pieces of the RAG service, Lua and CLI tests: passages, clocks and builders.

The local model is loaded once per test process (llmspell.rag.local_embedder caches it), so
every test here embeds for real without paying the load again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmspell.config import LLMSpellConfig
from llmspell.core.output import CaptureSink
from llmspell.rag.service import RagService
from llmspell.runtime import Runtime

#: (id, topic, passage, a question that avoids the passage's key words)
PASSAGES: list[tuple[str, str, str, str]] = [
    (
        "espresso",
        "cooking",
        "Espresso is brewed by forcing hot water through finely ground coffee under about "
        "nine bars of pressure, which takes twenty to thirty seconds per shot.",
        "How is a strong small coffee made with a machine?",
    ),
    (
        "photosynthesis",
        "biology",
        "Plants capture sunlight in their leaves and turn water and carbon dioxide into sugar, "
        "releasing oxygen as a by-product.",
        "How do green plants make their food?",
    ),
    (
        "offside",
        "sport",
        "A football player is offside when, as the ball is passed to them, they are nearer the "
        "opponents' goal line than both the ball and the second-last defender.",
        "When is an attacker penalised for standing too far forward in soccer?",
    ),
    (
        "dns",
        "computing",
        "The Domain Name System translates names such as example.com into the numeric IP "
        "addresses that computers use to find each other on the network.",
        "How does my browser find the server behind a website name?",
    ),
    (
        "altitude",
        "physics",
        "At high altitude the air pressure is lower, so water boils below 100 degrees Celsius "
        "and pasta takes longer to cook.",
        "Why does cooking take longer in the mountains?",
    ),
    (
        "index-funds",
        "finance",
        "An index fund buys every stock in a market index, giving broad diversification with "
        "very low fees compared with actively managed funds.",
        "What is a cheap way to invest in the whole stock market?",
    ),
    (
        "berlin-wall",
        "history",
        "The Berlin Wall divided the city from 1961 until November 1989, when crowds crossed "
        "the opened border crossings and began tearing it down.",
        "When did the barrier splitting the German capital come down?",
    ),
    (
        "guitar",
        "music",
        "Standard guitar tuning from the lowest string to the highest is E, A, D, G, B and E; "
        "a clip-on tuner makes it quick.",
        "Which notes should the six strings be set to?",
    ),
    (
        "puppies",
        "pets",
        "Young dogs should be house-trained with a regular schedule, taking them outside after "
        "meals and naps and praising them when they go in the right place.",
        "How do I teach a new puppy where to relieve itself?",
    ),
    (
        "hurricanes",
        "weather",
        "Tropical cyclones form over warm ocean water; the heat and moisture feed rising air "
        "that spins because of the Earth's rotation.",
        "What makes big rotating storms develop over the sea?",
    ),
    (
        "mortgage",
        "finance",
        "A fixed-rate home loan keeps the same interest rate for its whole term, so the monthly "
        "repayment never changes even when central bank rates rise.",
        "Which house loan protects me from rising interest payments?",
    ),
    (
        "spaced-repetition",
        "learning",
        "Reviewing flashcards at growing intervals, just before you would forget them, moves "
        "facts into long-term memory with far less total study time.",
        "What is an efficient technique to memorise vocabulary?",
    ),
]


class Clock:
    """A settable wall clock for TTL and rate-limit tests."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def rag_config(**rag: Any) -> LLMSpellConfig:
    return LLMSpellConfig.build({"rag": {"enabled": True, **rag}})


def make_service(home: Path, clock: Clock | None = None, **rag: Any) -> RagService:
    cfg = rag_config(**rag)
    runtime = Runtime.from_config(cfg, sink=CaptureSink(), home=home, cwd=home)
    return RagService(
        cfg.rag,
        home=home,
        providers=lambda: runtime.providers,
        paths=runtime.path_policy(),
        clock=clock or Clock(),
    )


def passage_docs() -> list[dict[str, Any]]:
    return [
        {"id": pid, "content": text, "metadata": {"topic": topic}}
        for pid, topic, text, _ in PASSAGES
    ]
