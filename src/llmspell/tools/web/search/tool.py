"""web_search: one tool over DuckDuckGo, Brave, Google Custom Search, SerpApi, Serper and Tavily."""

from __future__ import annotations

import os
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field

from llmspell.core.errors import (
    HostNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.rate_limit import SlidingWindow
from llmspell.tools.web.safe_http import SafeHttp
from llmspell.tools.web.search.providers import ENGINES, SearchHit, canonical
from llmspell.tools.web.search.settings import Candidate, resolve

#: engines tried, after `tools.search.default_engine`, when no provider is named
FALLBACK_ORDER = tuple(ENGINES)
#: extra results asked for when domain filters may drop some
_FILTER_SLACK = 10


class Params(ToolParams):
    query: str = Field(
        min_length=1,
        max_length=2000,
        validation_alias=AliasChoices("query", "input", "q"),
        description="what to search for",
    )
    provider: str | None = Field(
        None,
        description="duckduckgo, brave, google, serpapi, serper or tavily (also ddg, serperdev, "
        "google_cse); default: `tools.search.default_engine`, then the first usable engine in "
        "the order brave, google, serper, serpapi, tavily, duckduckgo",
    )
    max_results: int | None = Field(
        None,
        ge=1,
        le=100,
        validation_alias=AliasChoices("max_results", "limit", "num_results", "count"),
        description="results wanted; default `tools.web_search.max_results`",
    )
    safe_search: bool | None = Field(
        None, description="filter adult content; default `tools.search.safe_search`"
    )
    search_type: Literal["web", "news"] = Field(
        "web", description="web, or news (brave, serpapi, serper and tavily)"
    )
    language: str | None = Field(
        None,
        pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z]{2,4})?$",
        description="results language such as 'en' (DuckDuckGo takes a region such as 'us-en')",
    )


class WebSearch(Tool[Params]):
    name = "web_search"
    category = "web"
    description = (
        "Search the web with DuckDuckGo (no key), Brave, Google Custom Search, SerpApi, Serper "
        "or Tavily; returns titles, URLs and snippets."
    )
    security_level = "safe"
    tags = ("search", "web", "duckduckgo", "brave", "google", "serpapi", "serper", "tavily")
    Params = Params
    result_keys = {
        "search": "query, provider (the engine that answered), search_type, results "
        "[{title, url, snippet, rank, source}], total (= count, results returned), "
        "filtered_out (dropped by the domain lists), attempts [{provider, error}] (engines "
        "skipped or failed before the one that answered)",
    }
    security_notes = (
        "Engines are reached through the outbound-request rules: loopback, private and "
        "link-local addresses are refused unless listed in `tools.search.allowed_hosts` (or "
        "`tools.http_request.allowed_hosts`), so a base URL pointed at a local server must be "
        "listed there. Result URLs "
        "outside `tools.web_search.allowed_domains` or inside `blocked_domains` are dropped. "
        "`tools.web_search.rate_limit_per_minute` caps searches (per runtime). Keys come from "
        "`[tools.search.providers.<name>] api_key` or the environment and never appear in "
        "results or errors."
    )

    def __init__(self) -> None:
        self._window = SlidingWindow()

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        query = params.query.strip()
        if not query:
            raise ToolParameterError("Tool 'web_search': parameter 'query' is blank")
        self._throttle(ctx)
        tools = ctx.config
        wanted = params.max_results or tools.web_search.max_results
        safe = tools.search.safe_search if params.safe_search is None else params.safe_search
        filtered = _filtering(ctx)
        ask = min(100, wanted + _FILTER_SLACK) if filtered else wanted
        candidates = self._candidates(params, ctx)
        attempts: list[dict[str, str]] = []
        failures: list[Exception] = []
        with SafeHttp.for_tool(
            ctx,
            family="web_search",
            timeout=float(tools.web_search.timeout_seconds),
            extra_allowed_hosts=tools.search.allowed_hosts,
        ) as http:
            for candidate in candidates:
                if candidate.missing is not None:
                    attempts.append({"provider": candidate.name, "error": candidate.missing})
                    continue
                engine = ENGINES[candidate.name](candidate.settings)
                try:
                    hits = engine.search(
                        query,
                        max_results=ask,
                        safe_search=safe,
                        http=http,
                        search_type=params.search_type,
                        language=params.language,
                    )
                except HostNotAllowed as exc:
                    if params.provider:
                        raise
                    attempts.append({"provider": candidate.name, "error": str(exc)})
                    failures.append(exc)
                    continue
                except (ToolExecutionError, SecurityError) as exc:
                    if params.provider:
                        raise
                    attempts.append({"provider": candidate.name, "error": str(exc)})
                    failures.append(exc)
                    continue
                return _answer(query, candidate.name, params, hits, wanted, ctx, attempts)
        raise _none_answered(attempts, failures)

    def _throttle(self, ctx: ToolContext) -> None:
        limit = ctx.config.web_search.rate_limit_per_minute
        if not limit:
            return
        wait = self._window.acquire(limit)
        if wait is not None:
            raise SecurityError(
                f"web_search refused: {limit} searches per minute reached "
                f"(`tools.web_search.rate_limit_per_minute`); retry in {wait:.0f}s or raise "
                "the limit"
            )

    @staticmethod
    def _candidates(params: Params, ctx: ToolContext) -> list[Candidate]:
        search = ctx.config.search
        env = os.environ
        if not ctx.network_allowed:
            raise HostNotAllowed(
                "web_search needs the network and network access is off "
                "(`runtime.security.allow_network_access = false`)"
            )
        if params.provider:
            name = canonical(params.provider)
            if name is None:
                raise ToolParameterError(
                    f"Tool 'web_search': unknown provider {params.provider!r}; choose one of "
                    f"{', '.join(ENGINES)}"
                )
            chosen = resolve(name, search, env=env)
            if chosen.missing is not None:
                raise ToolExecutionError(f"search provider {name!r} {chosen.missing}")
            if params.search_type not in ENGINES[name].search_types:
                raise ToolParameterError(
                    f"Tool 'web_search': provider {name!r} does not do {params.search_type} "
                    f"search; use one of {', '.join(_supporting(params.search_type))}"
                )
            return [chosen]
        order = list(FALLBACK_ORDER)
        default = str(search.default_engine or "").strip()
        if default and default.lower() != "auto":
            first = canonical(default)
            if first is None:
                raise ToolExecutionError(
                    f"`tools.search.default_engine` = {default!r} is not a search engine; use "
                    f"one of {', '.join(ENGINES)} or 'auto'"
                )
            order.remove(first)
            order.insert(0, first)
        candidates = [
            resolve(name, search, env=env)
            for name in order
            if params.search_type in ENGINES[name].search_types
        ]
        if all(c.missing is not None for c in candidates):
            raise ToolExecutionError(
                f"no {params.search_type} search provider is usable: "
                + "; ".join(f"{c.name} {c.missing}" for c in candidates)
            )
        return candidates


def _supporting(search_type: str) -> list[str]:
    return [name for name, cls in ENGINES.items() if search_type in cls.search_types]


def _filtering(ctx: ToolContext) -> bool:
    rules = ctx.config.web_search
    return bool(rules.blocked_domains) or "*" not in rules.allowed_domains


def _in_domain(host: str, domain: str) -> bool:
    domain = domain.lower().lstrip("*.").rstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def _kept(url: str, ctx: ToolContext) -> bool:
    rules = ctx.config.web_search
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if any(_in_domain(host, d) for d in rules.blocked_domains):
        return False
    allowed = [d for d in rules.allowed_domains if d != "*"]
    return "*" in rules.allowed_domains or any(_in_domain(host, d) for d in allowed)


def _answer(
    query: str,
    provider: str,
    params: Params,
    hits: list[SearchHit],
    wanted: int,
    ctx: ToolContext,
    attempts: list[dict[str, str]],
) -> ToolResult:
    kept = [hit for hit in hits if _kept(hit.url, ctx)]
    dropped = len(hits) - len(kept)
    kept = kept[:wanted]
    for rank, hit in enumerate(kept, start=1):
        hit.rank = rank
    results = [hit.as_dict() for hit in kept]
    result: dict[str, Any] = {
        "query": query,
        "provider": provider,
        "search_type": params.search_type,
        "results": results,
        "total": len(results),
        "count": len(results),
        "filtered_out": dropped,
        "attempts": attempts,
    }
    lines = [f"{len(results)} result(s) from {provider} for {query!r}"]
    for hit in kept:
        lines.append(f"{hit.rank}. {hit.title} - {hit.url}")
        if hit.snippet:
            lines.append(f"   {hit.snippet}")
    out = ToolResult.ok("\n".join(lines), result)
    out.metadata.update({"provider": provider, "query": query})
    return out


def _none_answered(attempts: list[dict[str, str]], failures: list[Exception]) -> Exception:
    reasons = "; ".join(f"{a['provider']}: {a['error']}" for a in attempts)
    if failures and all(isinstance(f, HostNotAllowed) for f in failures):
        return HostNotAllowed(f"no search provider could be reached: {reasons}")
    return ToolExecutionError(f"no search provider answered: {reasons}")
