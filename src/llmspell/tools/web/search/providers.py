"""Search engines behind `web_search`: one protocol, one class per engine speaking its real API.

| engine | request | results in |
|---|---|---|
| duckduckgo | `POST /html/` form `q`, `kp` (HTML page, no key) | `div.result a.result__a` |
| brave | `GET /res/v1/{web,news}/search`, `X-Subscription-Token` | `web.results` / `results` |
| google | `GET /customsearch/v1?key=&cx=&q=&num=&start=` | `items` |
| serpapi | `GET /search.json?engine=google&api_key=&q=` | `organic_results` / `news_results` |
| serper | `POST /search` or `/news` JSON, header `X-API-KEY` | `organic` / `news` |
| tavily | `POST /search` JSON with `api_key` (and a bearer header) | `results` |
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol
from urllib.parse import parse_qs, urlsplit

from llmspell.core.errors import ToolExecutionError

if TYPE_CHECKING:
    from llmspell.tools.web.safe_http import HttpResponse, SafeHttp

SearchType = Literal["web", "news"]
MAX_SNIPPET = 1000
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


@dataclass(slots=True, kw_only=True)
class SearchHit:
    title: str
    url: str
    snippet: str
    source: str
    rank: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "url": self.url,
            "snippet": self.snippet,
            "rank": self.rank,
            "source": self.source,
        }


@dataclass(slots=True, kw_only=True, frozen=True)
class ProviderSettings:
    """Where one engine is reached and with what credentials (see `settings.resolve`)."""

    api_key: str | None = None
    base_url: str | None = None
    engine_id: str | None = None


class SearchProvider(Protocol):
    name: str
    needs_key: bool

    def search(
        self,
        query: str,
        *,
        max_results: int,
        safe_search: bool,
        http: SafeHttp,
        search_type: SearchType = "web",
        language: str | None = None,
    ) -> list[SearchHit]: ...


class ProviderFailure(ToolExecutionError):
    """One engine could not answer; `web_search` may try the next one."""


def _clean(text: Any) -> str:
    """Plain text from an engine's snippet (some mark matches with `<strong>`)."""
    if not isinstance(text, str):
        return ""
    plain = _SPACES.sub(" ", _TAGS.sub("", text)).strip()
    for entity, char in (("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"')):
        plain = plain.replace(entity, char)
    plain = plain.replace("&#x27;", "'").replace("&#39;", "'")
    return plain[:MAX_SNIPPET]


def _hits(items: Any, source: str, *, url: str, snippet: str, limit: int) -> list[SearchHit]:
    """SearchHits from a list of JSON objects with the given URL and snippet keys."""
    found: list[SearchHit] = []
    if not isinstance(items, list):
        return found
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get(url)
        if not isinstance(link, str) or urlsplit(link).scheme not in ("http", "https"):
            continue
        found.append(
            SearchHit(
                title=_clean(item.get("title")) or link,
                url=link,
                snippet=_clean(item.get(snippet)),
                source=source,
                rank=len(found) + 1,
            )
        )
        if len(found) >= limit:
            break
    return found


def _api_message(data: Any) -> str:
    """The human part of an engine's error body, whatever its shape."""
    if isinstance(data, str):
        return data
    if isinstance(data, list) and data:
        return _api_message(data[0])
    if not isinstance(data, dict):
        return ""
    for key in ("message", "error", "detail", "errors", "error_message", "code"):
        value = data.get(key)
        if value:
            return _api_message(value)
    return ""


class Engine:
    """What every engine shares: settings, request with clear errors, JSON decoding."""

    name: ClassVar[str]
    label: ClassVar[str]
    needs_key: ClassVar[bool] = True
    needs_engine_id: ClassVar[bool] = False
    key_env: ClassVar[tuple[str, ...]] = ()
    engine_id_env: ClassVar[tuple[str, ...]] = ()
    default_base_url: ClassVar[str]
    max_per_request: ClassVar[int] = 10
    search_types: ClassVar[tuple[str, ...]] = ("web",)
    supports_safe_search: ClassVar[bool] = True

    def __init__(self, settings: ProviderSettings) -> None:
        self.api_key = settings.api_key or ""
        self.engine_id = settings.engine_id or ""
        self.base_url = (settings.base_url or self.default_base_url).rstrip("/")

    def _check_type(self, search_type: str) -> None:
        if search_type not in self.search_types:
            raise ProviderFailure(
                f"{self.label} does not do {search_type} search (only "
                f"{', '.join(self.search_types)}); pick another provider"
            )

    def _send(self, http: SafeHttp, method: str, path: str, **request: Any) -> HttpResponse:
        url = self.base_url + path
        response = http.request(method, url, **request)
        status = response.status_code
        if status < 400:
            return response
        detail = _api_message(_loads(response.content)) or response.text[:200].strip()
        detail = f": {detail}" if detail else ""
        if status in (401, 403):
            raise ProviderFailure(
                f"{self.label} refused the API key (HTTP {status}{detail}); check "
                f"{key_hint(self.name)}"
            )
        if status == 429:
            raise ProviderFailure(
                f"{self.label} is rate-limiting this key (HTTP 429{detail}); wait or use "
                "another provider"
            )
        raise ProviderFailure(f"{self.label} answered HTTP {status} at {url}{detail}")

    def _json(self, response: HttpResponse) -> Any:
        data = _loads(response.content)
        if not isinstance(data, dict):
            raise ProviderFailure(
                f"{self.label} answered something other than a JSON object (content-type "
                f"{response.content_type or 'unknown'}); check its base URL ({self.base_url})"
            )
        return data


def env_prefix(name: str) -> str:
    return f"LLMSPELL_{name.upper()}"


def key_hint(name: str) -> str:
    """Where an engine's key is read from, for error messages."""
    cls = ENGINES[name]
    names = ", ".join((f"{env_prefix(name)}_API_KEY", *cls.key_env))
    return f"`[tools.search.providers.{name}] api_key` or the environment ({names})"


def engine_id_hint(name: str) -> str:
    cls = ENGINES[name]
    names = ", ".join((f"{env_prefix(name)}_ENGINE_ID", *cls.engine_id_env))
    return f"`[tools.search.providers.{name}] engine_id` or the environment ({names})"


def _loads(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8", errors="replace"))
    except ValueError:
        return None


class DuckDuckGo(Engine):
    name = "duckduckgo"
    label = "DuckDuckGo"
    needs_key = False
    default_base_url = "https://html.duckduckgo.com"
    max_per_request = 30

    def search(
        self,
        query: str,
        *,
        max_results: int,
        safe_search: bool,
        http: SafeHttp,
        search_type: SearchType = "web",
        language: str | None = None,
    ) -> list[SearchHit]:
        self._check_type(search_type)
        form = {"q": query, "kp": "1" if safe_search else "-2"}
        if language and "-" in language:  # DuckDuckGo takes a region such as `us-en`
            form["kl"] = language.lower()
        response = self._send(
            http,
            "POST",
            "/html/",
            data=form,
            headers={"Referer": "https://html.duckduckgo.com/"},
            retries=http.max_retries,
        )
        if response.status_code != 200:
            raise ProviderFailure(
                f"DuckDuckGo answered HTTP {response.status_code} instead of results (it does "
                "this when it suspects a bot); try again later or use another provider"
            )
        return parse_duckduckgo(response.text, limit=max_results)


def parse_duckduckgo(html: str, *, limit: int) -> list[SearchHit]:
    """Organic results from DuckDuckGo's HTML page (ads and its own links skipped)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    if soup.select_one(".anomaly-modal, #challenge-form, .anomaly-modal__mask"):
        raise ProviderFailure(
            "DuckDuckGo asked for a bot check instead of answering; try again later or use "
            "another provider"
        )
    found: list[SearchHit] = []
    for block in soup.select("div.result"):
        if "result--ad" in (block.get("class") or []):
            continue
        link = block.select_one("a.result__a")
        if link is None:
            continue
        url = _ddg_target(str(link.get("href") or ""))
        if url is None:
            continue
        snippet = block.select_one(".result__snippet")
        found.append(
            SearchHit(
                title=_SPACES.sub(" ", link.get_text(" ", strip=True)),
                url=url,
                snippet=_SPACES.sub(" ", snippet.get_text(" ", strip=True))[:MAX_SNIPPET]
                if snippet is not None
                else "",
                source="duckduckgo",
                rank=len(found) + 1,
            )
        )
        if len(found) >= limit:
            break
    return found


def _ddg_target(href: str) -> str | None:
    """The real URL behind a result link (`//duckduckgo.com/l/?uddg=<url>`); None for ads."""
    if href.startswith("//"):
        href = "https:" + href
    parts = urlsplit(href)
    host = (parts.hostname or "").lower()
    if host == "duckduckgo.com" or host.endswith(".duckduckgo.com"):
        if parts.path.startswith("/y.js"):
            return None
        target = parse_qs(parts.query).get("uddg", [""])[0]
        if not target:
            return None
        href, parts = target, urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return href


class Brave(Engine):
    name = "brave"
    label = "Brave Search"
    key_env = ("BRAVE_API_KEY", "BRAVE_SEARCH_API_KEY")
    default_base_url = "https://api.search.brave.com"
    max_per_request = 20
    search_types = ("web", "news")

    def search(
        self,
        query: str,
        *,
        max_results: int,
        safe_search: bool,
        http: SafeHttp,
        search_type: SearchType = "web",
        language: str | None = None,
    ) -> list[SearchHit]:
        self._check_type(search_type)
        params: dict[str, Any] = {
            "q": query,
            "count": min(max_results, self.max_per_request),
            "safesearch": "strict" if safe_search else "off",
        }
        if language:
            params["search_lang"] = language
        response = self._send(
            http,
            "GET",
            f"/res/v1/{search_type}/search",
            params=params,
            headers={"Accept": "application/json", "X-Subscription-Token": self.api_key},
        )
        data = self._json(response)
        items = data.get("results") if search_type == "news" else (data.get("web") or {})
        if isinstance(items, dict):
            items = items.get("results")
        return _hits(items, self.name, url="url", snippet="description", limit=max_results)


class Google(Engine):
    name = "google"
    label = "Google Custom Search"
    needs_engine_id = True
    key_env = ("GOOGLE_API_KEY",)
    engine_id_env = ("GOOGLE_CSE_ID", "GOOGLE_SEARCH_ENGINE_ID")
    default_base_url = "https://www.googleapis.com"
    max_per_request = 10

    def search(
        self,
        query: str,
        *,
        max_results: int,
        safe_search: bool,
        http: SafeHttp,
        search_type: SearchType = "web",
        language: str | None = None,
    ) -> list[SearchHit]:
        self._check_type(search_type)
        items: list[Any] = []
        start = 1
        while len(items) < max_results and start <= 91:  # the API serves the first 100 only
            num = min(self.max_per_request, max_results - len(items), 101 - start)
            params: dict[str, Any] = {
                "key": self.api_key,
                "cx": self.engine_id,
                "q": query,
                "num": num,
                "start": start,
                "safe": "active" if safe_search else "off",
            }
            if language:
                params["lr"] = f"lang_{language}"
            data = self._json(self._send(http, "GET", "/customsearch/v1", params=params))
            page = data.get("items") or []
            items.extend(page)
            if len(page) < num:
                break
            start += len(page)
        return _hits(items, self.name, url="link", snippet="snippet", limit=max_results)


class SerpApi(Engine):
    name = "serpapi"
    label = "SerpApi"
    key_env = ("SERPAPI_API_KEY", "SERPAPI_KEY")
    default_base_url = "https://serpapi.com"
    max_per_request = 100
    search_types = ("web", "news")

    def search(
        self,
        query: str,
        *,
        max_results: int,
        safe_search: bool,
        http: SafeHttp,
        search_type: SearchType = "web",
        language: str | None = None,
    ) -> list[SearchHit]:
        self._check_type(search_type)
        params: dict[str, Any] = {
            "engine": "google",
            "q": query,
            "api_key": self.api_key,
            "num": min(max_results, self.max_per_request),
            "safe": "active" if safe_search else "off",
            "output": "json",
        }
        if language:
            params["hl"] = language
        if search_type == "news":
            params["tbm"] = "nws"
        data = self._json(self._send(http, "GET", "/search.json", params=params))
        error = data.get("error")
        if error and "hasn't returned any results" not in str(error):
            raise ProviderFailure(f"SerpApi answered an error: {error}")
        key = "news_results" if search_type == "news" else "organic_results"
        return _hits(data.get(key), self.name, url="link", snippet="snippet", limit=max_results)


class Serper(Engine):
    name = "serper"
    label = "Serper"
    key_env = ("SERPER_API_KEY", "SERPERDEV_API_KEY")
    default_base_url = "https://google.serper.dev"
    max_per_request = 100
    search_types = ("web", "news")
    supports_safe_search = False

    def search(
        self,
        query: str,
        *,
        max_results: int,
        safe_search: bool,
        http: SafeHttp,
        search_type: SearchType = "web",
        language: str | None = None,
    ) -> list[SearchHit]:
        self._check_type(search_type)
        body: dict[str, Any] = {"q": query, "num": min(max_results, self.max_per_request)}
        if language:
            body["hl"] = language
        path = "/news" if search_type == "news" else "/search"
        response = self._send(
            http,
            "POST",
            path,
            json_body=body,
            headers={"X-API-KEY": self.api_key, "Content-Type": "application/json"},
            retries=http.max_retries,
        )
        data = self._json(response)
        key = "news" if search_type == "news" else "organic"
        return _hits(data.get(key), self.name, url="link", snippet="snippet", limit=max_results)


class Tavily(Engine):
    name = "tavily"
    label = "Tavily"
    key_env = ("TAVILY_API_KEY",)
    default_base_url = "https://api.tavily.com"
    max_per_request = 20
    search_types = ("web", "news")
    supports_safe_search = False

    def search(
        self,
        query: str,
        *,
        max_results: int,
        safe_search: bool,
        http: SafeHttp,
        search_type: SearchType = "web",
        language: str | None = None,
    ) -> list[SearchHit]:
        self._check_type(search_type)
        body = {
            "api_key": self.api_key,
            "query": query,
            "max_results": min(max_results, self.max_per_request),
            "search_depth": "basic",
            "topic": "news" if search_type == "news" else "general",
            "include_answer": False,
            "include_raw_content": False,
            "include_images": False,
        }
        response = self._send(
            http,
            "POST",
            "/search",
            json_body=body,
            headers={"Authorization": f"Bearer {self.api_key}"},
            retries=http.max_retries,
        )
        data = self._json(response)
        items = data.get("results")
        return _hits(items, self.name, url="url", snippet="content", limit=max_results)


#: engines by name, in the order tried when none is configured (keyed engines first)
ENGINES: dict[str, type[Engine]] = {
    cls.name: cls for cls in (Brave, Google, Serper, SerpApi, Tavily, DuckDuckGo)
}
ALIASES: dict[str, str] = {
    "ddg": "duckduckgo",
    "duck_duck_go": "duckduckgo",
    "brave_search": "brave",
    "google_cse": "google",
    "cse": "google",
    "googlecse": "google",
    "serperdev": "serper",
    "serper_dev": "serper",
    "serp_api": "serpapi",
}


def canonical(name: str) -> str | None:
    """The engine name for `name` or an alias (case, `-` and spaces ignored); None if unknown."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    return key if key in ENGINES else None
