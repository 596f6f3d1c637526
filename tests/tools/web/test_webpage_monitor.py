"""webpage-monitor: change detection against snapshots kept under the llmspell home."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from llmspell.core.errors import HostNotAllowed, ToolExecutionError


class Page:
    """A page on the test server whose HTML the test changes between checks."""

    def __init__(self, server, path: str = "/news") -> None:
        self.body = ""
        self.status = 200
        self.url = server.url(path)
        server.route(
            path,
            lambda _req: (self.status, {"Content-Type": "text/html; charset=utf-8"}, self.body),
        )

    def show(self, *paragraphs: str, price: str = "10") -> None:
        items = "".join(f"<p>{p}</p>" for p in paragraphs)
        self.body = (
            f"<html><body><nav>menu {price}</nav><main>{items}"
            f'<span class="price">{price}</span></main></body></html>'
        )


@pytest.fixture
def page(server) -> Page:
    return Page(server)


def check(runtime, **params):
    return runtime.tools.invoke("webpage-monitor", params)


def snapshot_file(url: str, selector: str | None = None) -> Path:
    key = hashlib.sha256(f"{url}\n{selector or ''}".encode()).hexdigest()
    return Path(os.environ["LLMSPELL_HOME"]) / "web_monitor" / f"{key}.json"


def test_first_check_then_change_then_no_change(web_rt, page):
    page.show("alpha", "beta")
    first = check(web_rt, url=page.url)
    res = first.result
    assert res["first_check"] is True and res["changed"] is False
    assert res["previous_hash"] is None and res["previous_checked_at"] is None
    assert res["current_hash"] == hashlib.sha256(b"alpha\nbeta\n10").hexdigest()
    assert res["diff"] == "" and res["added_lines"] == res["removed_lines"] == 0
    assert "first check" in first.text

    page.show("alpha", "gamma", "delta")
    second = check(web_rt, input=page.url)
    res = second.result
    assert res["changed"] is True and res["first_check"] is False
    assert res["previous_hash"] == first.result["current_hash"] != res["current_hash"]
    assert res["previous_checked_at"] == first.result["checked_at"]
    assert res["added_lines"] == 2 and res["removed_lines"] == 1
    assert "-beta" in res["diff"] and "+gamma" in res["diff"] and "+delta" in res["diff"]
    assert res["diff"].startswith("--- previous\n+++ current")
    assert "(+2 -1 lines)" in second.text and "+gamma" in second.text

    third = check(web_rt, url=page.url).result
    assert third["changed"] is False and third["diff"] == ""
    assert third["previous_hash"] == third["current_hash"] == res["current_hash"]


def test_snapshot_persists_across_runtimes(make_web_tools_rt, page):
    page.show("version one")
    first = make_web_tools_rt()
    assert check(first, url=page.url).result["first_check"] is True
    first.close()
    stored = json.loads(snapshot_file(page.url).read_text())
    assert stored["url"] == page.url and "version one" in stored["text"]
    assert stored["hash"] == hashlib.sha256(b"version one\n10").hexdigest()

    page.show("version two")
    second = make_web_tools_rt()
    res = check(second, url=page.url).result
    assert res["first_check"] is False and res["changed"] is True
    assert "-version one" in res["diff"] and "+version two" in res["diff"]
    assert list(snapshot_file(page.url).parent.iterdir()) == [snapshot_file(page.url)]


def test_selector_watches_only_its_part(web_rt, page):
    page.show("story", price="10")
    first = check(web_rt, url=page.url, selector=".price").result
    assert first["matched"] == 1 and first["length"] == 2
    page.show("a different story", price="10")
    assert check(web_rt, url=page.url, selector=".price").result["changed"] is False
    page.show("a different story", price="12")
    res = check(web_rt, url=page.url, selector=".price").result
    assert res["changed"] is True and res["diff"].endswith("-10\n+12")
    assert check(web_rt, url=page.url).result["first_check"] is True  # no selector: own snapshot


def test_navigation_is_not_watched_by_default(web_rt, page):
    page.show("story")
    check(web_rt, url=page.url)
    page.body = page.body.replace("menu 10", "menu 11")
    assert check(web_rt, url=page.url).result["changed"] is False


def test_whitespace_changes(web_rt, page):
    page.body = "<main><p>one  two</p></main>"
    check(web_rt, url=page.url)
    page.body = "<main>\n\n<p>one two</p>\n</main>"
    assert check(web_rt, url=page.url).result["changed"] is False
    assert check(web_rt, url=page.url, ignore_whitespace=False).result["changed"] is False
    page.body = "<main>\n\n<p>one   two</p>\n</main>"
    strict = check(web_rt, url=page.url, ignore_whitespace=False).result
    assert strict["changed"] is True
    assert strict["diff"].endswith("-one two\n+one   two")


def test_reset_forgets_the_snapshot(web_rt, page):
    page.show("x")
    check(web_rt, url=page.url)
    assert snapshot_file(page.url).exists()
    r = check(web_rt, url=page.url, operation="reset")
    assert r.result == {"url": page.url, "selector": None, "reset": True}
    assert not snapshot_file(page.url).exists()
    assert check(web_rt, url=page.url, operation="reset").result["reset"] is False
    assert check(web_rt, url=page.url).result["first_check"] is True


def test_failed_fetch_keeps_the_snapshot(web_rt, page):
    page.show("kept")
    check(web_rt, url=page.url)
    before = snapshot_file(page.url).read_text()
    page.status = 500
    with pytest.raises(ToolExecutionError, match="answered HTTP 500; the snapshot was left"):
        check(web_rt, url=page.url)
    assert snapshot_file(page.url).read_text() == before


def test_redirect_to_a_private_address_refused(web_rt, server):
    server.redirect("/watch", "http://10.9.8.7/")
    with pytest.raises(HostNotAllowed, match=r"10\.9\.8\.7"):
        check(web_rt, url=server.url("/watch"))
    assert not snapshot_file(server.url("/watch")).exists()


def test_loopback_refused_without_an_allowed_host(make_rt, page):
    page.show("x")
    with pytest.raises(HostNotAllowed, match="private or loopback"):
        check(make_rt(), url=page.url)
