"""The generated parts of docs/configuration.md: every key, and every environment variable.

Regenerate after changing the schema or the environment table:

    python -m llmspell.config.docgen docs/configuration.md

A test fails while the committed file differs from what this module generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from llmspell.config.env import (
    ENV_OVERRIDES,
    KIND_TEXT,
    LOADER_VARIABLES,
    PROVIDER_CREATING_FIELDS,
    PROVIDER_ENV_FIELDS,
)
from llmspell.config.providers import ProvidersConfig
from llmspell.config.schema import LLMSpellConfig
from llmspell.config.section import FieldInfo, Section, strip_optional

BLOCKS = ("keys", "env")


def _begin(name: str) -> str:
    return f"<!-- BEGIN GENERATED: {name} (python -m llmspell.config.docgen) -->"


def _end(name: str) -> str:
    return f"<!-- END GENERATED: {name} -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type_text(info: FieldInfo) -> str:
    tp = strip_optional(info.resolved_type)
    origin = get_origin(tp)
    if origin is Literal:
        return " \\| ".join(f"`{choice}`" for choice in get_args(tp))
    if origin is list:
        return "array of strings"
    if origin is dict:
        return "table"
    if tp is Any:
        return "any"
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(tp, str(tp))


def _default_text(info: FieldInfo, value: Any) -> str:
    if value is None:
        return "unset"
    if info.name == "umask":
        return f"`0o{value:03o}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"`{value:_}`"
    if isinstance(value, dict) and not value:
        return "`{}`"
    return f"`{json.dumps(value)}`"


def keys_markdown() -> str:
    """One table per section: key, type, default, meaning."""
    out: list[str] = []
    _section_tables(LLMSpellConfig(), [], out)
    return "\n".join(out).rstrip() + "\n"


def _section_tables(obj: Section, path: list[str], out: list[str]) -> None:
    cls = type(obj)
    rows: list[str] = []
    nested: list[tuple[str, Section]] = []
    for name, info in cls._fields.items():
        value = getattr(obj, name)
        if isinstance(value, Section):
            nested.append((name, value))
            continue
        section = info.section or info.item_section
        if section is not None:
            kind = "table" if info.section else "tables, one per name"
            default = "unset" if value is None else _default_text(info, value)
            rows.append(f"| `{name}` | {kind} | {default} | {_cell(info.description)} |")
            continue
        aliases = "".join(f" (or `{alias}`)" for alias in info.aliases)
        rows.append(
            f"| `{name}`{aliases} | {_type_text(info)} | {_default_text(info, value)} "
            f"| {_cell(info.description)} |"
        )
    title = f"`[{'.'.join(path)}]`" if path else "Top level"
    out.append(f"### {title}")
    out.append("")
    out.append(_doc_text(cls))
    out.append("")
    if rows:
        out.append("| Key | Type | Default | Meaning |")
        out.append("|---|---|---|---|")
        out.extend(rows)
        out.append("")
    for name, value in nested:
        _section_tables(value, [*path, name], out)
    for name, info in cls._fields.items():
        if info.section is not None and getattr(obj, name) is None:
            _section_tables(_example(info.section), [*path, name], out)
        elif info.item_section is not None:
            flat = isinstance(obj, ProvidersConfig)  # `[providers.<name>]`, not `.providers.`
            where = [*path, "<name>"] if flat else [*path, name, "<name>"]
            _section_tables(_example(info.item_section), where, out)


def _doc_text(cls: type[Section]) -> str:
    """The class docstring as one paragraph, without the leading "`[table]`: " label."""
    text = " ".join((cls.__doc__ or "").split())
    label, sep, rest = text.partition("`: ")
    if sep and label.startswith("`[") and "`" not in label[1:]:
        text = rest[:1].upper() + rest[1:]
    return text


def _example(section: type[Section]) -> Section:
    """An instance for documenting a section whose required keys have no default."""
    filler = {name: "..." for name, info in section._fields.items() if info.required}
    return section.build(filler)


def env_markdown() -> str:
    """The environment variable tables."""
    out = [
        "| Variable | Sets | Value |",
        "|---|---|---|",
    ]
    for row in ENV_OVERRIDES:
        keys = ", ".join(f"`{key}`" for key in row.keys)
        out.append(f"| `{row.name}` | {keys} | {_env_value_text(row.keys[0], row.kind)} |")
    out.append("")
    out.append(
        "Provider settings: `LLMSPELL_PROVIDER_<NAME>_<FIELD>` sets `providers.<name>.<key>`. "
        "`<NAME>` matches a configured provider case-insensitively (`-` written as `_`); "
        f"setting {', '.join(f'`_{f}`' for f in sorted(PROVIDER_CREATING_FIELDS))} also adds a "
        "provider that no file configures."
    )
    out.append("")
    out.append("| Variable | Sets | Value |")
    out.append("|---|---|---|")
    for field, (key, kind) in PROVIDER_ENV_FIELDS.items():
        out.append(
            f"| `LLMSPELL_PROVIDER_<NAME>_{field}` | `providers.<name>.{key}` | {KIND_TEXT[kind]} |"
        )
    out.append("")
    out.append("Read by the loader itself:")
    out.append("")
    out.append("| Variable | Meaning |")
    out.append("|---|---|")
    for name, meaning in LOADER_VARIABLES.items():
        out.append(f"| `{name}` | {_cell(meaning)} |")
    return "\n".join(out) + "\n"


def field_at(dotted: str) -> FieldInfo:
    """The field declared at a dotted key of `LLMSpellConfig`."""
    section: type[Section] = LLMSpellConfig
    *parents, last = dotted.split(".")
    for part in parents:
        nested = section._fields[part].section
        if nested is None:
            raise KeyError(dotted)
        section = nested
    return section._fields[last]


def _env_value_text(dotted: str, kind: str) -> str:
    if kind == "str" and get_origin(strip_optional(field_at(dotted).resolved_type)) is Literal:
        return _type_text(field_at(dotted))
    return KIND_TEXT[kind]


def render(name: str) -> str:
    return {"keys": keys_markdown, "env": env_markdown}[name]()


def update(text: str) -> str:
    """`text` with every generated block replaced by freshly generated content."""
    for name in BLOCKS:
        begin, end = _begin(name), _end(name)
        start = text.index(begin) + len(begin)
        stop = text.index(end)
        text = f"{text[:start]}\n\n{render(name)}\n{text[stop:]}"
    return text


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "docs/configuration.md")
    path.write_text(update(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
