"""HTML pages for the web tools: parse once, then metadata, links, main text and markdown.

BeautifulSoup (`html.parser`) is imported when a page is parsed; markdown comes from markdownify.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from llmspell.core.errors import ToolParameterError

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

    from llmspell.tools.web.safe_http import HttpResponse

#: never page text
INVISIBLE = ("script", "style", "noscript", "template", "svg", "iframe", "object", "embed")
#: site furniture dropped from the main text
CHROME = ("nav", "footer", "aside")
CHROME_ROLES = ("navigation", "banner", "contentinfo", "complementary", "search")
BLOCKS = (
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tr",
    "ul",
)  # fmt: skip
MAX_MATCHES = 1000
_ATTRIBUTE = re.compile(r"^(?P<css>.*?)\s*@(?P<attr>[A-Za-z_:][-\w:.]*)$")


def parse_html(content: bytes | str, *, encoding: str | None = None) -> BeautifulSoup:
    """A soup of `content`; bytes without a declared charset are sniffed (meta charset)."""
    from bs4 import BeautifulSoup

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bs4 warns on odd input; a web page is often odd
        if isinstance(content, bytes):
            return BeautifulSoup(content, "html.parser", from_encoding=encoding)
        return BeautifulSoup(content, "html.parser")


def parse_response(response: HttpResponse) -> BeautifulSoup:
    """A soup of a fetched page, decoded with the header's charset when it declares one."""
    declared = "charset=" in response.headers.get("content-type", "").lower()
    return parse_html(response.content, encoding=response.encoding if declared else None)


def absolutize(soup: BeautifulSoup, page_url: str) -> str:
    """Rewrite href/src attributes as absolute URLs; returns the base they were resolved on."""
    base_tag = soup.find("base", href=True)
    base = urljoin(page_url, str(base_tag["href"])) if base_tag else page_url  # type: ignore[index]
    for tag, attr in (("a", "href"), ("link", "href"), ("img", "src"), ("area", "href")):
        for element in soup.find_all(tag, attrs={attr: True}):
            value = str(element[attr]).strip()
            if value and not value.lower().startswith(("javascript:", "data:", "mailto:")):
                element[attr] = urljoin(base, value)
    return base


def _meta(soup: BeautifulSoup, attrs: dict[str, str]) -> str | None:
    wanted = {key: re.compile(f"^{re.escape(value)}$", re.I) for key, value in attrs.items()}
    tag = soup.find("meta", attrs=wanted)
    content = tag.get("content") if tag is not None else None  # type: ignore[union-attr]
    return " ".join(str(content).split()) if content else None


def metadata(soup: BeautifulSoup) -> dict[str, Any]:
    """title, description, canonical, language, keywords, author and every `og:*` property."""
    title_tag = soup.find("title")
    title = " ".join(title_tag.get_text().split()) if title_tag else None
    canonical = soup.find("link", rel=lambda rel: rel and "canonical" in rel, href=True)
    html = soup.find("html")
    out: dict[str, Any] = {
        "title": title or _meta(soup, {"property": "og:title"}),
        "description": _meta(soup, {"name": "description"}),
        "canonical": str(canonical["href"]) if canonical else None,  # type: ignore[index]
        "language": (html.get("lang") if html is not None else None) or None,  # type: ignore[union-attr]
        "keywords": _meta(soup, {"name": "keywords"}),
        "author": _meta(soup, {"name": "author"}),
    }
    for tag in soup.find_all("meta", property=re.compile(r"^og:"), content=True):
        out.setdefault(str(tag["property"]), " ".join(str(tag["content"]).split()))
    return out


def links(soup: BeautifulSoup) -> list[dict[str, str]]:
    """`[{url, text}]` for every distinct link, in page order (call after `absolutize`)."""
    found: dict[str, dict[str, str]] = {}
    for anchor in soup.find_all("a", href=True):
        url = str(anchor["href"]).strip()
        if not url or url.lower().startswith("javascript:"):
            continue
        text = " ".join(anchor.get_text(" ").split())
        entry = found.setdefault(url, {"url": url, "text": text})
        if not entry["text"]:
            entry["text"] = text
    return list(found.values())


def images(soup: BeautifulSoup) -> list[dict[str, str | None]]:
    """`[{url, alt}]` for every distinct image that is not inline data."""
    found: dict[str, dict[str, str | None]] = {}
    for img in soup.find_all("img", src=True):
        url = str(img["src"]).strip()
        if url and not url.lower().startswith("data:"):
            alt = img.get("alt")
            found.setdefault(url, {"url": url, "alt": str(alt) if alt is not None else None})
    return list(found.values())


def select(soup: BeautifulSoup, selectors: dict[str, str]) -> dict[str, list[str]]:
    """The text (or `@attribute`) of every element each CSS selector matches."""
    from soupsieve import SelectorSyntaxError

    out: dict[str, list[str]] = {}
    for name, selector in selectors.items():
        css, attr = selector.strip(), None
        matched = _ATTRIBUTE.match(css)
        if matched and _balanced(matched["css"]):
            css, attr = matched["css"] or "*", matched["attr"]
        try:
            elements = soup.select(css, limit=MAX_MATCHES)
        except (SelectorSyntaxError, ValueError) as exc:
            raise ToolParameterError(
                f"selector {name!r} = {selector!r} is not valid CSS: {exc}".splitlines()[0]
            ) from None
        if attr is None:
            out[name] = [" ".join(el.get_text(" ").split()) for el in elements]
        else:
            out[name] = [str(el[attr]) for el in elements if el.has_attr(attr)]
    return out


def _balanced(css: str) -> bool:
    """Whether `css` closes its brackets and quotes (so a trailing `@name` is ours, not CSS)."""
    return css.count("[") == css.count("]") and css.count('"') % 2 == 0 and css.count("'") % 2 == 0


def main_root(soup: BeautifulSoup, *, main_only: bool = True) -> Tag | BeautifulSoup:
    """The part of the page holding its content, with scripts, styles and (for `main_only`)
    navigation, headers, footers and sidebars removed. Changes `soup`."""
    from bs4 import Comment

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    _drop(soup.find_all([*INVISIBLE, "head"]))
    _drop(soup.find_all(hidden=True))
    if not main_only:
        return soup.find("body") or soup
    _drop(soup.find_all(CHROME))
    _drop(soup.find_all(attrs={"role": list(CHROME_ROLES)}))
    _drop(h for h in soup.find_all("header") if h.find_parent(["main", "article"]) is None)
    return (
        soup.find("main")
        or soup.find(attrs={"role": "main"})
        or soup.find("article")
        or soup.find("body")
        or soup
    )


def _drop(elements: Iterable[Any]) -> None:
    for element in list(elements):
        if not element.decomposed:
            element.decompose()


def text_of(root: Tag | BeautifulSoup, *, collapse: bool = True) -> str:
    """Text with a line per block element; `collapse` squeezes spaces and drops blank lines.
    Changes `root`."""
    for br in root.find_all("br"):
        br.replace_with("\n")
    for cell in root.find_all(["td", "th"]):
        cell.append(" ")
    for block in root.find_all(BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    raw = root.get_text()
    if not collapse:
        return raw.strip("\n")
    lines = (" ".join(line.split()) for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


def markdown_of(root: Tag | BeautifulSoup) -> str:
    """Markdown (ATX headings, `-` bullets, fenced code, pipe tables) via markdownify."""
    from markdownify import markdownify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = markdownify(str(root), heading_style="ATX", bullets="-", escape_underscores=False)
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()
