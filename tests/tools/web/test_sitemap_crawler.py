"""sitemap-crawler against sitemaps served on 127.0.0.1: indexes, gzip, limits, hostile XML."""

from __future__ import annotations

import gzip

import pytest

from llmspell.core.errors import HostNotAllowed, ToolExecutionError

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
XML = "application/xml"


def crawl(runtime, **params):
    return runtime.tools.invoke("sitemap-crawler", params)


def urlset(*entries: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NS}>{"".join(entries)}</urlset>'


def url_entry(loc: str, **meta: str) -> str:
    return f"<url><loc>{loc}</loc>{''.join(f'<{k}>{v}</{k}>' for k, v in meta.items())}</url>"


def index(*locs: str) -> str:
    items = "".join(
        f"<sitemap><loc>{loc}</loc><lastmod>2024-05-01</lastmod></sitemap>" for loc in locs
    )
    return f'<?xml version="1.0"?>\n<sitemapindex {NS}>{items}</sitemapindex>'


def test_urlset_with_metadata(web_rt, server):
    server.text(
        "/sitemap.xml",
        urlset(
            url_entry(
                "https://site.test/", lastmod="2024-06-01", changefreq="Daily", priority="1.0"
            ),
            url_entry("https://site.test/about", priority="0.5"),
            url_entry("https://site.test/plain"),
            url_entry("https://site.test/about"),
        ),
        content_type=XML,
    )
    r = crawl(web_rt, url=server.url("/sitemap.xml"))
    res = r.result
    assert res["sitemap_url"] == server.url("/sitemap.xml") and res["discovered_from"] == "given"
    assert res["urls_found"] == 3 and res["truncated"] is False
    assert res["urls"] == [
        {
            "url": "https://site.test/",
            "lastmod": "2024-06-01",
            "changefreq": "daily",
            "priority": 1.0,
            "has_metadata": True,
        },
        {
            "url": "https://site.test/about",
            "lastmod": None,
            "changefreq": None,
            "priority": 0.5,
            "has_metadata": True,
        },
        {
            "url": "https://site.test/plain",
            "lastmod": None,
            "changefreq": None,
            "priority": None,
            "has_metadata": False,
        },
    ]
    stats = res["stats"]
    assert stats["sitemaps_fetched"] == 1 and stats["urlsets"] == 1
    assert stats["duplicate_urls"] == 1 and stats["with_priority"] == 2
    assert stats["with_lastmod"] == 1 and stats["errors"] == [] and stats["stopped"] is None
    assert r.text.splitlines()[0] == "3 URLs from 1 sitemap(s)"
    assert "https://site.test/about" in r.text


def test_index_with_a_gzip_child_and_nested_index(web_rt, server):
    posts = urlset(*(url_entry(f"https://site.test/post/{n}") for n in range(3)))
    server.route(
        "/sitemaps/posts.xml.gz",
        lambda _req: (200, {"Content-Type": "application/gzip"}, gzip.compress(posts.encode())),
    )
    server.text(
        "/sitemaps/pages.xml", urlset(url_entry("https://site.test/page")), content_type=XML
    )
    server.text("/nested.xml", index("/sitemaps/pages.xml"), content_type=XML)
    server.text(
        "/sitemap_index.xml", index("/sitemaps/posts.xml.gz", "/nested.xml"), content_type=XML
    )
    res = crawl(web_rt, input=server.url("/sitemap_index.xml")).result
    assert [u["url"] for u in res["urls"]] == [
        "https://site.test/post/0",
        "https://site.test/post/1",
        "https://site.test/post/2",
        "https://site.test/page",
    ]
    assert res["sitemaps_visited"] == [
        server.url("/sitemap_index.xml"),
        server.url("/sitemaps/posts.xml.gz"),
        server.url("/nested.xml"),
        server.url("/sitemaps/pages.xml"),
    ]
    assert res["sitemaps"][0] == {
        "url": server.url("/sitemaps/posts.xml.gz"),
        "lastmod": "2024-05-01",
    }
    stats = res["stats"]
    assert stats["sitemap_indexes"] == 2 and stats["urlsets"] == 2 and stats["max_depth"] == 2


def test_follow_sitemaps_off_and_depth_limit(web_rt, server):
    server.text("/a.xml", urlset(url_entry("https://site.test/a")), content_type=XML)
    server.text("/index.xml", index("/a.xml"), content_type=XML)
    server.text("/top.xml", index("/index.xml"), content_type=XML)
    off = crawl(web_rt, url=server.url("/index.xml"), follow_sitemaps=False).result
    assert off["urls"] == [] and off["sitemaps"][0]["url"] == server.url("/a.xml")
    assert off["sitemaps_visited"] == [server.url("/index.xml")]
    assert off["stats"]["sitemaps_skipped"] == 1
    shallow = crawl(web_rt, url=server.url("/top.xml"), max_depth=1).result
    assert shallow["sitemaps_visited"] == [server.url("/top.xml"), server.url("/index.xml")]
    assert shallow["urls"] == []


def test_max_urls_truncates(web_rt, server):
    server.text(
        "/big.xml",
        urlset(*(url_entry(f"https://site.test/{n}") for n in range(50))),
        content_type=XML,
    )
    server.text("/second.xml", urlset(url_entry("https://site.test/never")), content_type=XML)
    server.text("/index.xml", index("/big.xml", "/second.xml"), content_type=XML)
    r = crawl(web_rt, url=server.url("/index.xml"), max_urls=10)
    res = r.result
    assert res["urls_found"] == 10 and res["truncated"] is True
    assert res["urls"][-1]["url"] == "https://site.test/9"
    assert res["stats"]["stopped"] == "max_urls"
    assert server.hits("/second.xml") == []
    assert "(stopped at max_urls = 10)" in r.text


def test_max_sitemaps(web_rt, server):
    for n in range(4):
        server.text(f"/s{n}.xml", urlset(url_entry(f"https://site.test/{n}")), content_type=XML)
    server.text("/index.xml", index(*(f"/s{n}.xml" for n in range(4))), content_type=XML)
    res = crawl(web_rt, url=server.url("/index.xml"), max_sitemaps=3).result
    assert len(res["sitemaps_visited"]) == 3 and res["urls_found"] == 2
    assert res["truncated"] is True and res["stats"]["stopped"] == "max_sitemaps"
    assert res["stats"]["sitemaps_skipped"] == 2


def test_hard_caps_are_parameter_errors(web_rt):
    from llmspell.core.errors import ToolParameterError

    with pytest.raises(ToolParameterError, match="max_urls"):
        crawl(web_rt, url="https://site.test/sitemap.xml", max_urls=10**9)
    with pytest.raises(ToolParameterError, match="max_depth"):
        crawl(web_rt, url="https://site.test/sitemap.xml", max_depth=4)


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol4;</loc></url></urlset>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&xxe;</loc></url></urlset>"""


@pytest.mark.parametrize("body", [BOMB, EXTERNAL], ids=["entity-bomb", "external-entity"])
def test_doctype_and_entities_refused(web_rt, server, body):
    server.text("/evil.xml", body, content_type=XML)
    with pytest.raises(ToolExecutionError, match="declares a DOCTYPE or entities"):
        crawl(web_rt, url=server.url("/evil.xml"))


def test_bad_child_sitemaps_are_reported_not_fatal(web_rt, server):
    server.text("/evil.xml", BOMB, content_type=XML)
    server.text("/ok.xml", urlset(url_entry("https://site.test/ok")), content_type=XML)
    server.text("/broken.xml", "<urlset><url>", content_type=XML)
    server.text(
        "/index.xml", index("/evil.xml", "/missing.xml", "/broken.xml", "/ok.xml"), content_type=XML
    )
    res = crawl(web_rt, url=server.url("/index.xml")).result
    assert [u["url"] for u in res["urls"]] == ["https://site.test/ok"]
    errors = {e["sitemap"].rsplit("/", 1)[-1]: e["error"] for e in res["stats"]["errors"]}
    assert "DOCTYPE" in errors["evil.xml"]
    assert errors["missing.xml"] == "the sitemap answered HTTP 404"
    assert "not well-formed XML" in errors["broken.xml"]


def test_gzip_bomb_refused(make_web_tools_rt, server):
    bomb = gzip.compress(b"<urlset>" + b" " * 3_000_000 + b"</urlset>")
    assert len(bomb) < 20_000
    server.route("/s.xml.gz", lambda _req: (200, {"Content-Type": "application/gzip"}, bomb))
    runtime = make_web_tools_rt({"tools.web_tools.max_response_size": 1_000_000})
    with pytest.raises(ToolExecutionError, match="larger than 1,000,000 bytes once decompressed"):
        crawl(runtime, url=server.url("/s.xml.gz"))


def test_site_root_uses_robots_txt_sitemap_lines(web_rt, server):
    server.text(
        "/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {server.url('/maps/main.xml')}\n"
    )
    server.text("/maps/main.xml", urlset(url_entry("https://site.test/x")), content_type=XML)
    res = crawl(web_rt, url=server.url("/")).result
    assert res["discovered_from"] == "robots.txt"
    assert res["sitemap_url"] == server.url("/maps/main.xml")
    assert res["urls"][0]["url"] == "https://site.test/x"


def test_site_root_falls_back_to_sitemap_xml(web_rt, server):
    server.text("/sitemap.xml", "https://site.test/one\nhttps://site.test/two\n")
    res = crawl(web_rt, url=server.url("")).result
    assert res["discovered_from"] == "default"
    assert [u["url"] for u in res["urls"]] == ["https://site.test/one", "https://site.test/two"]
    assert [r.path for r in server.requests] == ["/robots.txt", "/sitemap.xml"]


def test_site_without_sitemap_is_an_error(web_rt, server):
    with pytest.raises(ToolExecutionError, match=r"no sitemap could be read .*robots\.txt.*404"):
        crawl(web_rt, url=server.url("/"))


def test_not_a_sitemap(web_rt, server):
    server.text("/feed.xml", "<rss><channel/></rss>", content_type=XML)
    with pytest.raises(ToolExecutionError, match="root element is <rss>"):
        crawl(web_rt, url=server.url("/feed.xml"))


def test_robots_txt_disallow_when_configured(make_web_tools_rt, server):
    server.text("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    server.text("/private/sitemap.xml", urlset(url_entry("https://site.test/x")), content_type=XML)
    url = server.url("/private/sitemap.xml")
    assert crawl(make_web_tools_rt(), url=url).result["urls_found"] == 1
    strict = make_web_tools_rt({"tools.web_tools.respect_robots_txt": True})
    with pytest.raises(ToolExecutionError, match=r"robots\.txt disallows"):
        crawl(strict, url=url)


def test_child_on_a_private_host_is_refused(web_rt, server):
    server.text("/index.xml", index("http://10.20.30.40/sitemap.xml"), content_type=XML)
    with pytest.raises(HostNotAllowed, match=r"10\.20\.30\.40"):
        crawl(web_rt, url=server.url("/index.xml"))


def test_redirect_to_a_private_address_refused(web_rt, server):
    server.redirect("/sitemap.xml", "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(HostNotAllowed, match=r"169\.254\.169\.254"):
        crawl(web_rt, url=server.url("/sitemap.xml"))


def test_a_spell_crawls_and_analyzes(make_web_tools_rt, server):
    server.text(
        "/sitemap.xml",
        urlset(
            url_entry("https://site.test/a?x=1", priority="0.8"), url_entry("https://site.test/b")
        ),
        content_type=XML,
    )
    runtime = make_web_tools_rt()
    found = runtime.run_code(
        f"""
        local map = Tool.invoke("sitemap_crawler", {{input = "{server.url("/sitemap.xml")}"}})
        local first = map.result.urls[1]
        local parts = Tool.invoke("url_analyzer", {{input = first.url}})
        return map.result.urls_found, first.priority, first.lastmod == nil,
               parts.result.query_params.x, parts.result.host
        """
    )
    assert found == [2, 0.8, True, "1", "site.test"]
