"""Reference-list entries and in-text citations in APA 7, MLA 9 and Chicago 17 (two flavours).

An entry is a normalised dict (see citation_formatter.normalise): authors and editors are
(family, given) pairs; every other field is a string or None. `it` marks italics (identity for
plain text, `*...*` for Markdown).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Name = tuple[str, str]
Italic = Callable[[str], str]


def initials(given: str) -> str:
    """'John Ronald' -> 'J. R.', 'Jean-Paul' -> 'J.-P.'."""
    words = given.replace(".", ". ").split()
    return " ".join("-".join(p[0].upper() + "." for p in w.split("-") if p) for w in words)


def inverted(name: Name) -> str:
    return f"{name[0]}, {name[1]}" if name[1] else name[0]


def natural(name: Name) -> str:
    return f"{name[1]} {name[0]}" if name[1] else name[0]


def _series(items: list[str], joiner: str = "and") -> str:
    if len(items) <= 2:
        return f" {joiner} ".join(items)
    return ", ".join(items[:-1]) + f", {joiner} " + items[-1]


def apa_names(names: list[Name]) -> str:
    shown = [f"{f}, {initials(g)}" if g else f for f, g in names]
    if len(shown) == 1:
        return shown[0]
    if len(shown) > 20:
        return ", ".join(shown[:19]) + ", . . . " + shown[-1]
    return ", ".join(shown[:-1]) + ", & " + shown[-1]


def mla_names(names: list[Name]) -> str:
    if len(names) == 1:
        return inverted(names[0])
    if len(names) == 2:
        return f"{inverted(names[0])}, and {natural(names[1])}"
    return f"{inverted(names[0])}, et al."


def chicago_names(names: list[Name]) -> str:
    if len(names) > 10:
        return ", ".join([inverted(names[0]), *map(natural, names[1:7])]) + ", et al."
    if len(names) == 1:
        return inverted(names[0])
    if len(names) == 2:
        return f"{inverted(names[0])}, and {natural(names[1])}"
    return _series([inverted(names[0]), *map(natural, names[1:])])


def dot(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def pages(value: str | None) -> str | None:
    return re.sub(r"\s*-+\s*", "\u2013", value) if value else None


def _link(e: dict[str, Any]) -> str | None:
    return f"https://doi.org/{e['doi']}" if e.get("doi") else e.get("url")


def _join(*parts: str | None, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def apa(e: dict[str, Any], it: Italic) -> str:
    year = f"({e.get('year') or 'n.d.'}{e.get('suffix', '')})."
    kind, title = e["type"], e.get("title") or "[Untitled]"
    titled = it(title) if kind in ("book", "report", "thesis", "web", "misc") else title
    if e.get("edition") and kind == "book":
        titled += f" ({e['edition']} ed.)"
    head = (
        [dot(apa_names(e["authors"])), year, dot(titled)] if e["authors"] else [dot(titled), year]
    )
    pp = pages(e.get("pages"))
    if kind == "article" and e.get("journal"):
        source = it(e["journal"]) + (f", {it(e['volume'])}" if e.get("volume") else "")
        source += f"({e['issue']})" if e.get("issue") else ""
        head.append(dot(source + (f", {pp}" if pp else "")))
    elif kind in ("chapter", "inproceedings"):
        eds = e.get("editors") or []
        who = _series([natural((f, initials(g))) for f, g in eds], "&") if eds else ""
        who += (" (Eds.)," if len(eds) > 1 else " (Ed.),") if eds else ""
        book = it(e.get("booktitle") or "") + (f" (pp. {pp})" if pp else "")
        head.append(dot(_join("In", who, book)))
    if e.get("publisher") and kind != "article":
        head.append(dot(e["publisher"]))
    return _join(*head, _link(e))


def mla(e: dict[str, Any], it: Italic) -> str:
    kind, title = e["type"], e.get("title") or "[Untitled]"
    whole = kind in ("book", "report", "thesis")
    parts = [dot(mla_names(e["authors"])) if e["authors"] else None]
    parts.append(dot(it(title)) if whole else f"\u201c{dot(title)}\u201d")
    pp = pages(e.get("pages"))
    where = [it(e["journal"]) if e.get("journal") else None]
    where.append(it(e["booktitle"]) if e.get("booktitle") else None)
    if e.get("editors"):
        where.append("edited by " + _series([natural(n) for n in e["editors"]]))
    where.append(f"{e['edition']} ed." if e.get("edition") else None)
    where += [f"vol. {e['volume']}" if e.get("volume") else None]
    where += [f"no. {e['issue']}" if e.get("issue") else None, e.get("publisher"), e.get("year")]
    where.append(("pp. " if pp and "\u2013" in pp else "p. ") + pp if pp else None)
    link = _link(e)
    where.append(link.removeprefix("https://") if link and not e.get("doi") else link)
    return _join(*parts, dot(_join(*where, sep=", ")))


def chicago(e: dict[str, Any], it: Italic, author_date: bool = False) -> str:
    kind, title = e["type"], e.get("title") or "[Untitled]"
    whole = kind in ("book", "report", "thesis")
    year = f"{e.get('year') or 'n.d.'}{e.get('suffix', '')}"
    parts = [dot(chicago_names(e["authors"])) if e["authors"] else None]
    parts.append(dot(year) if author_date else None)
    parts.append(dot(it(title)) if whole else f"\u201c{dot(title)}\u201d")
    pp = pages(e.get("pages"))
    if kind == "article" and e.get("journal"):
        source = _join(it(e["journal"]), e.get("volume"))
        source += f", no. {e['issue']}" if e.get("issue") else ""
        source += "" if author_date else f" ({year})"
        parts.append(dot(source + (f": {pp}" if pp else "")))
    else:
        if e.get("booktitle"):
            eds = e.get("editors") or []
            by = f", edited by {_series([natural(n) for n in eds])}" if eds else ""
            parts.append(dot(f"In {it(e['booktitle'])}{by}" + (f", {pp}" if pp else "")))
        if e.get("edition"):
            parts.append(f"{e['edition']} ed.")
        publisher = _join(e.get("place"), e.get("publisher"), sep=": ")
        tail = publisher if author_date else _join(publisher, year, sep=", ")
        parts.append(dot(tail) if tail else None)
    return _join(*parts, dot(_link(e)) if _link(e) else None)


def in_text(e: dict[str, Any], style: str) -> str:
    names = [f for f, _ in e["authors"]]
    year = f"{e.get('year') or 'n.d.'}{e.get('suffix', '')}"
    if not names:
        who = f"\u201c{e.get('title') or 'Untitled'}\u201d"
    elif len(names) >= 3:
        who = f"{names[0]} et al."
    else:
        who = (" & " if style == "apa" else " and ").join(names)
    if style == "apa":
        return f"({who}, {year})"
    if style == "mla":
        return f"({who})"
    return f"({who} {year})"


def sort_key(e: dict[str, Any]) -> tuple[str, str, str]:
    first = e["authors"][0][0] if e["authors"] else (e.get("title") or "")
    return (first.lower(), str(e.get("year") or ""), (e.get("title") or "").lower())
