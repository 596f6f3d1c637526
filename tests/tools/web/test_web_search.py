"""web_search against local servers speaking each engine's real request and response format.

Every engine's base URL points at 127.0.0.1 through `LLMSPELL_<NAME>_BASE_URL`; loopback is
allowed through `[tools.search] allowed_hosts`, as a user would allow it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

import pytest
from http_server import Request, Route, TestServer

from llmspell.config import config_from_toml
from llmspell.core.errors import (
    HostNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)
from llmspell.tools.web.search import ENGINES
from llmspell.tools.web.search.providers import parse_duckduckgo
from llmspell.tools.web.search.settings import resolve

LOOPBACK = {"tools.search.allowed_hosts": ["127.0.0.1"], "tools.network.max_retries": 0}
ENV_NAMES = [
    var
    for name, cls in ENGINES.items()
    for var in (
        f"LLMSPELL_{name.upper()}_API_KEY",
        f"LLMSPELL_{name.upper()}_BASE_URL",
        f"LLMSPELL_{name.upper()}_ENGINE_ID",
        *cls.key_env,
        *cls.engine_id_env,
    )
]


Answer = tuple[int, dict[str, str], Any]


def _json(data: Any, status: int = 200) -> Answer:
    return status, {}, data


def _html(page: str, status: int = 200) -> Answer:
    return status, {"Content-Type": "text/html; charset=utf-8"}, page


@pytest.fixture
def serve(server_factory: Callable[[], TestServer]) -> Callable[[Route], TestServer]:
    """`serve(answer)`: a local stand-in for one engine, answering every path with `answer`."""

    def start(answer: Route) -> TestServer:
        engine = server_factory()
        engine.route_all(answer)
        return engine

    return start


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key from the machine leaks in; every engine points at a closed local port."""
    for var in ENV_NAMES:
        monkeypatch.delenv(var, raising=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    for name in ENGINES:
        monkeypatch.setenv(f"LLMSPELL_{name.upper()}_BASE_URL", f"http://127.0.0.1:{closed}")


@pytest.fixture
def search_rt(make_rt):
    """`search_rt(**overrides)`: a runtime whose engines may be on 127.0.0.1."""

    def make(**overrides: Any):
        return make_rt({**LOOPBACK, **overrides})

    return make


def search(runtime, **params: Any):
    return runtime.tools.invoke("web_search", params)


def point(monkeypatch: pytest.MonkeyPatch, name: str, engine: TestServer, key: str | None = None):
    monkeypatch.setenv(f"LLMSPELL_{name.upper()}_BASE_URL", engine.base)
    if key is not None:
        monkeypatch.setenv(ENGINES[name].key_env[0], key)


DDG_PAGE = """<!DOCTYPE html><html><body><div id="links" class="results">
<div class="result results_links results_links_deep result--ad">
  <div class="links_main links_deep result__body"><h2 class="result__title">
  <a class="result__a" href="https://duckduckgo.com/y.js?ad_domain=shop.example">Buy</a>
  </h2><a class="result__snippet" href="#">An advert</a></div></div>
<div class="result results_links results_links_deep web-result ">
  <div class="links_main links_deep result__body"><h2 class="result__title">
  <a rel="nofollow" class="result__a"
     href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fwww.python.org%2Fdownloads%2F%3Fa%3D1&amp;rut=ab">
     Download <b>Python</b> | Python.org</a></h2>
  <div class="result__extras"><div class="result__extras__url">
  <a class="result__url" href="#">www.python.org/downloads/</a></div></div>
  <a class="result__snippet" href="#">The official home of the <b>Python</b> Programming
     Language.</a></div></div>
<div class="result results_links results_links_deep web-result ">
  <div class="links_main links_deep result__body"><h2 class="result__title">
  <a rel="nofollow" class="result__a" href="https://docs.python.org/3/">Python 3 docs</a></h2>
  <a class="result__snippet" href="#">Documentation for Python 3.</a></div></div>
<div class="result results_links results_links_deep web-result ">
  <div class="links_main links_deep result__body"><h2 class="result__title">
  <a rel="nofollow" class="result__a"
     href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fen.wikipedia.org%2Fwiki%2FPython&amp;rut=cd">
     Python - Wikipedia</a></h2>
  <a class="result__snippet" href="#">Python is a high-level language.</a></div></div>
</div></body></html>"""


def test_duckduckgo_is_the_default_and_its_html_is_parsed(search_rt, serve, monkeypatch):
    ddg = serve(lambda seen: _html(DDG_PAGE))
    point(monkeypatch, "duckduckgo", ddg)
    r = search(search_rt(), query="python language", max_results=2)
    assert r.success
    res = r.result
    assert res["provider"] == "duckduckgo" and res["query"] == "python language"
    assert res["total"] == res["count"] == 2
    assert res["results"] == [
        {
            "title": "Download Python | Python.org",
            "url": "https://www.python.org/downloads/?a=1",
            "snippet": "The official home of the Python Programming Language.",
            "rank": 1,
            "source": "duckduckgo",
        },
        {
            "title": "Python 3 docs",
            "url": "https://docs.python.org/3/",
            "snippet": "Documentation for Python 3.",
            "rank": 2,
            "source": "duckduckgo",
        },
    ]
    (seen,) = ddg.requests
    assert (seen.method, seen.path) == ("POST", "/html/")
    assert seen.form() == {"q": ["python language"], "kp": ["1"]}
    assert seen.headers["user-agent"] == "llmspell-web-search/1.0"
    assert "1. Download Python | Python.org - https://www.python.org/downloads/?a=1" in r.text


def test_duckduckgo_safe_search_off_region_and_bot_check(search_rt, serve, monkeypatch):
    pages = iter([_html(DDG_PAGE), _html("<html></html>", 202)])
    ddg = serve(lambda seen: next(pages))
    point(monkeypatch, "duckduckgo", ddg)
    runtime = search_rt()
    r = search(runtime, query="q", provider="ddg", safe_search=False, language="us-en")
    assert r.result["total"] == 3
    assert ddg.requests[0].form() == {"q": ["q"], "kp": ["-2"], "kl": ["us-en"]}
    with pytest.raises(ToolExecutionError, match="HTTP 202 instead of results"):
        search(runtime, query="q", provider="duckduckgo")
    with pytest.raises(ToolExecutionError, match="bot check"):
        parse_duckduckgo('<div class="anomaly-modal">are you human</div>', limit=5)


def test_brave_request_shape_and_results(search_rt, serve, monkeypatch):
    def answer(seen: Request) -> Answer:
        if seen.path == "/res/v1/news/search":
            return _json({"type": "news", "results": [{"title": "N", "url": "https://n.example/"}]})
        return _json(
            {
                "type": "search",
                "query": {"original": seen.arg("q")},
                "web": {
                    "type": "search",
                    "results": [
                        {
                            "title": "Rust &amp; <strong>Python</strong>",
                            "url": "https://rust.example/",
                            "description": "Fast <strong>Python</strong> extensions",
                            "age": "2 days ago",
                        },
                        {"title": "no url"},
                        {"title": "Other", "url": "https://other.example/a", "description": ""},
                    ],
                },
            }
        )

    brave = serve(answer)
    point(monkeypatch, "brave", brave, key="brave-secret")
    runtime = search_rt()
    r = search(runtime, query="pyo3", provider="brave", max_results=7)
    (seen,) = brave.requests
    assert (seen.method, seen.path) == ("GET", "/res/v1/web/search")
    assert seen.args() == {"q": "pyo3", "count": "7", "safesearch": "strict"}
    assert seen.headers["x-subscription-token"] == "brave-secret"
    assert seen.headers["accept"] == "application/json"
    assert [(h["title"], h["url"], h["snippet"]) for h in r.result["results"]] == [
        ("Rust & Python", "https://rust.example/", "Fast Python extensions"),
        ("Other", "https://other.example/a", ""),
    ]
    news = search(runtime, query="pyo3", provider="brave", search_type="news", language="de")
    assert brave.requests[1].path == "/res/v1/news/search"
    assert brave.requests[1].arg("search_lang") == "de"
    assert news.result["results"][0]["url"] == "https://n.example/"


def test_google_custom_search_pages_through_items(search_rt, serve, monkeypatch):
    def answer(seen: Request) -> Answer:
        start, num = int(seen.arg("start") or 0), int(seen.arg("num") or 0)
        items = [
            {
                "kind": "customsearch#result",
                "title": f"Result {i}",
                "link": f"https://site{i}.example/",
                "displayLink": f"site{i}.example",
                "snippet": f"snippet {i}",
            }
            for i in range(start, start + num)
        ]
        return _json({"kind": "customsearch#search", "items": items})

    google = serve(answer)
    point(monkeypatch, "google", google, key="g-key")
    monkeypatch.setenv("GOOGLE_CSE_ID", "cx-123")
    r = search(search_rt(), query="llm", provider="google", max_results=15, safe_search=False)
    assert [(s.path, s.arg("start"), s.arg("num")) for s in google.requests] == [
        ("/customsearch/v1", "1", "10"),
        ("/customsearch/v1", "11", "5"),
    ]
    first = google.requests[0].args()
    assert (first["key"], first["cx"], first["q"], first["safe"]) == (
        "g-key",
        "cx-123",
        "llm",
        "off",
    )
    assert r.result["total"] == 15
    assert r.result["results"][14] == {
        "title": "Result 15",
        "url": "https://site15.example/",
        "snippet": "snippet 15",
        "rank": 15,
        "source": "google",
    }


def test_serpapi_organic_results(search_rt, serve, monkeypatch):
    serp = serve(
        lambda seen: _json(
            {
                "search_metadata": {"status": "Success"},
                "search_parameters": {"engine": "google", "q": seen.arg("q")},
                "organic_results": [
                    {
                        "position": 1,
                        "title": "SerpApi result",
                        "link": "https://serp.example/1",
                        "displayed_link": "serp.example",
                        "snippet": "first",
                    }
                ],
            }
        )
    )
    point(monkeypatch, "serpapi", serp, key="serp-key")
    r = search(search_rt(), query="kittens", provider="serpapi", max_results=3, language="fr")
    (seen,) = serp.requests
    assert (seen.method, seen.path) == ("GET", "/search.json")
    assert seen.args() == {
        "engine": "google",
        "q": "kittens",
        "api_key": "serp-key",
        "num": "3",
        "safe": "active",
        "output": "json",
        "hl": "fr",
    }
    assert r.result["results"][0]["url"] == "https://serp.example/1"


def test_serper_posts_json_with_its_key_header(search_rt, serve, monkeypatch):
    serper = serve(
        lambda seen: _json(
            {
                "searchParameters": seen.json(),
                "organic": [
                    {"title": "Serper", "link": "https://serper.example/", "snippet": "s"},
                    {"title": "Two", "link": "https://two.example/", "snippet": "t"},
                ],
            }
        )
    )
    point(monkeypatch, "serper", serper, key="serper-key")
    r = search(search_rt(), query="vector db", provider="serperdev", max_results=5)
    (seen,) = serper.requests
    assert (seen.method, seen.path) == ("POST", "/search")
    assert seen.headers["x-api-key"] == "serper-key"
    assert seen.headers["content-type"].startswith("application/json")
    assert seen.json() == {"q": "vector db", "num": 5}
    assert [h["url"] for h in r.result["results"]] == [
        "https://serper.example/",
        "https://two.example/",
    ]


def test_tavily_posts_its_key_and_returns_content_as_snippets(search_rt, serve, monkeypatch):
    tavily = serve(
        lambda seen: _json(
            {
                "query": seen.json()["query"],
                "answer": None,
                "results": [
                    {
                        "title": "Tavily",
                        "url": "https://tavily.example/",
                        "content": "Search for agents",
                        "score": 0.98,
                    }
                ],
                "response_time": 0.5,
            }
        )
    )
    point(monkeypatch, "tavily", tavily, key="tvly-key")
    r = search(search_rt(), query="agents", provider="tavily", search_type="news")
    (seen,) = tavily.requests
    assert (seen.method, seen.path) == ("POST", "/search")
    body = seen.json()
    assert body["api_key"] == "tvly-key" and body["query"] == "agents"
    assert body["max_results"] == 10 and body["topic"] == "news"
    assert seen.headers["authorization"] == "Bearer tvly-key"
    assert r.result["results"][0]["snippet"] == "Search for agents"


def test_a_rejected_key_is_explained_without_showing_it(search_rt, serve, monkeypatch):
    brave = serve(
        lambda seen: _json(
            {
                "type": "ErrorResponse",
                "error": {
                    "status": 401,
                    "code": "SUBSCRIPTION_TOKEN_INVALID",
                    "detail": "The provided subscription token is invalid.",
                },
            },
            401,
        )
    )
    point(monkeypatch, "brave", brave, key="brave-wrong-key")
    with pytest.raises(ToolExecutionError) as caught:
        search(search_rt(), query="x", provider="brave")
    message = str(caught.value)
    assert (
        "Brave Search refused the API key (HTTP 401: The provided subscription token is invalid.)"
        in message
    )
    assert "BRAVE_API_KEY" in message and "brave-wrong-key" not in message


def test_a_chosen_provider_without_a_key_names_the_variable_and_config_key(search_rt):
    runtime = search_rt()
    with pytest.raises(ToolExecutionError) as caught:
        search(runtime, query="x", provider="tavily")
    assert "search provider 'tavily' needs an API key" in str(caught.value)
    assert "`[tools.search.providers.tavily] api_key`" in str(caught.value)
    assert "TAVILY_API_KEY" in str(caught.value)


def test_google_needs_an_engine_id_as_well(search_rt, monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "k")
    with pytest.raises(ToolExecutionError, match="Programmable Search Engine id") as caught:
        search(search_rt(), query="x", provider="google")
    assert "GOOGLE_CSE_ID" in str(caught.value) and "engine_id" in str(caught.value)
    with pytest.raises(ToolParameterError, match="unknown provider 'bing'"):
        search(search_rt(), query="x", provider="bing")
    with pytest.raises(ToolParameterError, match="does not do news search"):
        monkeypatch.setenv("GOOGLE_CSE_ID", "cx")
        search(search_rt(), query="x", provider="google", search_type="news")


def _serper_ok(seen: Request) -> Answer:
    return _json({"organic": [{"title": "S", "link": "https://s.example/", "snippet": ""}]})


def _tavily_ok(seen: Request) -> Answer:
    return _json({"results": [{"title": "T", "url": "https://t.example/", "content": "c"}]})


def test_auto_tries_engines_in_the_documented_order(search_rt, serve, monkeypatch):
    serper, tavily = serve(_serper_ok), serve(_tavily_ok)
    point(monkeypatch, "serper", serper, key="s")
    point(monkeypatch, "tavily", tavily, key="t")
    runtime = search_rt(**{"tools.search.default_engine": "auto"})
    r = search(runtime, query="x")
    assert r.result["provider"] == "serper"
    assert [a["provider"] for a in r.result["attempts"]] == ["brave", "google"]
    assert "needs an API key" in r.result["attempts"][0]["error"]
    assert len(serper.requests) == 1 and not tavily.requests


def test_a_failing_engine_falls_through_to_the_next(search_rt, serve, monkeypatch):
    serper = serve(lambda seen: _json({"message": "backend exploded"}, 500))
    tavily = serve(_tavily_ok)
    point(monkeypatch, "serper", serper, key="s")
    point(monkeypatch, "tavily", tavily, key="t")
    r = search(search_rt(**{"tools.search.default_engine": "serperdev"}), query="x")
    assert r.result["provider"] == "tavily"
    serper_attempt = r.result["attempts"][0]
    assert serper_attempt["provider"] == "serper"
    assert "Serper answered HTTP 500" in serper_attempt["error"]
    assert "backend exploded" in serper_attempt["error"]


def test_the_configured_default_engine_goes_first(search_rt, serve, monkeypatch):
    serper, tavily = serve(_serper_ok), serve(_tavily_ok)
    point(monkeypatch, "serper", serper, key="s")
    point(monkeypatch, "tavily", tavily, key="t")
    r = search(search_rt(**{"tools.search.default_engine": "tavily"}), query="x")
    assert r.result["provider"] == "tavily" and r.result["attempts"] == []
    assert not serper.requests


def test_every_engine_failing_reports_each(search_rt, serve, monkeypatch):
    ddg = serve(lambda seen: _html("busy", 503))
    point(monkeypatch, "duckduckgo", ddg)
    with pytest.raises(ToolExecutionError, match="no search provider answered") as caught:
        search(search_rt(), query="x")
    message = str(caught.value)
    assert "duckduckgo: DuckDuckGo answered HTTP 503" in message
    assert "brave: needs an API key" in message


def test_no_usable_provider_says_how_to_make_each_usable(search_rt):
    with pytest.raises(ToolExecutionError) as caught:
        search(search_rt(), query="x", search_type="news")
    message = str(caught.value)
    assert message.count("needs an API key") == 4
    for hint in ("BRAVE_API_KEY", "SERPER_API_KEY", "SERPAPI_API_KEY", "TAVILY_API_KEY"):
        assert hint in message
    offline = search_rt(**{"runtime.security.allow_network_access": False})
    with pytest.raises(HostNotAllowed, match="network access is off"):
        search(offline, query="x")


def test_result_domains_are_filtered_and_ranks_renumbered(search_rt, serve, monkeypatch):
    def answer(seen: Request) -> Answer:
        urls = [
            "https://docs.example.com/a",
            "https://ads.bad.example.com/b",
            "https://elsewhere.net/c",
            "https://example.org/d",
            "https://example.com/e",
        ]
        return _json({"web": {"results": [{"title": u, "url": u} for u in urls]}})

    brave = serve(answer)
    point(monkeypatch, "brave", brave, key="b")
    runtime = search_rt(
        **{
            "tools.web_search.allowed_domains": ["example.com", "example.org"],
            "tools.web_search.blocked_domains": ["bad.example.com"],
        }
    )
    r = search(runtime, query="x", provider="brave", max_results=2)
    assert brave.requests[0].arg("count") == "12"  # asks for more: the filters may drop some
    assert [(h["url"], h["rank"]) for h in r.result["results"]] == [
        ("https://docs.example.com/a", 1),
        ("https://example.org/d", 2),
    ]
    assert r.result["filtered_out"] == 2


def test_rate_limit_refuses_and_names_the_key(search_rt, serve, monkeypatch):
    tavily = serve(_tavily_ok)
    point(monkeypatch, "tavily", tavily, key="t")
    runtime = search_rt(**{"tools.web_search.rate_limit_per_minute": 2})
    search(runtime, query="1", provider="tavily")
    search(runtime, query="2", provider="tavily")
    with pytest.raises(SecurityError, match=r"tools\.web_search\.rate_limit_per_minute"):
        search(runtime, query="3", provider="tavily")
    assert len(tavily.requests) == 2


def test_a_loopback_base_url_is_refused_unless_allowed(make_rt, serve, monkeypatch):
    tavily = serve(_tavily_ok)
    point(monkeypatch, "tavily", tavily, key="t")
    with pytest.raises(HostNotAllowed, match=r"tools\.search\.allowed_hosts"):
        search(make_rt(), query="x", provider="tavily")
    assert not tavily.requests


def test_settings_come_from_config_before_the_environment(monkeypatch):
    monkeypatch.setenv("SERPER_API_KEY", "from-env")
    monkeypatch.setenv("LLMSPELL_SERPER_BASE_URL", "http://env.example")
    monkeypatch.setenv("GOOGLE_SEARCH_KEY", "g")
    loaded = config_from_toml(
        """
        [tools.search]
        default_engine = "tavily"
        api_key = "shared-key"

        [tools.search.providers.serperdev]
        api_key = "from-config"
        base_url = "https://proxy.example"

        [tools.search.providers.google]
        api_key_env = "GOOGLE_SEARCH_KEY"
        engine_id = "cx-9"

        [tools.search.providers.brave]
        enabled = false
        """
    )
    search_config = loaded.config.tools.search
    env = dict(os.environ)
    serper = resolve("serper", search_config, env=env)
    assert serper.missing is None
    assert serper.settings.api_key == "from-config"
    assert serper.settings.base_url == "https://proxy.example"
    google = resolve("google", search_config, env=env)
    assert (google.settings.api_key, google.settings.engine_id) == ("g", "cx-9")
    assert resolve("tavily", search_config, env=env).settings.api_key == "shared-key"
    assert "enabled = false" in (resolve("brave", search_config, env=env).missing or "")
    assert resolve("serpapi", search_config, env=env).missing is not None


def test_a_configured_base_url_is_used(search_rt, serve):
    tavily = serve(_tavily_ok)
    runtime = search_rt(
        **{"tools.search.providers": {"tavily": {"api_key": "t", "base_url": tavily.base}}}
    )
    assert search(runtime, query="x", provider="tavily").result["provider"] == "tavily"
    assert tavily.requests[0].json()["api_key"] == "t"
