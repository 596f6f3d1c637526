"""Split a document's text into chunks for embedding.

Sizes are counted in tokens as `count_tokens` defines them: every run of word characters
(`\\w+`: letters, digits, underscore, any script) is one token and every other non-whitespace
character is one token of its own (regex `\\w+|[^\\w\\s]`). "Don't panic!" is 5 tokens:
`Don`, `'`, `t`, `panic`, `!`. The count is exact for that regex; it is not a model tokenizer's
count (those usually give a few more tokens for the same text).

Strategies:

- `sliding_window`: windows of `chunk_size` tokens stepping by `chunk_size - overlap`; a window's
  end backs off to a paragraph boundary (blank line, markdown heading or list item), else a
  sentence end, else a line break, when one lies in the last quarter of the window. Neighbours
  share exactly `overlap` tokens.
- `sentence`: whole sentences packed up to `chunk_size`; neighbours share trailing sentences
  worth at most `overlap` tokens. A sentence longer than `max_chunk_size` (default `chunk_size`)
  is split like `sliding_window`, backing off to line breaks.
- `semantic`: `sentence` packing that also closes a chunk at a paragraph boundary once the chunk
  holds at least half of `chunk_size`.
- `token`: exact windows of `chunk_size` tokens (the last may be shorter) stepping by
  `chunk_size - overlap`.

Chunks start and end on tokens, so they never begin or end with whitespace, and
`text[chunk.start:chunk.end] == chunk.text`. A trailing chunk with fewer than `min_chunk_size`
tokens is merged into the previous one unless that would exceed `max_chunk_size` (when given).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate, pairwise
from typing import Literal

from llmspell.core.errors import ValidationError

__all__ = ["STRATEGIES", "Chunk", "Strategy", "chunk_text", "count_tokens"]

Strategy = Literal["sliding_window", "sentence", "token", "semantic"]
STRATEGIES: tuple[str, ...] = ("sliding_window", "sentence", "token", "semantic")

_TOKEN = re.compile(r"\w+|[^\w\s]")
_TOKEN_SPLIT = re.compile(r"(\w+|[^\w\s])")
_HEADING = r"[^\S\n]*#{1,6}[^\S\n][^\n]*\n"
_LIST_ITEM = r"[^\S\n]*(?:[-*+]|\d{1,3}[.)])[^\S\n]"
# Each pattern starts with one literal or character set so the regex engine can skip ahead fast.
_BLOCK = re.compile(rf"\n(?:(?=[^\S\n]*\n)|(?P<heading>{_HEADING})|(?={_LIST_ITEM}))")
_FIRST_HEADING = re.compile(rf"\s*(?P<heading>{_HEADING})")
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*(?=\s+[^a-z\s])")
_CJK_SENTENCE_END = re.compile(r"[\u3002\uff01\uff1f]+[\u300d\u300f]*")
_LINE = re.compile(r"\n")
_BACKOFF_FRACTION = 0.25

_Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Tokens:
    """Character offsets of every token of a text."""

    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> _Tokens:
        offsets = list(accumulate(map(len, _TOKEN_SPLIT.split(text))))
        return cls(offsets[0:-1:2], offsets[1::2])

    def at(self, position: int) -> int:
        """Index of the first token starting at or after the character `position`."""
        return bisect_left(self.starts, position)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One piece of a document: its text, position and token count."""

    text: str
    index: int
    start: int
    end: int
    tokens: int


def count_tokens(text: str) -> int:
    """Number of `\\w+|[^\\w\\s]` tokens: word runs and single punctuation/symbol characters."""
    return len(_TOKEN.findall(text))


def chunk_text(
    text: str,
    *,
    strategy: str = "sliding_window",
    chunk_size: int = 512,
    overlap: int = 64,
    min_chunk_size: int = 0,
    max_chunk_size: int | None = None,
) -> list[Chunk]:
    """Split `text` into chunks by `strategy`; sizes in tokens (see the module docstring)."""
    if not isinstance(text, str):
        raise ValidationError(
            f"chunking: text must be a string, got {type(text).__name__}",
            hint="Pass the document's text (load files with load_document first).",
        )
    name = _check_strategy(strategy)
    limit = _check_sizes(chunk_size, overlap, min_chunk_size, max_chunk_size)
    tokens = _Tokens.of(text)
    if not tokens.starts:
        return []
    if name == "token":
        ranges = _windows(0, len(tokens.starts), chunk_size, overlap)
    elif name == "sliding_window":
        ranges = _sliding(text, tokens, chunk_size, overlap)
    else:
        ranges = _packed(text, tokens, chunk_size, overlap, limit, paragraphs=name == "semantic")
    if len(ranges) > 1 and ranges[-1][1] - ranges[-1][0] < min_chunk_size:
        first, last = ranges[-2][0], ranges[-1][1]
        if max_chunk_size is None or last - first <= max_chunk_size:
            ranges[-2:] = [(first, last)]
    chunks = []
    for index, (first, last) in enumerate(ranges):
        start, end = tokens.starts[first], tokens.ends[last - 1]
        chunks.append(Chunk(text[start:end], index, start, end, last - first))
    return chunks


def _check_strategy(strategy: object) -> str:
    name = strategy.strip().lower().replace("-", "_") if isinstance(strategy, str) else None
    if name not in STRATEGIES:
        raise ValidationError(
            f"chunking: unknown strategy {strategy!r}",
            hint=f"Use one of: {', '.join(STRATEGIES)}.",
        )
    return name


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"chunking: {name} must be an integer number of tokens, "
            f"got {type(value).__name__} {value!r}",
            hint=f"Set chunking.{name} to a whole number.",
        )
    if value < minimum:
        raise ValidationError(
            f"chunking: {name} ({value}) must be at least {minimum}",
            hint=f"Set chunking.{name} to {minimum} or more.",
        )
    return value


def _check_sizes(
    chunk_size: int, overlap: int, min_chunk_size: int, max_chunk_size: int | None
) -> int:
    """Validate the sizes; return the effective maximum chunk size."""
    _check_int("chunk_size", chunk_size, 1)
    _check_int("overlap", overlap, 0)
    _check_int("min_chunk_size", min_chunk_size, 0)
    if overlap >= chunk_size:
        raise ValidationError(
            f"chunking: overlap ({overlap}) must be less than chunk_size ({chunk_size})",
            hint="Lower chunking.overlap or raise chunking.chunk_size.",
        )
    if max_chunk_size is None:
        limit = chunk_size
    else:
        limit = _check_int("max_chunk_size", max_chunk_size, 1)
        if chunk_size > limit:
            raise ValidationError(
                f"chunking: chunk_size ({chunk_size}) must not exceed "
                f"max_chunk_size ({max_chunk_size})",
                hint="Lower chunking.chunk_size or raise chunking.max_chunk_size.",
            )
        if min_chunk_size > limit:
            raise ValidationError(
                f"chunking: min_chunk_size ({min_chunk_size}) must not exceed "
                f"max_chunk_size ({max_chunk_size})",
                hint="Lower chunking.min_chunk_size or raise chunking.max_chunk_size.",
            )
    return max(limit, chunk_size)


def _windows(first: int, last: int, size: int, overlap: int) -> list[_Span]:
    """Token windows of `size` over [first, last) stepping by size - overlap."""
    ranges = []
    step = size - overlap
    start = first
    while True:
        end = min(start + size, last)
        ranges.append((start, end))
        if end >= last:
            return ranges
        start += step


def _boundaries(text: str, tokens: _Tokens, *patterns: re.Pattern[str]) -> list[int]:
    """Sorted token indexes b (0 < b < n) where a pattern separates token b-1 from token b."""
    n = len(tokens.starts)
    found = set()
    for pattern in patterns:
        for match in pattern.finditer(text):
            found.add(tokens.at(match.end()))
            if pattern is _BLOCK and match.start("heading") >= 0:
                found.add(tokens.at(match.start("heading")))
    if _BLOCK in patterns and (first := _FIRST_HEADING.match(text)):
        found.add(tokens.at(first.end()))
    found.discard(0)
    found.discard(n)
    return sorted(found)


def _last_in(points: list[int], low: int, high: int) -> int | None:
    """The largest point p with low <= p <= high, if any."""
    i = bisect_right(points, high)
    if i and points[i - 1] >= low:
        return points[i - 1]
    return None


def _sliding(text: str, tokens: _Tokens, size: int, overlap: int) -> list[_Span]:
    if len(tokens.starts) <= size:
        return [(0, len(tokens.starts))]
    kinds = [
        _boundaries(text, tokens, _BLOCK),
        _boundaries(text, tokens, _SENTENCE_END, _CJK_SENTENCE_END),
        _boundaries(text, tokens, _LINE),
    ]
    return _backed_off(kinds, 0, len(tokens.starts), size, overlap)


def _backed_off(
    kinds: list[list[int]], first: int, last: int, size: int, overlap: int
) -> list[_Span]:
    """Windows over [first, last) whose ends back off to the first kind of boundary found."""
    backoff = max(1, int(size * _BACKOFF_FRACTION))
    ranges = []
    start = first
    while True:
        end = start + size
        if end >= last:
            ranges.append((start, last))
            return ranges
        low = max(end - backoff, start + overlap + 1)
        for points in kinds:
            cut = _last_in(points, low, end)
            if cut is not None:
                end = cut
                break
        ranges.append((start, end))
        start = end - overlap


def _sentences(text: str, tokens: _Tokens) -> tuple[list[_Span], set[int]]:
    """Sentence token ranges covering all tokens, and the paragraph-boundary token indexes."""
    blocks = _boundaries(text, tokens, _BLOCK)
    ends = _boundaries(text, tokens, _SENTENCE_END, _CJK_SENTENCE_END)
    edges = [0, *sorted({*blocks, *ends}), len(tokens.starts)]
    return list(pairwise(edges)), set(blocks)


def _packed(
    text: str,
    tokens: _Tokens,
    size: int,
    overlap: int,
    limit: int,
    *,
    paragraphs: bool,
) -> list[_Span]:
    """Pack whole sentences into chunks of at most `size` tokens, carrying `overlap`."""
    sentences, blocks = _sentences(text, tokens)
    lines: list[int] | None = None
    ranges: list[_Span] = []
    current: list[_Span] = []
    count = 0
    for first, last in sentences:
        length = last - first
        if length > limit:
            if _has_new(current, ranges):
                ranges.append((current[0][0], current[-1][1]))
            current, count = [], 0
            if lines is None:
                lines = _boundaries(text, tokens, _LINE)
            ranges.extend(_backed_off([lines], first, last, size, overlap))
            continue
        while current and count + length > size:
            if _has_new(current, ranges):
                ranges.append((current[0][0], current[-1][1]))
                current = _carry(current, overlap)
            else:
                current.pop(0)
            count = sum(b - a for a, b in current)
        current.append((first, last))
        count += length
        if paragraphs and last in blocks and count * 2 >= size:
            ranges.append((current[0][0], current[-1][1]))
            current = _carry(current, overlap)
            count = sum(b - a for a, b in current)
    if _has_new(current, ranges):
        ranges.append((current[0][0], current[-1][1]))
    return ranges


def _carry(sentences: list[_Span], overlap: int) -> list[_Span]:
    """The trailing sentences (never all of them) that fit in `overlap` tokens."""
    carried: list[_Span] = []
    shared = 0
    for first, last in reversed(sentences[1:]):
        shared += last - first
        if shared > overlap:
            break
        carried.append((first, last))
    carried.reverse()
    return carried


def _has_new(current: list[_Span], ranges: list[_Span]) -> bool:
    """True when `current` holds a sentence past the end of the last emitted chunk."""
    return bool(current) and (not ranges or current[-1][1] > ranges[-1][1])
