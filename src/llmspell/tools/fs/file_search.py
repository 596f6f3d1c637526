"""file_search: find a text or regex pattern in the files under a folder, with context lines."""

from __future__ import annotations

import fnmatch
import os
import re
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import SecurityError, ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.fs._formats import BOMS, decode
from llmspell.tools.fs._shared import checked, depth_limit, envelope, str_list

DEFAULT_EXCLUDED_DIRS = [".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "target"]
Globs = str | list[str] | None


class Params(ToolParams):
    operation: Literal["search"] = Field("search", description="the only operation: search")
    pattern: str = Field(
        validation_alias=AliasChoices("pattern", "query"),
        min_length=1,
        description="the text (or regular expression with use_regex) to find",
    )
    path: str = Field(
        validation_alias=AliasChoices("path", "directory", "dir"),
        description="a folder to search under, or one file",
    )
    recursive: bool = Field(True, description="search sub-folders too")
    use_regex: bool = Field(
        False, validation_alias=AliasChoices("use_regex", "regex"), description="pattern is a regex"
    )
    case_sensitive: bool = Field(True, description="match letter case exactly")
    whole_word: bool = Field(False, description="match whole words only")
    context_lines: int = Field(2, ge=0, le=50, description="lines of context before and after")
    include: Globs = Field(
        None,
        validation_alias=AliasChoices("include", "file_pattern", "include_patterns"),
        description="only files whose name or relative path matches one of these globs",
    )
    exclude: Globs = Field(
        None,
        validation_alias=AliasChoices("exclude", "exclude_patterns"),
        description="skip files whose name or relative path matches one of these globs",
    )
    include_extensions: Globs = Field(None, description="only these extensions (e.g. ['py'])")
    exclude_extensions: Globs = Field(None, description="skip these extensions")
    exclude_dirs: Globs = Field(None, description="folder names to skip (default: .git, ...)")
    max_depth: int | None = Field(
        None, ge=0, description="deepest folder level (capped by `tools.file_operations.max_depth`)"
    )
    max_results: int = Field(
        1000,
        ge=1,
        le=100_000,
        validation_alias=AliasChoices("max_results", "max_matches"),
        description="stop after this many matches",
    )
    max_matches_per_file: int = Field(0, ge=0, description="per-file cap; 0: no cap")
    max_file_size: int | None = Field(
        10_000_000,
        gt=0,
        description="skip larger files (capped by `tools.file_operations.max_file_size`)",
    )


class FileSearch(Tool[Params]):
    name = "file_search"
    category = "filesystem"
    description = "Search file contents under a folder for text or a regex, with context lines."
    security_level = "restricted"
    tags = ("search", "grep", "file", "regex")
    Params = Params
    example = {"pattern": "hello", "path": "{tmp}"}
    result_keys = {
        "search": "matches[{file, line_number, line, column, matched_text, context_before, "
        "context_after}], total_matches, files_searched, files_matched, truncated, timed_out, "
        "skipped_files[{file, reason}], summary",
    }
    security_notes = (
        "The folder and every file read must resolve inside `tools.file_operations."
        "allowed_paths`; links leading outside and blocked extensions are skipped and listed in "
        "skipped_files; binary files and files over max_file_size are skipped; linked folders "
        "are not followed."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        root = checked(ctx, params.path, "r")
        if not root.exists():
            raise ToolExecutionError(f"no such file or folder: {params.path!r}")
        regex = _compile(params)
        size_cap = min(params.max_file_size or 10**18, ctx.config.file_operations.max_file_size)
        matches: list[dict[str, Any]] = []
        skipped: list[dict[str, str]] = []
        searched = 0
        matched_files = 0
        truncated = timed_out = False
        deadline = time.monotonic() + ctx.timeout
        for file in self._files(root, params, ctx):
            if time.monotonic() > deadline:
                timed_out = True
                break
            try:
                path = ctx.check_path(file, "r")
            except SecurityError as exc:
                skipped.append({"file": str(file), "file_path": str(file), "reason": str(exc)})
                continue
            reason = _unreadable(path, size_cap)
            if reason is None:
                data = ctx.read_bytes(path)
                bom = any(data.startswith(mark) for mark, _ in BOMS)
                reason = "binary file" if not bom and b"\0" in data[:8192] else None
            if reason is not None:
                skipped.append({"file": str(file), "file_path": str(file), "reason": reason})
                continue
            searched += 1
            text = decode(data)[0] if bom else data.decode("utf-8", "replace")
            found = _search(str(file), text, regex, params)
            matched_files += bool(found)
            matches.extend(found[: params.max_results - len(matches)])
            if len(matches) >= params.max_results:
                truncated = True
                break
        result = {
            "matches": matches,
            "total_matches": len(matches),
            "files_searched": searched,
            "files_matched": matched_files,
            "truncated": truncated,
            "timed_out": timed_out,
            "skipped_files": skipped,
            "summary": {
                "total_matches": len(matches),
                "files_searched": searched,
                "files_skipped": len(skipped),
                "has_matches": bool(matches),
            },
        }
        if matches:
            message = (
                f"Found {len(matches)} matches in {matched_files} of {searched} files searched. "
                f"Search pattern: '{params.pattern}'"
            )
        else:
            message = (
                f"No matches found in {searched} files searched. Search pattern: '{params.pattern}'"
            )
        if timed_out:
            message += f" (stopped after the {ctx.timeout:g} s limit, `tools.timeout_seconds`)"
        return envelope("search", message, result, file_path=params.path)

    @staticmethod
    def _files(root: Path, params: Params, ctx: ToolContext) -> Any:
        """Candidate files in a stable order, filtered by name; links to folders not followed."""
        if root.is_file():
            yield root
            return
        limit = depth_limit(ctx, params.max_depth) if params.recursive else 0
        skip_dirs = set(str_list(params.exclude_dirs) or DEFAULT_EXCLUDED_DIRS)
        include, exclude = str_list(params.include), str_list(params.exclude)
        inc_ext = {e.lower().lstrip(".") for e in str_list(params.include_extensions)}
        exc_ext = {e.lower().lstrip(".") for e in str_list(params.exclude_extensions)}
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            depth = len(here.relative_to(root).parts)
            dirs[:] = sorted(
                d
                for d in dirs
                if d not in skip_dirs
                and not (here / d).is_symlink()
                and (limit is None or depth < limit)
            )
            for name in sorted(files):
                rel = str((here / name).relative_to(root))
                ext = Path(name).suffix.lower().lstrip(".")
                if include and not any(_glob(name, rel, g) for g in include):
                    continue
                if any(_glob(name, rel, g) for g in exclude):
                    continue
                if (inc_ext and ext not in inc_ext) or ext in exc_ext:
                    continue
                yield here / name


def _glob(name: str, rel: str, pattern: str) -> bool:
    return fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(rel, pattern)


def _compile(params: Params) -> re.Pattern[str]:
    body = params.pattern if params.use_regex else re.escape(params.pattern)
    if params.whole_word:
        body = rf"\b(?:{body})\b"
    try:
        return re.compile(body, 0 if params.case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ToolExecutionError(
            f"pattern {params.pattern!r} is not a valid regular expression: {exc}; "
            "pass use_regex=false to search for it as plain text"
        ) from None


def _unreadable(path: Path, size_cap: int) -> str | None:
    if not path.is_file():
        return "not a regular file"
    size = path.stat().st_size
    if size > size_cap:
        return f"{size:,} bytes, over the {size_cap:,}-byte max_file_size"
    return None


def _search(file: str, text: str, regex: re.Pattern[str], params: Params) -> list[dict[str, Any]]:
    lines = text.splitlines()
    found: list[dict[str, Any]] = []
    n = params.context_lines
    for index, line in enumerate(lines):
        hit = regex.search(line)
        if hit is None:
            continue
        found.append(
            {
                "file": file,
                "file_path": file,
                "line_number": index + 1,
                "line": line,
                "line_content": line,
                "column": hit.start() + 1,
                "column_number": hit.start() + 1,
                "matched_text": hit.group(0),
                "context_before": lines[max(0, index - n) : index],
                "context_after": lines[index + 1 : index + 1 + n],
            }
        )
        if params.max_matches_per_file and len(found) >= params.max_matches_per_file:
            break
    return found
