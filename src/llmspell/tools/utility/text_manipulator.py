"""text_manipulator: case changes, replace, split/join, counts, truncate, wrap, regex."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.utility.text_ops import (
    MAX_PATTERN,
    compile_regex,
    counts,
    join_parts,
    opt,
    regex_match,
    regex_sub,
    transform,
)

MAX_REGEX_INPUT = 100_000
Operation = Literal[
    "uppercase", "lowercase", "reverse", "trim", "replace", "substring", "split", "join",
    "snake_case", "camel_case", "pascal_case", "kebab_case", "title_case", "sanitize",
    "truncate", "indent", "dedent", "normalize_whitespace", "word_wrap", "count", "word_count",
    "char_count", "regex_match", "regex_replace",
]  # fmt: skip
CountType = Literal["words", "chars", "characters", "lines", "sentences", "paragraphs", "all"]


class Params(ToolParams):
    operation: Operation = Field(description="what to do with the text (see the list)")
    input: str | list[str] = Field(
        validation_alias=AliasChoices("input", "text", "content", "string"),
        description="the text (for join: a list of strings or a JSON array string)",
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="per-operation settings: replace {from, to}, substring {start, end}, "
        "split/join {delimiter}, truncate {max_length, suffix}, indent {spaces}, word_wrap "
        "{width}, count {count_type}, regex_* {pattern, replacement, flags, count}",
    )
    count_type: CountType | None = Field(None, description="count: what to count (default words)")
    pattern: str | None = Field(
        None, max_length=MAX_PATTERN, description="regex_match/regex_replace: the pattern"
    )
    replacement: str | None = Field(None, description="regex_replace: \\1 or $1 for groups")
    delimiter: str | None = Field(None, description="split/join: the separator")
    max_length: int | None = Field(None, ge=0, description="truncate: the longest result")

    @field_validator("options", mode="before")
    @classmethod
    def _empty_table(cls, value: Any) -> Any:
        return {} if value == [] or value is None else value


class TextManipulator(Tool[Params]):
    name = "text_manipulator"
    category = "utility"
    description = (
        "Transform text: upper/lower/title/snake/camel/pascal/kebab case, trim, reverse, replace, "
        "substring, split/join, truncate, indent, wrap, word and character counts, regex."
    )
    tags = ("text", "string", "case", "regex", "format")
    Params = Params
    result_keys = {
        "*": "result (the new text; a list for split and regex_match, a number for counts), "
        "operation, original_length, result_length",
        "count/word_count/char_count": "also count_type and counts{characters, words, lines, ...}",
        "regex_match": "also matched, count, matches[{match, start, end, groups, named}]",
        "regex_replace": "also replacements",
    }
    security_notes = (
        "Pure computation. Input is capped at `tools.file_operations.max_file_size`, results "
        f"may not grow past it; regex operations accept at most {MAX_REGEX_INPUT:,} characters "
        f"of input and {MAX_PATTERN:,} of pattern (Python's regex engine backtracks)."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = params.operation
        opts = dict(params.options)
        for key in ("count_type", "pattern", "replacement", "delimiter", "max_length"):
            if getattr(params, key) is not None:
                opts[key] = getattr(params, key)
        if isinstance(params.input, list) and op != "join":
            raise ValueError(f"{op} needs 'input' to be a string, not a list")
        text = params.input if isinstance(params.input, str) else ""
        ctx.check_size(len(text), "input")
        limit = ctx.config.file_operations.max_file_size
        extra: dict[str, Any] = {}
        value: Any
        if op in ("count", "word_count", "char_count"):
            found = counts(text)
            kind = {"word_count": "words", "char_count": "chars"}.get(op) or opt(
                opts, "count_type", str, "words"
            )
            key = {"chars": "characters", "all": None}.get(kind, kind)
            if key is not None and key not in found:
                raise ValueError(
                    f"unknown count_type {kind!r}; use {', '.join(CountType.__args__)}"
                )
            value = found if key is None else found[key]
            extra = {"count_type": kind, "counts": found}
        elif op in ("regex_match", "regex_replace"):
            if len(text) > MAX_REGEX_INPUT:
                raise ValueError(
                    f"input is {len(text):,} characters; regex operations take {MAX_REGEX_INPUT:,}"
                )
            regex = compile_regex(opt(opts, "pattern", str), opt(opts, "flags", str))
            value, extra = (regex_match if op == "regex_match" else regex_sub)(
                regex, text, opts, limit
            )
        elif op == "join":
            value = opt(opts, "delimiter", str, " ").join(join_parts(params.input))
        else:
            value = transform(op, text, opts, limit)
        size = len(value) if isinstance(value, str | list) else None
        if isinstance(value, str) and size is not None and size > limit:
            raise ValueError(f"the result would be {size:,} characters, over the {limit:,} limit")
        result = {
            "result": value,
            "operation": op,
            "original_length": len(text),
            "result_length": size,
        }
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return ToolResult.ok(shown, {**result, **extra}, operation=op)
