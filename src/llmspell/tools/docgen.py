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
  `tools.system.allowed_env_vars`; network tools follow the rules under
  [Outbound requests](#outbound-requests); a tool above `tools.max_security_level` is refused;
  `tools.rate_limit_per_minute` caps calls.
- A tool that runs and fails raises `Tool 'x' execution failed: ...`.

Every error is a normal Lua error: `pcall` catches it.

## Outbound requests

Every tool that reaches another host (the HTTP and web tools, `web_search`, `email-sender`,
`database-connector`, `service_checker`) applies the same rules:

- Every address that is not globally routable is refused: loopback, private, link-local and
  shared ranges (which cover cloud metadata endpoints such as `169.254.169.254` and
  `100.100.100.200`), unspecified, multicast and reserved addresses, IPv4-mapped IPv6 forms of
  them, and the names `localhost` and `*.localhost`. The check runs on the host as written
  and again on every address its name resolves to, so a public name pointing at a private
  address is refused too; the connection then goes to the address that was checked, so a
  second DNS answer cannot redirect it.
- Every redirect hop is checked the same way before it is followed; redirects are capped
  (`max_redirects`), and credentials (authorization, cookie, API-key and signature headers) are
  not sent on to another host.
- Responses are read up to a size cap (`tools.http_request.max_response_size`,
  `tools.web_tools.max_response_size`); a larger one is an error, not a truncated answer. Every
  request has a timeout, never longer than the tool call's own (`tools.timeout_seconds`).
- `tools.http_request.blocked_hosts` are refused, even when also listed as allowed; the web
  tools also apply `tools.web_tools.allowed_domains` and `blocked_domains`. When
  `tools.http_request.allowed_hosts` does not contain `*`, `http_request`, `graphql_query` and
  `api-tester` may reach only the hosts it lists.

To let a tool reach a private or loopback host, list the host in its family's `allowed_hosts`:

- `[tools.http_request] allowed_hosts`: `http_request`, `graphql_query`, `api-tester`,
  `service_checker`, and every other tool below except `database-connector`;
- `[tools.web_tools] allowed_hosts`: `web-scraper`, `url-analyzer`, `sitemap-crawler`,
  `webpage-monitor`, `webhook-caller`;
- `[tools.search] allowed_hosts`: the engines' `base_url`s of `web_search`;
- `[tools.email] allowed_hosts`: the SMTP server, SendGrid or SES address of `email-sender`;
- `[tools.database] allowed_hosts`: the PostgreSQL and MySQL/MariaDB hosts of
  `database-connector` (its only list).

```toml
[tools.web_tools]
allowed_hosts = ["127.0.0.1", "intranet.example.lan"]
```

A listed name is allowed whatever it resolves to; a listed IP address also admits every name
that resolves to it. `*` in `allowed_hosts` means any public host, never a private one.
`[tools.network] allow_private = true` lifts the private-address rule for every tool at once;
`runtime.security.allow_network_access = false` refuses every outbound request.

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
    if "$ref" in spec:
        return "object"
    variants = [*spec.get("anyOf", []), *spec.get("oneOf", [])]
    options = dict.fromkeys(_type_of(s) for s in variants if s.get("type") != "null")
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
