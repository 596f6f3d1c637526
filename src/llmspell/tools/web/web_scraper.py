"""web-scraper: a page's main text as text, markdown or HTML, plus links, images and metadata."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.web import html_content as page
from llmspell.tools.web.safe_http import HttpResponse
from llmspell.tools.web.site_fetcher import SiteFetcher

Format = Literal["text", "markdown", "html"]
_HTML_TYPES = ("text/html", "application/xhtml+xml", "")
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


class Params(ToolParams):
    url: str = Field(
        validation_alias=AliasChoices("url", "input"), description="the http(s) page to scrape"
    )
    selectors: str | dict[str, str] | None = Field(
        None,
        validation_alias=AliasChoices("selectors", "selector"),
        description="CSS selector(s) whose matches are returned as text: one selector, or "
        "{name = selector}; end a selector with `@attr` for an attribute (`a.more@href`)",
    )
    format: Format = Field("text", description="content as text, markdown or (cleaned) html")
    main_content: bool = Field(
        True,
        description="keep only the main content (drops nav, header, footer, sidebars); false "
        "keeps the whole body (scripts and styles are always dropped)",
    )
    extract_links: bool = Field(True, description="list the page's links, as absolute URLs")
    extract_images: bool = Field(False, description="list the page's images")
    extract_metadata: bool = Field(
        True,
        validation_alias=AliasChoices("extract_metadata", "extract_meta"),
        description="title, description, canonical URL, language, og:* properties",
    )
    max_length: int | None = Field(
        None, gt=0, description="cut the content to this many characters"
    )
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("timeout_seconds", "timeout"),
        description="per-request timeout; default `tools.http_request.timeout_seconds`",
    )


class WebScraper(Tool[Params]):
    name = "web-scraper"
    category = "data"
    description = (
        "Fetch a web page and return its main text as plain text, markdown or HTML, with the "
        "matches of CSS selectors, its links and images (absolute URLs) and its metadata."
    )
    security_level = "restricted"
    tags = ("web", "scrape", "html", "markdown", "css", "links", "metadata")
    Params = Params
    result_keys = {
        "scrape": "url (after redirects), title, <format> and content (the page in the chosen "
        "format), links [{url, text}], images [{url, alt}], metadata {title, description, "
        "canonical, language, keywords, author, og:*}, selectors {name: [texts]}, status_code, "
        "content_type, length, truncated",
    }
    security_notes = (
        "Fetched through the web tools' safe client: the host and every redirect hop are checked "
        "(private, loopback and link-local addresses refused unless listed in "
        "`tools.web_tools.allowed_hosts` or `tools.http_request.allowed_hosts`; "
        "`tools.web_tools.allowed_domains`/`blocked_domains` apply), responses "
        "are capped at `tools.web_tools.max_response_size`. With "
        "`tools.web_tools.respect_robots_txt = true` a page robots.txt disallows is refused; "
        "`tools.web_tools.scraping_delay_ms` spaces requests to one host."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        with SiteFetcher.for_tool(ctx, timeout=params.timeout_seconds) as site:
            response = site.get(params.url.strip())
        if response.status_code >= 400:
            raise ToolExecutionError(
                f"{params.url} answered HTTP {response.status_code}; nothing to scrape"
            )
        result = scrape(response, params)
        content = result["content"]
        text = content or f"(no text content at {result['url']})"
        return ToolResult.ok(text, result, operation="scrape")


def _selectors(value: str | dict[str, str] | None) -> dict[str, str]:
    if value is None:
        return {}
    return {value: value} if isinstance(value, str) else dict(value)


def scrape(response: HttpResponse, params: Params) -> dict[str, Any]:
    """The result table for one fetched page."""
    kind = response.content_type
    result: dict[str, Any] = {
        "url": response.url,
        "title": None,
        "content": "",
        "links": [],
        "images": [],
        "metadata": {},
        "selectors": {},
        "status_code": response.status_code,
        "content_type": kind or None,
    }
    if kind in _HTML_TYPES:
        _scrape_html(response, params, result)
    elif kind.startswith(_TEXT_TYPES) or kind.endswith(("+xml", "+json")):
        result["content"] = response.text
    else:
        raise ToolExecutionError(
            f"{response.url} is {kind!r}, not a web page; fetch it with http_request instead"
        )
    content: str = result["content"]
    result["truncated"] = params.max_length is not None and len(content) > params.max_length
    if result["truncated"]:
        content = content[: params.max_length]
    result["content"] = result[params.format] = content
    result["length"] = len(content)
    return result


def _scrape_html(response: HttpResponse, params: Params, result: dict[str, Any]) -> None:
    soup = page.parse_response(response)
    page.absolutize(soup, response.url)
    meta = page.metadata(soup)
    result["title"] = meta["title"] or _first_heading(soup)
    if params.extract_metadata:
        result["metadata"] = meta
    if params.extract_links:
        result["links"] = page.links(soup)
    if params.extract_images:
        result["images"] = page.images(soup)
    result["selectors"] = page.select(soup, _selectors(params.selectors))
    root = page.main_root(soup, main_only=params.main_content)
    if params.format == "markdown":
        result["content"] = page.markdown_of(root)
    elif params.format == "html":
        result["content"] = str(root).strip()
    else:
        result["content"] = page.text_of(root)


def _first_heading(soup: Any) -> str | None:
    heading = soup.find("h1")
    if heading is None:
        return None
    return " ".join(heading.get_text(" ").split()) or None
