"""webpage-monitor: has a page (or part of it) changed since the last check? Snapshots persist."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.web import html_content as page
from llmspell.tools.web.site_fetcher import SiteFetcher

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

MAX_SNAPSHOT_CHARS = 500_000
MAX_DIFF_LINES = 400
SNAPSHOT_DIR = "web_monitor"


class Params(ToolParams):
    url: str = Field(
        validation_alias=AliasChoices("url", "input"), description="the http(s) page to watch"
    )
    operation: Literal["check", "reset"] = Field(
        "check", description="check: fetch and compare with the snapshot; reset: forget it"
    )
    selector: str | None = Field(
        None, description="CSS selector of the part to watch; default the page's main text"
    )
    ignore_whitespace: bool = Field(
        True, description="changes in spacing and blank lines do not count"
    )
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("timeout_seconds", "timeout"),
        description="per-request timeout",
    )


class WebpageMonitor(Tool[Params]):
    name = "webpage-monitor"
    category = "data"
    description = (
        "Watch a web page (or the part a CSS selector picks) for changes: each check compares "
        "its text with the snapshot kept from the previous check and returns a diff."
    )
    security_level = "restricted"
    tags = ("web", "monitor", "change", "diff", "snapshot", "watch")
    Params = Params
    result_keys = {
        "check": "url, selector, changed, first_check, previous_hash, current_hash (sha256 of "
        "the watched text), checked_at, previous_checked_at, diff (unified, capped), "
        "diff_truncated, added_lines, removed_lines, matched (elements the selector found), "
        "length, status_code",
        "reset": "url, selector, reset (whether a snapshot existed)",
    }
    security_notes = (
        "Fetched like web-scraper (hosts and redirect hops checked, size capped, robots.txt when "
        "`tools.web_tools.respect_robots_txt` is true). Snapshots (hash and text, capped) are "
        f"kept under the llmspell home in `{SNAPSHOT_DIR}/<sha256 of url and selector>.json`, "
        'written atomically; `operation = "reset"` deletes one.'
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        url = params.url.strip()
        path = snapshot_path(ctx, url, params.selector)
        if params.operation == "reset":
            existed = path.exists()
            path.unlink(missing_ok=True)
            text = f"snapshot of {url} {'forgotten' if existed else 'did not exist'}"
            result = {"url": url, "selector": params.selector, "reset": existed}
            return ToolResult.ok(text, result, operation="reset")
        with SiteFetcher.for_tool(ctx, timeout=params.timeout_seconds) as site:
            response = site.get(url)
        if response.status_code >= 400:
            raise ToolExecutionError(
                f"{url} answered HTTP {response.status_code}; the snapshot was left as it was"
            )
        current, matched = watched_text(page.parse_response(response), params.selector)
        checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        result = compare(_load(path), current, params.ignore_whitespace)
        result = {
            "url": url,
            "selector": params.selector,
            **result,
            "checked_at": checked_at,
            "matched": matched,
            "length": len(current),
            "status_code": response.status_code,
        }
        _save(
            path,
            {
                "url": url,
                "selector": params.selector,
                "hash": result["current_hash"],
                "ignore_whitespace": params.ignore_whitespace,
                "checked_at": checked_at,
                "text": current[:MAX_SNAPSHOT_CHARS],
            },
        )
        return ToolResult.ok(_summary(result), result, operation="check")


def snapshot_path(ctx: ToolContext, url: str, selector: str | None) -> Path:
    """`<home>/web_monitor/<sha256(url + "\\n" + selector)>.json`."""
    home = ctx.home
    if home is None:
        from llmspell.config import llmspell_home

        home = llmspell_home()
    key = hashlib.sha256(f"{url}\n{selector or ''}".encode()).hexdigest()
    return Path(home) / SNAPSHOT_DIR / f"{key}.json"


def watched_text(soup: BeautifulSoup, selector: str | None) -> tuple[str, int | None]:
    """The text being watched and, with a selector, how many elements it matched."""
    if selector is None:
        return page.text_of(page.main_root(soup), collapse=False), None
    found = page.select(soup, {"selector": selector})["selector"]
    return "\n".join(found), len(found)


def _normal(text: str, ignore_whitespace: bool) -> list[str]:
    if not ignore_whitespace:
        return text.splitlines()
    lines = (" ".join(line.split()) for line in text.splitlines())
    return [line for line in lines if line]


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def compare(
    previous: dict[str, Any] | None, current: str, ignore_whitespace: bool
) -> dict[str, Any]:
    """changed, hashes, diff and line counts of `current` against a stored snapshot."""
    now = _normal(current, ignore_whitespace)
    current_hash = _digest(now)
    if previous is None:
        return {
            "changed": False,
            "first_check": True,
            "previous_hash": None,
            "current_hash": current_hash,
            "previous_checked_at": None,
            "diff": "",
            "diff_truncated": False,
            "added_lines": 0,
            "removed_lines": 0,
        }
    before = _normal(str(previous.get("text", "")), ignore_whitespace)
    same_rules = previous.get("ignore_whitespace") == ignore_whitespace
    previous_hash = previous.get("hash") if same_rules else _digest(before)
    diff = list(difflib.unified_diff(before, now, "previous", "current", lineterm=""))
    body = diff[2:]
    return {
        "changed": previous_hash != current_hash,
        "first_check": False,
        "previous_hash": previous_hash,
        "current_hash": current_hash,
        "previous_checked_at": previous.get("checked_at"),
        "diff": "\n".join(diff[:MAX_DIFF_LINES]),
        "diff_truncated": len(diff) > MAX_DIFF_LINES,
        "added_lines": sum(line.startswith("+") for line in body),
        "removed_lines": sum(line.startswith("-") for line in body),
    }


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None  # an unreadable snapshot counts as none; the next save replaces it
    return data if isinstance(data, dict) else None


def _save(path: Path, snapshot: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(snapshot, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _summary(result: dict[str, Any]) -> str:
    url = result["url"]
    if result["matched"] == 0:
        url += f" (selector {result['selector']!r} matched nothing)"
    if result["first_check"]:
        return f"{url}: first check, snapshot saved ({result['length']} characters)"
    if not result["changed"]:
        return f"{url}: no change since {result['previous_checked_at']}"
    head = (
        f"{url}: changed since {result['previous_checked_at']} "
        f"(+{result['added_lines']} -{result['removed_lines']} lines)"
    )
    return f"{head}\n{result['diff']}" if result["diff"] else head
