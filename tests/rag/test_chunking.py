"""chunk_text and count_tokens: coverage, offsets, overlap, sentence integrity, bad parameters."""

from __future__ import annotations

import random
import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmspell.core.errors import ValidationError
from llmspell.rag.chunking import STRATEGIES, Chunk, chunk_text, count_tokens

WORDS = ["alpha", "beta", "gamma", "delta", "vector", "index", "chunk", "query", "model", "store"]


def sentence(rng: random.Random, words: int) -> str:
    """A sentence of `words` words plus its full stop: words + 1 tokens."""
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    return body[0].upper() + body[1:] + "."


def prose(seed: int = 7, paragraphs: int = 40) -> str:
    rng = random.Random(seed)
    return "\n\n".join(
        " ".join(sentence(rng, rng.randint(3, 14)) for _ in range(rng.randint(1, 6)))
        for _ in range(paragraphs)
    )


def uncovered(text: str, chunks: list[Chunk]) -> list[int]:
    covered = bytearray(len(text))
    for chunk in chunks:
        covered[chunk.start : chunk.end] = b"\1" * (chunk.end - chunk.start)
    return [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]


def check_invariants(text: str, chunks: list[Chunk]) -> None:
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text and chunk.text == chunk.text.strip()
        assert chunk.tokens == count_tokens(chunk.text)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert uncovered(text, chunks) == []


def shared_tokens(a: Chunk, b: Chunk, text: str) -> int:
    return count_tokens(text[b.start : a.end]) if b.start < a.end else 0


# count_tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("hello", 1),
        ("Don't panic!", 5),
        ("naïve café 東京", 3),
        ("x=1.5; y_2", 7),
        ("a\u00a0b", 2),
    ],
)
def test_count_tokens_counts_word_runs_and_single_symbols(text: str, expected: int) -> None:
    assert count_tokens(text) == expected


# every strategy


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_covers_the_text_with_exact_offsets(strategy: str) -> None:
    text = prose()
    chunks = chunk_text(text, strategy=strategy, chunk_size=60, overlap=10)
    assert len(chunks) > 5
    check_invariants(text, chunks)
    assert all(c.tokens <= 60 for c in chunks)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_short_text_is_one_chunk_without_surrounding_whitespace(strategy: str) -> None:
    text = "\n\n  Hello there, world.  \n"
    assert chunk_text(text, strategy=strategy) == [Chunk("Hello there, world.", 0, 4, 23, 5)]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_empty_or_blank_text_gives_no_chunks(strategy: str, text: str) -> None:
    assert chunk_text(text, strategy=strategy) == []


def test_strategy_names_are_folded() -> None:
    text = prose(paragraphs=3)
    assert chunk_text(text, strategy="Sliding-Window", chunk_size=20, overlap=0) == chunk_text(
        text, strategy="sliding_window", chunk_size=20, overlap=0
    )


# token


def test_token_windows_have_exact_sizes_and_steps() -> None:
    text = " ".join(f"w{i}" for i in range(103))
    chunks = chunk_text(text, strategy="token", chunk_size=10, overlap=3)
    assert [c.tokens for c in chunks[:-1]] == [10] * (len(chunks) - 1)
    assert 0 < chunks[-1].tokens <= 10
    assert [c.text.split()[0] for c in chunks] == [f"w{i}" for i in range(0, 99, 7)]
    assert chunks[-1].text.endswith("w102")
    for a, b in pairwise(chunks):
        assert shared_tokens(a, b, text) == 3


def test_token_windows_without_overlap_partition_the_tokens() -> None:
    text = " ".join(f"w{i}" for i in range(25))
    chunks = chunk_text(text, strategy="token", chunk_size=10, overlap=0)
    assert [c.tokens for c in chunks] == [10, 10, 5]
    assert " ".join(c.text for c in chunks) == text


# sliding_window


def test_sliding_window_neighbours_share_exactly_overlap_tokens() -> None:
    text = prose(seed=3, paragraphs=60)
    chunks = chunk_text(text, strategy="sliding_window", chunk_size=80, overlap=16)
    assert len(chunks) > 5
    for a, b in pairwise(chunks):
        assert shared_tokens(a, b, text) == 16
        assert a.text.endswith(text[b.start : a.end])


def test_sliding_window_backs_off_to_a_paragraph_end() -> None:
    first = " ".join(f"one{i}" for i in range(85)) + "."
    second = " ".join(f"two{i}" for i in range(60)) + "."
    text = f"{first}\n\n{second}"
    chunks = chunk_text(text, strategy="sliding_window", chunk_size=100, overlap=0)
    assert chunks[0].text == first
    assert chunks[1].text == second


def test_sliding_window_backs_off_to_a_sentence_end() -> None:
    first = " ".join(f"one{i}" for i in range(89)) + "."
    second = " ".join(f"two{i}" for i in range(60)) + "."
    text = f"{first} {second.capitalize()}"
    chunks = chunk_text(text, strategy="sliding_window", chunk_size=100, overlap=0)
    assert chunks[0].text == first


def test_sliding_window_cuts_at_the_window_size_without_a_boundary_near_the_end() -> None:
    text = " ".join(f"w{i}" for i in range(30)) + ". " + " ".join(f"x{i}" for i in range(200))
    chunks = chunk_text(text, strategy="sliding_window", chunk_size=100, overlap=0)
    assert chunks[0].tokens == 100


# sentence and semantic


def sentences_text(seed: int, count: int, longest: int) -> tuple[str, list[tuple[int, int]]]:
    rng = random.Random(seed)
    parts, spans, pos = [], [], 0
    for _ in range(count):
        s = sentence(rng, rng.randint(2, longest))
        parts.append(s)
        spans.append((pos, pos + len(s)))
        pos += len(s) + 1
    return " ".join(parts), spans


@pytest.mark.parametrize("strategy", ["sentence", "semantic"])
def test_sentence_strategy_never_cuts_inside_a_sentence(strategy: str) -> None:
    text, spans = sentences_text(seed=11, count=120, longest=18)
    chunks = chunk_text(text, strategy=strategy, chunk_size=40, overlap=12)
    check_invariants(text, chunks)
    for start, end in spans:
        assert any(c.start <= start and end <= c.end for c in chunks)
        for c in chunks:
            assert not start < c.start < end
            assert not start < c.end < end
    assert all(c.tokens <= 40 for c in chunks)


def test_sentence_neighbours_share_trailing_sentences_within_overlap() -> None:
    text, _ = sentences_text(seed=5, count=80, longest=5)
    chunks = chunk_text(text, strategy="sentence", chunk_size=30, overlap=10)
    for a, b in pairwise(chunks):
        shared = shared_tokens(a, b, text)
        assert 0 < shared <= 10
        shared_text = text[b.start : a.end]
        assert a.text.endswith(shared_text) and b.text.startswith(shared_text)
        assert shared_text.endswith(".")


def test_sentence_without_overlap_partitions_the_sentences() -> None:
    text, _ = sentences_text(seed=2, count=50, longest=10)
    chunks = chunk_text(text, strategy="sentence", chunk_size=30, overlap=0)
    assert " ".join(c.text for c in chunks) == text


def test_a_sentence_longer_than_the_maximum_is_split() -> None:
    long = "Long " + " ".join(f"w{i}" for i in range(50)) + "."
    text = f"Short one. {long} Short two."
    chunks = chunk_text(text, strategy="sentence", chunk_size=10, overlap=0)
    check_invariants(text, chunks)
    assert all(c.tokens <= 10 for c in chunks)
    assert chunks[0].text == "Short one."
    assert chunks[-1].text == "Short two."


def test_a_long_unpunctuated_block_is_split_at_line_breaks() -> None:
    lines = [f"line{i} = value{i} + 1" for i in range(12)]
    text = "Code follows.\n\n" + "\n".join(lines)
    chunks = chunk_text(text, strategy="sentence", chunk_size=22, overlap=0)
    check_invariants(text, chunks)
    assert chunks[0].text == "Code follows."
    for chunk in chunks[1:]:
        assert chunk.text.startswith("line") and chunk.text.endswith("+ 1")


def test_max_chunk_size_keeps_a_long_sentence_whole() -> None:
    long = "Alpha " + " ".join(f"w{i}" for i in range(13)) + "."
    text = f"Short one. {long} Short two."
    chunks = chunk_text(text, strategy="sentence", chunk_size=10, overlap=0, max_chunk_size=20)
    assert [c.text for c in chunks] == ["Short one.", long, "Short two."]
    assert chunks[1].tokens == 15


def test_sentence_boundaries_skip_abbreviations_followed_by_lowercase() -> None:
    text = "Use e.g. this form here. Next sentence follows."
    chunks = chunk_text(text, strategy="sentence", chunk_size=10, overlap=0)
    assert [c.text for c in chunks] == ["Use e.g. this form here.", "Next sentence follows."]


def test_semantic_closes_chunks_at_paragraph_ends() -> None:
    rng = random.Random(1)
    paragraphs = [" ".join(sentence(rng, 5) for _ in range(4)) for _ in range(6)]
    text = "\n\n".join(paragraphs)
    chunks = chunk_text(text, strategy="semantic", chunk_size=40, overlap=0)
    assert [c.text for c in chunks] == paragraphs
    packed = chunk_text(text, strategy="sentence", chunk_size=40, overlap=0)
    assert [c.text for c in packed] != paragraphs


def test_markdown_headings_are_boundaries() -> None:
    text = "# Title\nIntro words here\n\n## Part\n- item one\n- item two"
    chunks = chunk_text(text, strategy="sentence", chunk_size=3, overlap=0)
    assert [c.text for c in chunks] == [
        "# Title",
        "Intro words here",
        "## Part",
        "- item one",
        "- item two",
    ]


# min_chunk_size


def test_small_trailing_chunk_merges_into_the_previous_one() -> None:
    text = " ".join(f"w{i}" for i in range(25))
    chunks = chunk_text(text, strategy="token", chunk_size=10, overlap=0, min_chunk_size=6)
    assert [c.tokens for c in chunks] == [10, 15]
    assert chunks[-1].text.endswith("w24")
    check_invariants(text, chunks)


def test_trailing_merge_respects_max_chunk_size() -> None:
    text = " ".join(f"w{i}" for i in range(25))
    chunks = chunk_text(
        text, strategy="token", chunk_size=10, overlap=0, min_chunk_size=6, max_chunk_size=12
    )
    assert [c.tokens for c in chunks] == [10, 10, 5]


def test_trailing_chunk_at_min_size_is_kept() -> None:
    text = " ".join(f"w{i}" for i in range(25))
    chunks = chunk_text(text, strategy="token", chunk_size=10, overlap=0, min_chunk_size=5)
    assert [c.tokens for c in chunks] == [10, 10, 5]


def test_a_single_small_chunk_is_kept() -> None:
    assert [c.text for c in chunk_text("tiny", min_chunk_size=100)] == ["tiny"]


# bad parameters


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"overlap": 600}, "chunking: overlap (600) must be less than chunk_size (512)"),
        ({"chunk_size": 10, "overlap": 10}, "overlap (10) must be less than chunk_size (10)"),
        ({"chunk_size": 0}, "chunking: chunk_size (0) must be at least 1"),
        ({"chunk_size": -5, "overlap": 0}, "chunk_size (-5) must be at least 1"),
        ({"overlap": -1}, "chunking: overlap (-1) must be at least 0"),
        ({"min_chunk_size": -1}, "min_chunk_size (-1) must be at least 0"),
        ({"chunk_size": 12.5}, "chunk_size must be an integer number of tokens, got float 12.5"),
        ({"chunk_size": True}, "chunk_size must be an integer number of tokens, got bool"),
        ({"overlap": "8"}, "overlap must be an integer number of tokens, got str '8'"),
        ({"max_chunk_size": 100}, "chunk_size (512) must not exceed max_chunk_size (100)"),
        (
            {"min_chunk_size": 3000, "max_chunk_size": 2048},
            "min_chunk_size (3000) must not exceed max_chunk_size (2048)",
        ),
    ],
)
def test_bad_sizes_name_the_parameter(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)) as info:
        chunk_text("some text", **kwargs)
    assert info.value.hint


def test_unknown_strategy_lists_the_known_ones() -> None:
    with pytest.raises(ValidationError) as info:
        chunk_text("some text", strategy="paragraphs")
    text = str(info.value)
    assert "unknown strategy 'paragraphs'" in text
    for name in STRATEGIES:
        assert name in text


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["a"]])
def test_text_must_be_a_string(value: object) -> None:
    with pytest.raises(ValidationError, match="text must be a string, got"):
        chunk_text(value)  # type: ignore[arg-type]


# properties

PIECES = st.sampled_from(
    ["alpha", "Beta", "gamma", "42", "e.g.", ".", "!", "?", ",", "'", "東京", "ü", "# ", "- ",
     " ", " ", " ", "\n", "\n\n", "\t", "\u00a0", "\u3000"]
)  # fmt: skip


def settings_for_chunking() -> settings:
    return settings(max_examples=150, deadline=None)


@settings_for_chunking()
@given(
    text=st.one_of(st.lists(PIECES, max_size=200).map("".join), st.text(max_size=300)),
    strategy=st.sampled_from(STRATEGIES),
    chunk_size=st.integers(1, 30),
    overlap_fraction=st.floats(0, 0.99),
    min_chunk_size=st.integers(0, 10),
)
def test_chunks_cover_the_text_with_exact_offsets(
    text: str, strategy: str, chunk_size: int, overlap_fraction: float, min_chunk_size: int
) -> None:
    overlap = int(chunk_size * overlap_fraction)
    chunks = chunk_text(
        text,
        strategy=strategy,
        chunk_size=chunk_size,
        overlap=overlap,
        min_chunk_size=min_chunk_size,
    )
    check_invariants(text, chunks)
    assert sum(c.tokens for c in chunks) >= count_tokens(text)
    for chunk in chunks[:-1]:
        assert chunk.tokens <= chunk_size
    if chunks and len(chunks) > 1:
        assert chunks[-1].tokens <= chunk_size + min_chunk_size


@settings_for_chunking()
@given(
    words=st.lists(st.sampled_from([*WORDS, ".", ",", "!"]), min_size=1, max_size=300),
    chunk_size=st.integers(2, 40),
    overlap_fraction=st.floats(0, 0.99),
)
def test_fixed_windows_share_exactly_the_overlap(
    words: list[str], chunk_size: int, overlap_fraction: float
) -> None:
    overlap = int(chunk_size * overlap_fraction)
    text = " ".join(words)
    for strategy in ("token", "sliding_window"):
        chunks = chunk_text(text, strategy=strategy, chunk_size=chunk_size, overlap=overlap)
        for a, b in pairwise(chunks):
            assert shared_tokens(a, b, text) == overlap
            assert b.end > a.end
        if strategy == "token":
            assert all(c.tokens == chunk_size for c in chunks[:-1])


@settings_for_chunking()
@given(
    lengths=st.lists(st.integers(1, 25), min_size=1, max_size=60),
    separators=st.lists(st.sampled_from([" ", "  ", "\n", "\n\n"]), min_size=60, max_size=60),
    strategy=st.sampled_from(["sentence", "semantic"]),
    chunk_size=st.integers(3, 40),
    overlap_fraction=st.floats(0, 0.99),
)
def test_sentences_that_fit_are_never_cut(
    lengths: list[int],
    separators: list[str],
    strategy: str,
    chunk_size: int,
    overlap_fraction: float,
) -> None:
    rng = random.Random(len(lengths))
    parts, spans, pos = [], [], 0
    for length, separator in zip(lengths, separators, strict=False):
        s = sentence(rng, length)
        parts.append(s + separator)
        spans.append((pos, pos + len(s), length + 1))
        pos += len(s) + len(separator)
    text = "".join(parts)
    overlap = int(chunk_size * overlap_fraction)
    chunks = chunk_text(text, strategy=strategy, chunk_size=chunk_size, overlap=overlap)
    check_invariants(text, chunks)
    for start, end, tokens in spans:
        if tokens <= chunk_size:
            assert any(c.start <= start and end <= c.end for c in chunks)
            assert not any(start < c.start < end or start < c.end < end for c in chunks)
