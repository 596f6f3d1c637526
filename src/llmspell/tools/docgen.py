"""Generate docs/tools.md from the registry: `python -m llmspell.tools.docgen docs/tools.md`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from llmspell.tools.builtin import BUILTIN_TOOLS
from llmspell.tools.registry import load_builtin

HEADER = """# Tools

Every built-in tool, generated from the registry by `python -m llmspell.tools.docgen
docs/tools.md` (a test fails when this file drifts from the code).

A tool is called from a spell with `Tool.invoke(name, params)` (also `Tool.execute`,
`Tool.get(name):execute(params)` and `Tool.<name>:execute(params)`); names match with `-` and `_`
alike. From the command line: `llmspell tool invoke NAME --params '{...}'`.

## The result table

Every call returns a table with:

| key | meaning |
|---|---|
| `success` | true when the tool did its work (a check that finds a problem is still a success) |
| `text` | a human-readable string: the content for a read, a message otherwise |
| `result` | the structured answer (keys per tool below) |
| `error` | the message, when `success` is false |
| `metadata` | `tool`, `duration_ms` and tool-specific details |

Some tools also copy keys the example scripts read to the top level (for example `operation`).

## Errors and refusals

- An unknown tool raises `Tool 'x' not found` (with a suggestion).
- Bad parameters raise before the tool runs, naming the parameter:
  `Tool 'calculator': parameter 'input' is required`.
- Security refusals raise an error naming the rule and the config key that controls it:
  file tools work only inside `tools.file_operations.allowed_paths` (after resolving `..` and
  symlinks) and refuse `tools.file_operations.blocked_extensions`; `process_executor` runs only
  `tools.system.allowed_commands`, never through a shell; `environment_reader` reads only
  `tools.system.allowed_env_vars`; network checks refuse private and loopback addresses unless
  `[tools.network] allow_private = true`; a tool above `tools.max_security_level` is refused;
  `tools.rate_limit_per_minute` caps calls.
- A tool that runs and fails raises `Tool 'x' execution failed: ...`.

Every error is a normal Lua error: `pcall` catches it.

## Tools written in Lua

```lua
Tool.register{
  name = "shout",
  description = "Upper-case a text",
  parameters = { text = { type = "string", description = "what to shout", required = true } },
  execute = function(params) return params.text:upper() end,
}
print(Tool.invoke("shout", { text = "hi" }).text)   --> HI
```

`parameters` may be a JSON Schema, a map of parameter specs, or a list of
`{name=, type=, required=}`; arguments are validated against it before `execute` runs. A
registered tool is listed, invoked and offered to agents like a built-in.

"""


def _type_of(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    if "const" in spec:
        return f"`{spec['const']}`"
    if "type" in spec:
        kind = spec["type"]
        if kind == "array" and isinstance(spec.get("items"), dict):
            return f"array of {_type_of(spec['items'])}"
        return str(kind)
    options = [_type_of(s) for s in spec.get("anyOf", []) if s.get("type") != "null"]
    return " or ".join(options) or "any"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render() -> str:
    parts = [HEADER]
    by_category: dict[str, list[Any]] = {}
    for name in BUILTIN_TOOLS:
        cls = load_builtin(name)
        by_category.setdefault(cls.category, []).append(cls)
    parts.append("## Index\n\n| tool | category | security | description |\n|---|---|---|---|\n")
    for category in sorted(by_category):
        for cls in sorted(by_category[category], key=lambda c: c.name):
            parts.append(
                f"| [`{cls.name}`](#{cls.name.replace('_', '').lower()}) | {category} "
                f"| {cls.security_level} | {_cell(cls.description)} |\n"
            )
    for category in sorted(by_category):
        parts.append(f"\n## Category: {category}\n")
        for cls in sorted(by_category[category], key=lambda c: c.name):
            parts.append(_render_tool(cls))
    return "".join(parts)


def _render_tool(cls: Any) -> str:
    schema = cls.parameters_schema()
    required = set(schema.get("required", []))
    lines = [
        f"\n### {cls.name}\n",
        f"\n{cls.description}\n",
        f"\nCategory `{cls.category}`, security level `{cls.security_level}`.\n",
        "\n| parameter | type | default | description |\n|---|---|---|---|\n",
    ]
    for name, spec in schema.get("properties", {}).items():
        default = "required" if name in required else _cell(spec.get("default", ""))
        if default in ("None", ""):
            default = "-"
        lines.append(
            f"| `{name}` | {_type_of(spec)} | {default} | {_cell(spec.get('description', ''))} |\n"
        )
    if cls.result_keys:
        lines.append("\nResult keys:\n\n")
        for op, keys in cls.result_keys.items():
            lines.append(f"- `{op}`: {keys}\n")
    if cls.security_notes:
        lines.append(f"\nSecurity: {cls.security_notes}\n")
    return "".join(lines)


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else None
    text = render()
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
