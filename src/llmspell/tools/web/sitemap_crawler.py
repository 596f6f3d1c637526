"""sitemap-crawler: the URLs a site lists in its sitemaps (indexes followed, gzip read, bounded)."""

from __future__ import annotations

import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from pydantic import AliasChoices, Field

from llmspell.core.errors import HostNotAllowed, ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.web.site_fetcher import SiteFetcher, origin_of

MAX_URLS = 50_000
MAX_SITEMAPS = 500
MAX_DEPTH = 3
SHOWN_URLS = 100


class Params(ToolParams):
    url: str = Field(
        validation_alias=AliasChoices("url", "input", "sitemap_url"),
        description="a sitemap (.xml, .xml.gz or text) or a site root, whose robots.txt "
        "`Sitemap:` lines (else /sitemap.xml) are read",
    )
    follow_sitemaps: bool = Field(True, description="follow the sitemaps a sitemap index lists")
    max_urls: int = Field(1000, ge=1, le=MAX_URLS, description="stop after this many URLs")
    max_sitemaps: int = Field(
        50, ge=1, le=MAX_SITEMAPS, description="fetch at most this many sitemap files"
    )
    max_depth: int = Field(
        MAX_DEPTH, ge=0, le=MAX_DEPTH, description="how deep sitemap indexes are followed"
    )
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("timeout_seconds", "timeout"),
        description="per-request timeout",
    )


@dataclass(slots=True, kw_only=True)
class _Crawl:
    site: SiteFetcher
    params: Params
    deadline: float
    size_limit: int
    urls: dict[str, dict[str, Any]] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("sitemap_indexes", "urlsets", "duplicate_urls", "sitemaps_skipped", "max_depth"), 0
        )
    )
    attempts: int = 0
    parsed: int = 0
    truncated: bool = False
    stopped: str | None = None

    def run(self, roots: list[str]) -> None:
        queue = deque((url, 0) for url in roots)
        seen = set(roots)
        while queue and not self.truncated:
            url, depth = queue.popleft()
            if time.monotonic() > self.deadline:
                self.stopped = "timeout"
            elif self.attempts >= self.params.max_sitemaps:
                self.stopped = "max_sitemaps"
            if self.stopped:
                self.counts["sitemaps_skipped"] += 1 + len(queue)
                self.truncated = True
                break
            kind, entries = self._read(url)
            if kind is None:
                continue
            self.counts["max_depth"] = max(self.counts["max_depth"], depth)
            if kind == "sitemapindex":
                self.counts["sitemap_indexes"] += 1
                for entry in entries:
                    child = urljoin(url, entry["loc"])
                    self.children.append({"url": child, "lastmod": entry.get("lastmod")})
                    if child in seen:
                        continue
                    seen.add(child)
                    if not self.params.follow_sitemaps or depth + 1 > self.params.max_depth:
                        self.counts["sitemaps_skipped"] += 1
                    else:
                        queue.append((child, depth + 1))
            else:
                self.counts["urlsets"] += 1
                self._add(entries)

    def _read(self, url: str) -> tuple[str | None, list[dict[str, Any]]]:
        self.attempts += 1
        try:
            response = self.site.get(url)
            self.visited.append(url)
            if response.status_code >= 400:
                raise ToolExecutionError(f"the sitemap answered HTTP {response.status_code}")
            data = response.content
            if data[:2] == b"\x1f\x8b":
                data = _gunzip(data, self.size_limit)
            found = parse_sitemap(data)
            self.parsed += 1
            return found
        except HostNotAllowed:
            raise
        except ToolExecutionError as exc:
            self.errors.append({"sitemap": url, "error": str(exc)})
            return None, []

    def _add(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            loc = entry["loc"]
            if loc in self.urls:
                self.counts["duplicate_urls"] += 1
                continue
            if len(self.urls) >= self.params.max_urls:
                self.truncated = True
                self.stopped = "max_urls"
                return
            meta = {key: entry.get(key) for key in ("lastmod", "changefreq", "priority")}
            has_metadata = any(value is not None for value in meta.values())
            self.urls[loc] = {"url": loc, **meta, "has_metadata": has_metadata}


class SitemapCrawler(Tool[Params]):
    name = "sitemap-crawler"
    category = "data"
    description = (
        "List the URLs in a site's sitemaps: a sitemap.xml (or .xml.gz, or a site root found "
        "through robots.txt), following sitemap indexes, with lastmod, changefreq and priority."
    )
    security_level = "safe"
    tags = ("sitemap", "crawl", "seo", "urls", "xml", "web")
    Params = Params
    result_keys = {
        "crawl": "sitemap_url, discovered_from (given|robots.txt|default), urls_found, urls "
        "[{url, lastmod, changefreq, priority, has_metadata}], sitemaps [{url, lastmod}] (listed "
        "by indexes), sitemaps_visited, stats {sitemaps_fetched, sitemap_indexes, urlsets, "
        "sitemaps_skipped, duplicate_urls, max_depth, with_lastmod, with_changefreq, "
        "with_priority, errors [{sitemap, error}], stopped, elapsed_ms}, truncated",
    }
    security_notes = (
        "Every sitemap is fetched through the web tools' safe client (hosts and redirect hops "
        "checked, `tools.web_tools.max_response_size` caps each file and its gunzipped size); "
        "a sitemap on a refused host stops the crawl, other failing sitemaps are listed in "
        "`stats.errors`. XML with a DOCTYPE or entity declarations is refused (no entity "
        f"expansion). At most {MAX_URLS:,} URLs, {MAX_SITEMAPS} sitemap files and index "
        f"depth {MAX_DEPTH}; the call stops at `tools.timeout_seconds`. robots.txt is honoured "
        "when `tools.web_tools.respect_robots_txt` is true."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        started = time.monotonic()
        url = params.url.strip()
        with SiteFetcher.for_tool(ctx, timeout=params.timeout_seconds) as site:
            site.http.check_url(url)
            roots, source = _roots(site, url)
            crawl = _Crawl(
                site=site,
                params=params,
                deadline=started + ctx.timeout,
                size_limit=ctx.config.web_tools.max_response_size,
            )
            crawl.run(roots)
        if not crawl.parsed:
            reasons = "; ".join(f"{e['sitemap']}: {e['error']}" for e in crawl.errors)
            hint = " (looked for robots.txt `Sitemap:` lines, then /sitemap.xml)"
            raise ToolExecutionError(
                f"no sitemap could be read from {url}{hint if source != 'given' else ''}: "
                f"{reasons or 'nothing fetched'}"
            )
        urls = list(crawl.urls.values())
        stats = {
            "sitemaps_fetched": len(crawl.visited),
            **crawl.counts,
            **{
                f"with_{key}": sum(entry[key] is not None for entry in urls)
                for key in ("lastmod", "changefreq", "priority")
            },
            "errors": crawl.errors,
            "stopped": crawl.stopped,
            "elapsed_ms": round((time.monotonic() - started) * 1000, 3),
        }
        result = {
            "sitemap_url": roots[0],
            "discovered_from": source,
            "urls_found": len(urls),
            "urls": urls,
            "sitemaps": crawl.children,
            "sitemaps_visited": crawl.visited,
            "stats": stats,
            "truncated": crawl.truncated,
        }
        return ToolResult.ok(_summary(result, params), result, operation="crawl")


def _roots(site: SiteFetcher, url: str) -> tuple[list[str], str]:
    """The sitemaps to start from: the URL itself, else robots.txt's, else /sitemap.xml."""
    if urlsplit(url).path not in ("", "/"):
        return [url], "given"
    listed = site.robots(url).site_maps() or []
    if listed:
        return list(dict.fromkeys(urljoin(url, entry.strip()) for entry in listed)), "robots.txt"
    return [origin_of(url) + "/sitemap.xml"], "default"


def _gunzip(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ToolExecutionError(f"the sitemap is not valid gzip ({exc})") from None
    if len(out) > limit:
        raise ToolExecutionError(
            f"the sitemap is larger than {limit:,} bytes once decompressed "
            "(`tools.web_tools.max_response_size`)"
        )
    return out


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_sitemap(data: bytes) -> tuple[Literal["urlset", "sitemapindex"], list[dict[str, Any]]]:
    """The kind of sitemap and its entries (`loc` plus whatever metadata it has)."""
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body.startswith(b"<"):
        lines = (line.strip() for line in body.decode("utf-8", "replace").splitlines())
        return "urlset", [
            {"loc": line} for line in lines if line.startswith(("http://", "https://"))
        ]
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ToolExecutionError(
            f"the sitemap declares a DOCTYPE or entities ({type(exc).__name__}); sitemaps "
            "never need them and they are refused to prevent entity expansion"
        ) from None
    except ParseError as exc:
        raise ToolExecutionError(f"the sitemap is not well-formed XML ({exc})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ToolExecutionError(
            f"not a sitemap: its root element is <{kind}>, not <urlset> or <sitemapindex>"
        )
    entries = []
    for item in root:
        if _local(item.tag) not in ("url", "sitemap"):
            continue
        fields = {_local(child.tag): (child.text or "").strip() for child in item}
        if not fields.get("loc"):
            continue
        entry: dict[str, Any] = {"loc": fields["loc"], "lastmod": fields.get("lastmod") or None}
        entry["changefreq"] = (fields.get("changefreq") or "").lower() or None
        try:
            entry["priority"] = float(fields["priority"]) if fields.get("priority") else None
        except ValueError:
            entry["priority"] = None
        entries.append(entry)
    return kind, entries  # type: ignore[return-value]


def _summary(result: dict[str, Any], params: Params) -> str:
    stats = result["stats"]
    head = f"{result['urls_found']} URLs from {stats['sitemaps_fetched']} sitemap(s)"
    if result["truncated"]:
        head += f" (stopped at {stats['stopped']}"
        head += f" = {params.max_urls})" if stats["stopped"] == "max_urls" else ")"
    if stats["errors"]:
        head += f"; {len(stats['errors'])} sitemap(s) failed"
    lines = [head, *(entry["url"] for entry in result["urls"][:SHOWN_URLS])]
    if result["urls_found"] > SHOWN_URLS:
        lines.append(f"... and {result['urls_found'] - SHOWN_URLS} more")
    return "\n".join(lines)
