"""Polite fetching for the page tools: robots.txt when configured, a pause between hits on a host.

```python
with SiteFetcher.for_tool(ctx) as site:          # [tools.web_tools] rules, through SafeHttp
    page = site.get("https://example.com/docs")   # refused if robots.txt disallows it (when on)
    site.robots("https://example.com/").site_maps()
```
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.web.safe_http import HttpResponse, SafeHttp

if TYPE_CHECKING:
    from llmspell.tools.context import ToolContext

#: RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt
ROBOTS_MAX_BYTES = 512_000


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an absolute URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


class SiteFetcher:
    """One tool call's page fetches: SafeHttp plus robots.txt and per-host pacing."""

    def __init__(
        self,
        http: SafeHttp,
        *,
        user_agent: str,
        respect_robots: bool = False,
        delay_ms: int = 0,
    ) -> None:
        self.http = http
        self.user_agent = user_agent
        self.respect_robots = respect_robots
        self.delay = delay_ms / 1000
        self._robots: dict[str, RobotFileParser] = {}
        self._last_hit: dict[str, float] = {}

    @classmethod
    def for_tool(cls, ctx: ToolContext, *, timeout: float | None = None) -> SiteFetcher:
        web = ctx.config.web_tools
        return cls(
            SafeHttp.for_tool(ctx, family="web_tools", timeout=timeout),
            user_agent=web.user_agent,
            respect_robots=web.respect_robots_txt,
            delay_ms=web.scraping_delay_ms,
        )

    def __enter__(self) -> SiteFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, *, method: str = "GET", max_bytes: int | None = None) -> HttpResponse:
        """Fetch `url` after the robots.txt check (when configured) and the per-host pause."""
        self.http.check_url(url)
        if self.respect_robots:
            self.check_robots(url)
        return self._request(method, url, max_bytes=max_bytes)

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our user agent fetch `url` (always true when not configured)."""
        return not self.respect_robots or self.robots(url).can_fetch(self.user_agent, url)

    def check_robots(self, url: str) -> None:
        if not self.robots(url).can_fetch(self.user_agent, url):
            raise ToolExecutionError(
                f"{origin_of(url)}/robots.txt disallows {url} for user agent "
                f"{self.user_agent!r} and `tools.web_tools.respect_robots_txt` is true; "
                "fetch another page or set that key to false"
            )

    def robots(self, url: str) -> RobotFileParser:
        """The parsed robots.txt of `url`'s site, fetched once per call."""
        origin = origin_of(url)
        rules = self._robots.get(origin)
        if rules is None:
            rules = self._fetch_robots(origin)
            self._robots[origin] = rules
        return rules

    def _fetch_robots(self, origin: str) -> RobotFileParser:
        rules = RobotFileParser(origin + "/robots.txt")
        response = self._request("GET", origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES)
        code = response.status_code
        if 200 <= code < 300:
            rules.parse(response.text.splitlines())
        elif code in (401, 403) or code >= 500:
            rules.disallow_all = True  # RFC 9309: unreachable robots.txt means "disallow all"
        else:
            rules.allow_all = True
        return rules

    def _request(self, method: str, url: str, *, max_bytes: int | None) -> HttpResponse:
        host = urlsplit(url).netloc.lower()
        last = self._last_hit.get(host)
        if self.delay > 0 and last is not None:
            wait = self.delay - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)
        try:
            return self.http.request(method, url, max_bytes=max_bytes)
        finally:
            self._last_hit[host] = time.monotonic()
