"""citation-formatter: format references in APA, MLA, Chicago or BibTeX; validate; parse BibTeX."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.utility import citation_styles as cs
from llmspell.tools.utility.references import (
    STYLES,
    add_suffixes,
    as_bibtex,
    as_table,
    from_bibtex,
    from_data,
    normalise,
    problems,
)


class Params(ToolParams):
    operation: Literal[
        "format_citation", "format", "validate_bibliography", "validate", "list_styles",
        "parse_bibtex", "parse",
    ] = Field("format_citation", description="format, validate, list styles or parse")  # fmt: skip
    input: str | None = Field(
        None,
        validation_alias=AliasChoices("input", "bibliography", "bibtex"),
        description="a bibliography as text: BibTeX, YAML (hayagriva or a list of tables) or JSON",
    )
    format: Literal["bibtex", "yaml", "json"] | None = Field(
        None, description="how input is written; default: detected"
    )
    references: list[dict[str, Any]] | None = Field(
        None,
        validation_alias=AliasChoices("references", "citations", "entries"),
        description="references as tables: authors, title, year, journal or publisher, volume, "
        "issue, pages, doi, url, type (article, book, chapter, inproceedings, web, ...), key",
    )
    reference: dict[str, Any] | None = Field(
        None, validation_alias=AliasChoices("reference", "citation"), description="one reference"
    )
    style: str | None = Field(
        None,
        description="apa, mla, chicago, chicago-author-date or bibtex; default "
        "`tools.academic.default_citation_style`",
    )
    cite_keys: str | list[str] | None = Field(
        None, description="only these keys (a list or a comma-separated string)"
    )
    file: str | None = Field(
        None,
        validation_alias=AliasChoices("file", "path", "input_file"),
        description="read the bibliography text from this file (inside the allowed paths)",
    )

    @field_validator("references", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return None if value in ({}, []) else value


class CitationFormatter(Tool[Params]):
    name = "citation-formatter"
    category = "utility"
    description = (
        "Format references (tables, BibTeX or YAML) as an APA, MLA, Chicago or BibTeX "
        "bibliography with in-text citations; validate references; parse BibTeX into tables."
    )
    tags = ("citation", "bibliography", "bibtex", "apa", "mla", "chicago", "academic")
    Params = Params
    result_keys = {
        "format_citation": "style, format, citations[{key, type, citation, markdown, in_text}], "
        "bibliography (sorted list), reference_list (one string), entry_count",
        "validate_bibliography": "format, is_valid, total_entries, valid_entries, warnings, "
        "validation_results[{key, entry_type, valid, issues, warnings}]",
        "parse_bibtex": "entries (reference tables), keys, count",
        "list_styles": "supported_styles, default_style, categories",
    }
    security_notes = (
        "Pure computation; `file` is read through the file sandbox. At most "
        "`tools.academic.max_references` references per call; input text is capped at "
        "`tools.file_operations.max_file_size`. No DOI lookups (no network)."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = {
            "format": "format_citation",
            "validate": "validate_bibliography",
            "parse": "parse_bibtex",
        }.get(params.operation, params.operation)
        default = ctx.config.academic.default_citation_style
        if op == "list_styles":
            styles = sorted(set(STYLES.values()))
            found = {
                "supported_styles": styles,
                "aliases": STYLES,
                "default_style": default,
                "categories": {
                    "author_date": ["apa", "chicago-author-date"],
                    "author_page": ["mla"],
                    "notes_bibliography": ["chicago"],
                    "data": ["bibtex"],
                },
            }
            return ToolResult.ok(", ".join(styles), found, operation=op)
        entries, source = self._entries(params, ctx)
        if op == "parse_bibtex":
            tables = [as_table(e) for e in entries]
            keys = [e["key"] for e in entries]
            found = {"entries": tables, "keys": keys, "count": len(tables), "format": source}
            return ToolResult.ok(f"{len(tables)} references", found, operation=op)
        if op == "validate_bibliography":
            return self._validate(entries, source)
        style = STYLES.get((params.style or default).strip().lower())
        if style is None:
            raise ValueError(
                f"unknown style {params.style or default!r}; use one of "
                f"{', '.join(sorted(set(STYLES.values())))}"
            )
        if style == "bibtex":
            entries.sort(key=lambda e: e["key"].lower())
        else:
            entries.sort(key=cs.sort_key)
        if style in ("apa", "chicago-author-date"):
            add_suffixes(entries)
        citations = [self._cite(e, style) for e in entries]
        plain = [c["citation"] for c in citations]
        joined = ("\n\n" if style == "bibtex" else "\n").join(plain)
        found = {
            "style": style,
            "format": source,
            "citations": citations,
            "bibliography": plain,
            "reference_list": joined,
            "entry_count": len(citations),
        }
        return ToolResult.ok(joined, found, operation=op)

    @staticmethod
    def _cite(e: dict[str, Any], style: str) -> dict[str, Any]:
        def render(it: cs.Italic) -> str:
            if style == "apa":
                return cs.apa(e, it)
            if style == "mla":
                return cs.mla(e, it)
            if style == "bibtex":
                return as_bibtex(e)
            return cs.chicago(e, it, author_date=style == "chicago-author-date")

        cite = cs.in_text(e, style) if style != "bibtex" else f"\\cite{{{e['key']}}}"
        return {
            "key": e["key"],
            "type": e["type"],
            "citation": render(lambda s: s),
            "markdown": render(lambda s: f"*{s}*" if s else s),
            "in_text": cite,
        }

    @staticmethod
    def _entries(params: Params, ctx: ToolContext) -> tuple[list[dict[str, Any]], str]:
        raw: list[Any] = []
        source = "table"
        text = params.input
        if params.file:
            if text is not None:
                raise ValueError("give either 'input' or 'file', not both")
            text = ctx.read_bytes(params.file).decode("utf-8", errors="replace")
        if text is not None and text.strip():
            ctx.check_size(len(text.encode("utf-8")), "input")
            if params.format:
                source = params.format
            elif re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", text, re.MULTILINE):
                source = "bibtex"
            else:
                source = "json" if text.lstrip()[:1] in "[{" else "yaml"
            raw += from_bibtex(text) if source == "bibtex" else from_data(text, source)
        raw += params.references or []
        raw += [params.reference] if params.reference else []
        if not raw:
            raise ValueError(
                "no references: give 'references' (tables), 'reference' (one table), or 'input' "
                "(BibTeX, YAML or JSON text)"
            )
        most = ctx.config.academic.max_references
        if len(raw) > most:
            raise ValueError(
                f"{len(raw)} references, over the limit of {most} (`tools.academic.max_references`)"
            )
        entries, seen = [], set()
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                raise ValueError(f"reference {index + 1} must be a table, got {item!r}")
            entry = normalise(item, index)
            base, n = entry["key"], 1
            while entry["key"] in seen:
                n += 1
                entry["key"] = f"{base}-{n}"
            seen.add(entry["key"])
            entries.append(entry)
        wanted = params.cite_keys
        if wanted:
            keys = [k.strip() for k in (wanted.split(",") if isinstance(wanted, str) else wanted)]
            missing = [k for k in keys if k not in seen]
            if missing:
                known = ", ".join(e["key"] for e in entries)
                raise ValueError(f"cite_keys not found: {', '.join(missing)}; keys: {known}")
            entries = [e for e in entries if e["key"] in keys]
        return entries, source

    @staticmethod
    def _validate(entries: list[dict[str, Any]], source: str) -> ToolResult:
        results = []
        for e in entries:
            errors, warnings = problems(e)
            results.append(
                {"key": e["key"], "entry_type": e["type"], "valid": not errors,
                 "issues": errors, "warnings": warnings}
            )  # fmt: skip
        valid = sum(1 for r in results if r["valid"])
        found = {
            "format": source,
            "is_valid": valid == len(results),
            "total_entries": len(results),
            "valid_entries": valid,
            "warnings": sum(len(r["warnings"]) for r in results),
            "validation_results": results,
        }
        text = f"{valid} of {len(results)} references valid"
        return ToolResult.ok(text, found, operation="validate_bibliography")
