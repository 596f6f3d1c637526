"""References for citation-formatter: read any accepted shape, check, and write as BibTeX."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from llmspell.tools.utility import bibtex
from llmspell.tools.utility import citation_styles as cs

STYLES = {
    "apa": "apa", "mla": "mla", "chicago": "chicago", "chicago-fullnote-bibliography": "chicago",
    "chicago-notes-bibliography": "chicago", "chicago-notes": "chicago",
    "chicago-author-date": "chicago-author-date", "bibtex": "bibtex", "bib": "bibtex",
}  # fmt: skip
TYPES = {
    "article": "article", "journal-article": "article", "article-journal": "article",
    "book": "book", "proceedings": "book", "chapter": "chapter", "incollection": "chapter",
    "inbook": "chapter", "anthos": "chapter", "book-chapter": "chapter",
    "inproceedings": "inproceedings", "conference": "inproceedings",
    "paper-conference": "inproceedings", "thesis": "thesis", "phdthesis": "thesis",
    "mastersthesis": "thesis", "report": "report", "techreport": "report", "web": "web",
    "webpage": "web", "online": "web", "website": "web", "misc": "misc",
}  # fmt: skip
TO_BIBTEX = {
    "chapter": "incollection",
    "thesis": "phdthesis",
    "report": "techreport",
    "web": "misc",
}
FIELDS = {  # our name: names accepted in tables, YAML and BibTeX
    "title": ("title",), "journal": ("journal", "journaltitle", "container", "container_title",
    "container-title"), "booktitle": ("booktitle",), "publisher": ("publisher",),
    "place": ("place", "address", "location"), "volume": ("volume",), "issue": ("issue", "number"),
    "pages": ("pages", "page", "page-range"), "doi": ("doi",), "url": ("url",),
    "edition": ("edition",), "accessed": ("accessed", "urldate"), "month": ("month",),
}  # fmt: skip
MAX_NAMES = 1000


def parse_name(text: str) -> cs.Name:
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        return (text[1:-1].strip(), "")
    if "," in text:
        family, _, given = text.partition(",")
        return (family.strip(), given.strip().strip(",").strip())
    words = text.split()
    start = len(words) - 1
    while start > 0 and words[start - 1][:1].islower():
        start -= 1
    return (" ".join(words[start:]), " ".join(words[:start]))


def _names(value: Any, field: str) -> list[cs.Name]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = re.split(r"\s+and\s+|\s*;\s*", value)
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_NAMES:
        raise ValueError(f"{field}: more than {MAX_NAMES} names")
    names = []
    for item in items:
        if isinstance(item, tuple):
            names.append(item)
        elif isinstance(item, str) and item.strip():
            names.append(parse_name(item))
        elif isinstance(item, dict):
            family = item.get("family") or item.get("last") or item.get("name") or ""
            names.append((str(family), str(item.get("given") or item.get("first") or "")))
        elif item:
            raise ValueError(f"{field}: a name must be text or a table, got {item!r}")
    return names


def _text(value: Any, field: str) -> str | None:
    if isinstance(value, dict):  # hayagriva's {value: ...} and {name: ..., location: ...}
        value = value.get("value") or value.get("name") or value.get("doi")
    if hasattr(value, "isoformat"):  # YAML dates
        value = value.isoformat()
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, str | int | float):
        raise ValueError(f"{field} must be text or a number, got {type(value).__name__}")
    return str(value).strip() or None


def normalise(raw: dict[str, Any], index: int) -> dict[str, Any]:
    """One reference from any accepted shape as the dict the styles format."""
    raw = {str(k).lower(): v for k, v in raw.items()}
    parent = raw.get("parent") if isinstance(raw.get("parent"), dict) else {}
    entry: dict[str, Any] = {
        "authors": _names(raw.get("authors", raw.get("author")), "authors"),
        "editors": _names(raw.get("editors", raw.get("editor")), "editors"),
    }
    for name, aliases in FIELDS.items():
        found = next((raw[a] for a in aliases if raw.get(a) not in (None, "")), None)
        if found is None and name in ("volume", "issue", "publisher", "place"):
            found = next((parent[a] for a in aliases if parent.get(a)), None)
        entry[name] = _text(found, name)
    if entry["pages"]:
        entry["pages"] = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "\u2013", entry["pages"])
    serial = raw.get("serial-number")
    entry["doi"] = entry["doi"] or (_text(serial, "doi") if isinstance(serial, dict) else None)
    if entry["doi"]:
        entry["doi"] = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", entry["doi"], flags=re.I)
    if isinstance(raw.get("publisher"), dict):
        entry["place"] = entry["place"] or _text(raw["publisher"].get("location"), "place")
    date = _text(raw.get("year", raw.get("date")), "year")
    year = re.match(r"\d{4}", date) if date else None
    entry["year"] = year[0] if year else date
    kind = str(raw.get("type") or raw.get("entry_type") or "").lower()
    if parent.get("title") and not entry["journal"]:
        journal_like = kind == "article" or parent.get("type") in ("periodical", "newspaper")
        entry["journal" if journal_like else "booktitle"] = _text(parent["title"], "title")
    if not kind:
        kind = "article" if entry["journal"] else "chapter" if entry["booktitle"] else (
            "web" if entry["url"] else "book" if entry["publisher"] else "misc"
        )  # fmt: skip
    entry["type"] = TYPES.get(kind, "misc")
    entry["key"] = _text(raw.get("key") or raw.get("id") or raw.get("citation_key"), "key") or (
        _make_key(entry, index)
    )  # fmt: skip
    return entry


def _make_key(entry: dict[str, Any], index: int) -> str:
    if not entry["authors"]:
        return f"ref{index + 1}"
    family = unicodedata.normalize("NFKD", entry["authors"][0][0]).encode("ascii", "ignore")
    return re.sub(r"\W", "", family.decode().lower()) + (entry["year"] or "") or f"ref{index + 1}"


def problems(e: dict[str, Any]) -> tuple[list[str], list[str]]:
    errors, warnings = [], []
    if not e.get("title"):
        errors.append("missing title")
    if not e["authors"]:
        warnings.append("no authors")
    if not e.get("year"):
        warnings.append("no year")
    elif not re.fullmatch(r"\d{4}", e["year"]):
        errors.append(f"year {e['year']!r} is not a four-digit year")
    if e["type"] == "article" and not e.get("journal"):
        errors.append("an article needs a journal")
    if e["type"] == "chapter" and not e.get("booktitle"):
        errors.append("a chapter needs a booktitle")
    if e["type"] == "book" and not e.get("publisher"):
        warnings.append("a book usually has a publisher")
    if e.get("doi") and not re.fullmatch(r"10\.\d{4,9}/\S+", e["doi"]):
        errors.append(f"doi {e['doi']!r} does not look like 10.NNNN/suffix")
    if e.get("url") and not re.match(r"https?://", e["url"]):
        errors.append(f"url {e['url']!r} is not an http(s) address")
    return errors, warnings


def as_table(e: dict[str, Any]) -> dict[str, Any]:
    table = {k: v for k, v in e.items() if v and k not in ("authors", "editors", "suffix")}
    table["authors"] = [cs.inverted(n) for n in e["authors"]]
    if e["editors"]:
        table["editors"] = [cs.inverted(n) for n in e["editors"]]
    return table


def as_bibtex(e: dict[str, Any]) -> str:
    fields = {name: e[name] for name in FIELDS if e.get(name)}
    fields["address"] = fields.pop("place", "")
    fields["number"] = fields.pop("issue", "")
    fields["urldate"] = fields.pop("accessed", "")
    fields["pages"] = re.sub(r"\s*[-\u2013]+\s*", "--", fields.get("pages", ""))
    for role in ("author", "editor"):
        names = e[role + "s"]
        fields[role] = " and ".join("{" + f + "}" if not g else f"{f}, {g}" for f, g in names)
    fields["year"] = e.get("year") or ""
    kind = TO_BIBTEX.get(e["type"], e["type"])
    return bibtex.write(e["key"], kind, {k: v for k, v in fields.items() if v})


def add_suffixes(entries: list[dict[str, Any]]) -> None:
    """Same authors and year twice in author-date styles: 2020a, 2020b."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for e in entries:
        groups.setdefault((tuple(f for f, _ in e["authors"]), e.get("year")), []).append(e)
    for group in groups.values():
        if len(group) > 1 and group[0]["authors"]:
            for letter, e in zip("abcdefghijklmnopqrstuvwxyz", group, strict=False):
                e["suffix"] = letter


def from_bibtex(text: str) -> list[dict[str, Any]]:
    tables = []
    for item in bibtex.parse(text):
        table: dict[str, Any] = {"key": item["key"], "type": item["entry_type"]}
        for name, raw in item["fields"].items():
            if name in ("author", "editor"):
                table[name] = [
                    (bibtex.latex_to_text(n[1:-1]), "")
                    if n.startswith("{") and n.endswith("}") and "}" not in n[1:-1]
                    else parse_name(bibtex.latex_to_text(n))
                    for n in bibtex.split_names(raw)
                ]
            else:
                table[name] = bibtex.latex_to_text(raw)
        tables.append(table)
    return tables


def from_data(text: str, fmt: str) -> list[dict[str, Any]]:
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"input is not valid JSON: {exc}") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"input is not valid YAML: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("references"), list):
        data = data["references"]
    if isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()):
        return [{"key": str(k), **v} for k, v in data.items()]  # hayagriva: key -> entry
    if isinstance(data, list) and all(isinstance(v, dict) for v in data):
        return data
    raise ValueError("input must be a list of reference tables or a map of key -> reference")
