"""web-scraper against real pages served on 127.0.0.1 (allowed through `[tools.web_tools]`)."""

from __future__ import annotations

import pytest

from llmspell.core.errors import HostNotAllowed, ToolExecutionError, ToolParameterError

ARTICLE = """<!doctype html>
<html lang="en">
<head>
  <title>  Gardening   Notes </title>
  <meta name="Description" content="How to grow  tomatoes.">
  <meta property="og:title" content="Gardening (OG)">
  <meta property="og:image" content="https://cdn.example.org/tomato.png">
  <link rel="canonical" href="/notes/tomatoes">
  <style>body { color: red }</style>
  <script>var tracking = "SECRET-SCRIPT";</script>
</head>
<body>
  <header><a href="/">Home</a> site banner</header>
  <nav><a href="/about">About us</a> <a href="javascript:void(0)">menu</a></nav>
  <main>
    <h1>Growing tomatoes</h1>
    <p>Tomatoes like <b>sun</b> and <a href="guide/water.html">regular water</a>.</p>
    <ul><li>Plant in May</li><li>Stake early</li></ul>
    <pre><code>water(litres=2)</code></pre>
    <table><tr><th>Variety</th><th>Days</th></tr><tr><td>Roma</td><td>75</td></tr></table>
    <img src="img/roma.jpg" alt="A Roma tomato">
    <img src="data:image/png;base64,AAAA" alt="inline">
    <p class="price">3.50</p><p class="price">4.25</p>
    <a class="more" href="../blog/next">Next post</a>
    <a href="guide/water.html">water again</a>
    <div hidden>hidden words</div>
  </main>
  <aside>Sidebar ads</aside>
  <footer>Copyright footer</footer>
</body>
</html>"""


def html(server, path: str, body: str, *, content_type: str = "text/html; charset=utf-8"):
    server.text(path, body, content_type=content_type)
    return server.url(path)


def scrape(runtime, **params):
    return runtime.tools.invoke("web-scraper", params)


def test_main_text_without_scripts_navigation_or_footer(web_rt, server):
    url = html(server, "/notes/page.html", ARTICLE)
    r = scrape(web_rt, url=url)
    res = r.result
    assert r.success and res["status_code"] == 200
    assert res["url"] == url and res["title"] == "Gardening Notes"
    text = res["text"]
    assert res["content"] == text == r.text and res["length"] == len(text)
    assert text.splitlines()[:3] == [
        "Growing tomatoes",
        "Tomatoes like sun and regular water.",
        "Plant in May",
    ]
    assert "Roma 75" in text and "water(litres=2)" in text
    for dropped in ("SECRET-SCRIPT", "color: red", "About us", "site banner", "Sidebar", "Copy"):
        assert dropped not in text
    assert "hidden words" not in text
    assert "markdown" not in res and res["truncated"] is False
    assert server.requests[0].headers["user-agent"] == "llmspell-web/1.0"


def test_markdown_output(web_rt, server):
    base = server.url("")
    r = scrape(web_rt, input=html(server, "/notes/page.html", ARTICLE), format="markdown")
    md = r.result["markdown"]
    assert r.result["content"] == md and "text" not in r.result
    assert md.startswith("# Growing tomatoes\n\nTomatoes like **sun**")
    assert f"[regular water]({base}/notes/guide/water.html)" in md
    assert "- Plant in May\n- Stake early" in md
    assert "```\nwater(litres=2)\n```" in md
    assert "| Variety | Days |\n| --- | --- |\n| Roma | 75 |" in md
    assert f"![A Roma tomato]({base}/notes/img/roma.jpg)" in md
    assert "Sidebar" not in md and "SECRET" not in md


def test_html_output_and_whole_body(web_rt, server):
    url = html(server, "/p", ARTICLE)
    main = scrape(web_rt, url=url, format="html").result["html"]
    assert main.startswith("<main>") and "<script" not in main and "<nav" not in main
    whole = scrape(web_rt, url=url, format="text", main_content=False).result["text"]
    assert "Sidebar ads" in whole and "About us" in whole and "Copyright footer" in whole
    assert "SECRET-SCRIPT" not in whole and "color: red" not in whole


def test_links_are_absolute_and_distinct(web_rt, server):
    base = server.url("")
    res = scrape(web_rt, url=html(server, "/notes/page.html", ARTICLE), extract_images=True).result
    assert res["links"] == [
        {"url": f"{base}/", "text": "Home"},
        {"url": f"{base}/about", "text": "About us"},
        {"url": f"{base}/notes/guide/water.html", "text": "regular water"},
        {"url": f"{base}/blog/next", "text": "Next post"},
    ]
    assert res["images"] == [{"url": f"{base}/notes/img/roma.jpg", "alt": "A Roma tomato"}]
    off = scrape(web_rt, url=f"{base}/notes/page.html", extract_links=False).result
    assert off["links"] == [] and off["images"] == []


def test_base_href_is_honoured(web_rt, server):
    page = '<html><head><base href="https://docs.example.org/v2/"></head><body><a href="x">X</a>'
    res = scrape(web_rt, url=html(server, "/b", page)).result
    assert res["links"] == [{"url": "https://docs.example.org/v2/x", "text": "X"}]


def test_metadata(web_rt, server):
    res = scrape(web_rt, url=html(server, "/notes/page.html", ARTICLE)).result
    meta = res["metadata"]
    assert meta["title"] == "Gardening Notes"
    assert meta["description"] == "How to grow tomatoes."
    assert meta["canonical"] == server.url("/notes/tomatoes")
    assert meta["language"] == "en"
    assert meta["og:title"] == "Gardening (OG)"
    assert meta["og:image"] == "https://cdn.example.org/tomato.png"
    assert (
        scrape(web_rt, url=server.url("/notes/page.html"), extract_meta=False).result["metadata"]
        == {}
    )


def test_selectors_named_single_and_attribute(web_rt, server):
    url = html(server, "/notes/page.html", ARTICLE)
    res = scrape(
        web_rt,
        url=url,
        selectors={"prices": ".price", "heading": "main h1", "next": "a.more@href", "none": "dl"},
    ).result
    assert res["selectors"] == {
        "prices": ["3.50", "4.25"],
        "heading": ["Growing tomatoes"],
        "next": [server.url("/blog/next")],
        "none": [],
    }
    assert scrape(web_rt, url=url, selector="nav a").result["selectors"] == {
        "nav a": ["About us", "menu"]
    }
    with pytest.raises(ToolParameterError, match="not valid CSS"):
        scrape(web_rt, url=url, selectors={"bad": "p[[["})


def test_max_length(web_rt, server):
    res = scrape(web_rt, url=html(server, "/p", ARTICLE), max_length=20).result
    assert res["text"] == "Growing tomatoes\nTom" and res["length"] == 20
    assert res["truncated"] is True


def test_charset_from_meta_and_plain_text(web_rt, server):
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9 cr\xe8me</p>'
    server.route(
        "/latin", lambda _req: (200, {"Content-Type": "text/html"}, page.encode("latin-1"))
    )
    assert scrape(web_rt, url=server.url("/latin")).result["text"] == "Café crème"
    server.text("/notes.txt", "just <plain> text")
    res = scrape(web_rt, url=server.url("/notes.txt"), format="markdown").result
    assert res["content"] == res["markdown"] == "just <plain> text"


def test_error_status_and_binary_content(web_rt, server):
    with pytest.raises(ToolExecutionError, match="answered HTTP 404"):
        scrape(web_rt, url=server.url("/missing"))
    server.route("/img", lambda _req: (200, {"Content-Type": "image/png"}, b"\x89PNG"))
    with pytest.raises(ToolExecutionError, match="'image/png', not a web page"):
        scrape(web_rt, url=server.url("/img"))


ROBOTS = "User-agent: *\nDisallow: /private\n"


def test_robots_txt_ignored_unless_configured(web_rt, server):
    server.text("/robots.txt", ROBOTS)
    url = html(server, "/private/page", "<main><p>secret plans</p></main>")
    assert scrape(web_rt, url=url).result["text"] == "secret plans"
    assert [r.path for r in server.requests] == ["/private/page"]


def test_robots_txt_disallow_refused_when_configured(make_web_tools_rt, server):
    server.text("/robots.txt", ROBOTS)
    url = html(server, "/private/page", "<main><p>secret plans</p></main>")
    html(server, "/public", "<main><p>open</p></main>")
    runtime = make_web_tools_rt({"tools.web_tools.respect_robots_txt": True})
    with pytest.raises(ToolExecutionError, match=r"robots\.txt disallows .*respect_robots_txt"):
        scrape(runtime, url=url)
    assert [r.path for r in server.requests] == ["/robots.txt"]
    assert scrape(runtime, url=server.url("/public")).result["text"] == "open"


def test_robots_for_our_user_agent_and_missing_robots(make_web_tools_rt, server):
    server.text("/robots.txt", "User-agent: llmspell-web\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    url = html(server, "/page", "<p>hi</p>")
    runtime = make_web_tools_rt({"tools.web_tools.respect_robots_txt": True})
    with pytest.raises(ToolExecutionError, match=r"robots\.txt"):
        scrape(runtime, url=url)
    del server.routes[(None, "/robots.txt")]
    fresh = make_web_tools_rt({"tools.web_tools.respect_robots_txt": True})
    assert scrape(fresh, url=url).result["text"] == "hi"  # 404 robots.txt: everything allowed


def test_scraping_delay_between_requests_to_one_host(make_web_tools_rt, server):
    server.text("/robots.txt", ROBOTS)
    url = html(server, "/page", "<p>hi</p>")
    runtime = make_web_tools_rt(
        {"tools.web_tools.respect_robots_txt": True, "tools.web_tools.scraping_delay_ms": 300}
    )
    scrape(runtime, url=url)
    robots, page = server.requests
    assert (robots.path, page.path) == ("/robots.txt", "/page")
    assert page.received_at - robots.received_at >= 0.29


def test_loopback_refused_without_an_allowed_host(make_rt, server):
    url = html(server, "/p", ARTICLE)
    with pytest.raises(HostNotAllowed, match="private or loopback"):
        scrape(make_rt(), url=url)
    assert server.requests == []


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/"])
def test_redirect_to_a_private_address_refused(web_rt, server, target):
    server.redirect("/go", target)
    with pytest.raises(HostNotAllowed, match="web-scraper"):
        scrape(web_rt, url=server.url("/go"))
    assert [r.path for r in server.requests] == ["/go"]


def test_redirect_followed_to_an_allowed_page(web_rt, server):
    html(server, "/new", "<main><p>moved here</p></main>")
    server.redirect("/old", "/new")
    res = scrape(web_rt, url=server.url("/old")).result
    assert res["url"] == server.url("/new") and res["text"] == "moved here"
