"""diff_calculator: text diffs (unified, context, ndiff, simple, side by side; lines or words)
and structural JSON diffs (added, removed and modified paths)."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.data._common import (
    SIZE_KEY,
    check_text_size,
    dumps,
    json_value,
    parse_json,
    read_text,
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Params(ToolParams):
    type: Literal["text", "json", "text_diff", "json_diff"] | None = Field(
        None,
        description="text or json; default json when old_json/new_json are given (also: operation)",
        validation_alias=AliasChoices("type", "operation"),
    )
    old_text: str | None = Field(
        None,
        description="the old text (also: old, left, original)",
        validation_alias=AliasChoices("old_text", "old", "left", "original"),
    )
    new_text: str | None = Field(
        None,
        description="the new text (also: new, right, modified)",
        validation_alias=AliasChoices("new_text", "new", "right", "modified"),
    )
    old_json: Any = Field(None, description="the old JSON value (table or JSON text)")
    new_json: Any = Field(None, description="the new JSON value (table or JSON text)")
    old_file: str | None = Field(
        None,
        description="read the old side from this file (also: old_path)",
        validation_alias=AliasChoices("old_file", "old_path"),
    )
    new_file: str | None = Field(
        None,
        description="read the new side from this file (also: new_path)",
        validation_alias=AliasChoices("new_file", "new_path"),
    )
    format: Literal["unified", "context", "ndiff", "inline", "simple", "side_by_side"] = Field(
        "unified", description="text diff layout"
    )
    granularity: Literal["line", "word"] = Field("line", description="compare lines or words")
    context_lines: int = Field(3, ge=0, le=1000, description="unchanged lines around each change")
    ignore_whitespace: bool = Field(False, description="lines differing only in spacing are equal")
    ignore_case: bool = Field(False, description="lines differing only in case are equal")
    width: int = Field(60, ge=10, le=500, description="side_by_side: characters per column")


class _Line(str):
    """A line that compares by a normalised key but prints as itself."""

    key: str

    def __new__(cls, text: str, key: str) -> _Line:
        line = super().__new__(cls, text)
        line.key = key
        return line

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Line) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


def _lines(text: str, params: Params) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        key = " ".join(line.split()) if params.ignore_whitespace else line
        out.append(_Line(line, key.lower() if params.ignore_case else key))
    return out


def text_diff(old: str, new: str, params: Params, labels: tuple[str, str]) -> dict[str, Any]:
    if params.granularity == "word":
        a, b = re.findall(r"\s+|\S+", old), re.findall(r"\s+|\S+", new)
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        parts = []
        for tag, i1, i2, j1, j2 in ops:
            if tag == "equal":
                parts.append("".join(a[i1:i2]))
                continue
            if i2 > i1:
                parts.append("[-" + "".join(a[i1:i2]) + "-]")
            if j2 > j1:
                parts.append("{+" + "".join(b[j1:j2]) + "+}")
        diff, unit = "".join(parts) if any(op[0] != "equal" for op in ops) else "", "words"
        a, b = [w for w in a if not w.isspace()], [w for w in b if not w.isspace()]
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    else:
        a, b = _lines(old, params), _lines(new, params)
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        diff, unit = _layout(a, b, ops, params, labels), "lines"
    added = sum(j2 - j1 for tag, _, _, j1, j2 in ops if tag in ("insert", "replace"))
    removed = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag in ("delete", "replace"))
    unchanged = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    old_lines, new_lines = len(old.splitlines()), len(new.splitlines())
    return {
        "type": "text",
        "format": params.format,
        "granularity": params.granularity,
        "diff": diff,
        "output": diff,
        "has_changes": bool(added or removed),
        "stats": {
            "unit": unit,
            "added": added,
            "removed": removed,
            "unchanged": unchanged,
            "old_lines": old_lines,
            "new_lines": new_lines,
        },
        "old_lines": old_lines,
        "new_lines": new_lines,
    }


def _layout(
    a: list[str], b: list[str], ops: list[Any], params: Params, labels: tuple[str, str]
) -> str:
    if not any(op[0] != "equal" for op in ops):
        return ""
    fmt, n = params.format, params.context_lines
    if fmt == "unified":
        lines = difflib.unified_diff(a, b, *labels, n=n, lineterm="")
    elif fmt == "context":
        lines = difflib.context_diff(a, b, *labels, n=n, lineterm="")
    elif fmt in ("ndiff", "inline"):
        lines = (line.rstrip("\n") for line in difflib.ndiff(a, b))
    elif fmt == "simple":
        lines = (
            f"{sign} {line}"
            for tag, i1, i2, j1, j2 in ops
            if tag != "equal"
            for sign, line in [*(("-", x) for x in a[i1:i2]), *(("+", y) for y in b[j1:j2])]
        )
    else:
        lines = _side_by_side(a, b, ops, params.width)
    return "\n".join(str(line) for line in lines)


def _side_by_side(a: list[str], b: list[str], ops: list[Any], width: int) -> list[str]:
    def cell(text: str) -> str:
        return (text[: width - 1] + "…" if len(text) > width else text).ljust(width)

    rows = []
    for tag, i1, i2, j1, j2 in ops:
        left, right = a[i1:i2], b[j1:j2]
        mark = {"equal": " ", "replace": "|", "delete": "<", "insert": ">"}[tag]
        for k in range(max(len(left), len(right))):
            lhs = left[k] if k < len(left) else ""
            rhs = right[k] if k < len(right) else ""
            sign = (
                mark
                if tag != "replace"
                else ("|" if k < len(left) and k < len(right) else "<" if k < len(left) else ">")
            )
            rows.append(f"{cell(lhs)} {sign} {rhs}".rstrip())
    return rows


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    if not _IDENT.match(text):
        return f"{path}[{json.dumps(text, ensure_ascii=False)}]"
    return f"{path}.{text}" if path else text


def _same(old: Any, new: Any) -> bool:
    return (type(old) is type(new) and old == new) or (
        isinstance(old, int | float)
        and isinstance(new, int | float)
        and not isinstance(old, bool)
        and not isinstance(new, bool)
        and old == new
    )


def json_diff(old: Any, new: Any) -> dict[str, Any]:
    """Paths (`a.b[0]`) added, removed, modified or unchanged, in document order."""
    out: dict[str, Any] = {
        "added": {},
        "removed": {},
        "modified": {},
        "unchanged": [],
        "changes": [],
    }

    def walk(a: Any, b: Any, path: str) -> None:
        if _same(a, b):
            out["unchanged"].append(path or "$")
            return
        if isinstance(a, dict) and isinstance(b, dict):
            pairs = [(k, k in a, k in b) for k in [*a, *(k for k in b if k not in a)]]
        elif isinstance(a, list) and isinstance(b, list):
            pairs = [(i, i < len(a), i < len(b)) for i in range(max(len(a), len(b)))]
        else:
            out["modified"][path or "$"] = {"old": a, "new": b}
            out["changes"].append({"path": path or "$", "kind": "modified", "old": a, "new": b})
            return
        for key, in_a, in_b in pairs:
            here = _join(path, key)
            if in_a and in_b:
                walk(a[key], b[key], here)
            elif in_a:
                out["removed"][here] = a[key]
                out["changes"].append({"path": here, "kind": "removed", "old": a[key]})
            else:
                out["added"][here] = b[key]
                out["changes"].append({"path": here, "kind": "added", "new": b[key]})

    walk(old, new, "")
    summary = {k: len(out[k]) for k in ("added", "removed", "modified", "unchanged")}
    has_changes = bool(summary["added"] or summary["removed"] or summary["modified"])
    return {"type": "json", **out, "summary": summary, "has_changes": has_changes}


class DiffCalculator(Tool[Params]):
    name = "diff_calculator"
    category = "utility"
    description = (
        "Compare two texts (unified, context, ndiff, side by side; lines or words) "
        "or two JSON values."
    )
    tags = ("diff", "compare", "text", "json")
    Params = Params
    example = {"old_text": "a\nb\n", "new_text": "a\nc\n"}
    result_keys = {
        "text": "type, format, diff (also output), has_changes, stats{added, removed, unchanged, "
        "old_lines, new_lines}, old_lines, new_lines",
        "json": "type, added{path: value}, removed{path: value}, modified{path: {old, new}}, "
        "unchanged[paths], changes[{path, kind, old, new}], summary{counts}, has_changes",
    }
    security_notes = (
        "Files are read only inside `tools.file_operations.allowed_paths`, each at most "
        "`tools.file_operations.max_file_size` bytes; JSON nesting is capped by "
        "`tools.data.max_json_depth`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        kind = (params.type or "").removesuffix("_diff") or (
            "json" if params.old_json is not None or params.new_json is not None else "text"
        )
        if kind == "json":
            result = json_diff(*self._json_sides(params, ctx))
            lines = [
                f"+ {p}: {dumps(c['new'], None)}"
                if c["kind"] == "added"
                else f"- {p}: {dumps(c['old'], None)}"
                if c["kind"] == "removed"
                else f"~ {p}: {dumps(c['old'], None)} -> {dumps(c['new'], None)}"
                for c in result["changes"]
                for p in [c["path"]]
            ]
            return ToolResult.ok(
                "\n".join(lines) or "no differences", result, operation="json_diff"
            )
        old, new = self._text_sides(params, ctx)
        limit = ctx.config.file_operations.max_file_size
        for text, side in ((old, "old text"), (new, "new text")):
            check_text_size(text, limit, SIZE_KEY, f"the {side}")
        labels = (params.old_file or "old", params.new_file or "new")
        result = text_diff(old, new, params, labels)
        return ToolResult.ok(result["diff"] or "no differences", result, operation="text_diff")

    @staticmethod
    def _text_sides(params: Params, ctx: ToolContext) -> tuple[str, str]:
        old = read_text(ctx, params.old_file) if params.old_file else params.old_text
        new = read_text(ctx, params.new_file) if params.new_file else params.new_text
        if old is None or new is None:
            raise ValueError("a text diff needs both sides: old_text/new_text or old_file/new_file")
        return old, new

    @staticmethod
    def _json_sides(params: Params, ctx: ToolContext) -> tuple[Any, Any]:
        depth = ctx.config.data.max_json_depth
        sides = []
        for value, file, text, side in (
            (params.old_json, params.old_file, params.old_text, "old"),
            (params.new_json, params.new_file, params.new_text, "new"),
        ):
            if file is not None:
                sides.append(parse_json(read_text(ctx, file), repr(file), depth))
            elif value is not None or text is not None:
                sides.append(
                    json_value(
                        value if value is not None else text, f"{side}_json", depth, strict=True
                    )
                )
            else:
                raise ValueError(
                    f"a JSON diff needs both sides: {side}_json (or {side}_file) is missing"
                )
        return sides[0], sides[1]
