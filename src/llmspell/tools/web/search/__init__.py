"""`web_search` and the search engines behind it (one `SearchProvider` protocol)."""

from llmspell.tools.web.search.providers import (
    ENGINES,
    ProviderSettings,
    SearchHit,
    SearchProvider,
)
from llmspell.tools.web.search.tool import WebSearch

__all__ = ["ENGINES", "ProviderSettings", "SearchHit", "SearchProvider", "WebSearch"]
