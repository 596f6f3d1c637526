"""template_engine: render Jinja2 (sandboxed) or Handlebars/Mustache templates with a context."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.data._common import (
    SIZE_KEY,
    check_depth,
    check_text_size,
    read_text,
    run_isolated,
)

MAX_TEMPLATES = 50
_HANDLEBARS_HINT = re.compile(r"\{\{\s*[#/^>]")
_TAG = re.compile(r"\{\{\{.*?\}\}\}|\{\{(.*?)\}\}", re.S)
_PARTIAL = re.compile(r"\{\{>\s*([^\s}]+)\s*\}\}")
_ENGINES = {
    "jinja": "jinja2",
    "jinja2": "jinja2",
    "tera": "jinja2",
    "handlebars": "handlebars",
    "mustache": "handlebars",
    "hbs": "handlebars",
}


class Params(ToolParams):
    operation: Literal["render", "validate"] = Field(
        "render", description="render, or validate (check the syntax and list the variables)"
    )
    input: str | None = Field(
        None,
        description="the template text (also: template, text, content)",
        validation_alias=AliasChoices("input", "template", "text", "content"),
    )
    path: str | None = Field(
        None,
        description="read the template from this file; its includes/partials load from its "
        "folder (also: file, template_file, template_path)",
        validation_alias=AliasChoices("path", "file", "template_file", "template_path"),
    )
    context: dict[str, Any] = Field(
        default_factory=dict,
        description="the values the template uses (also: variables, data, vars)",
        validation_alias=AliasChoices("context", "variables", "data", "vars"),
    )
    engine: Literal["auto", "jinja2", "jinja", "tera", "handlebars", "mustache", "hbs"] = Field(
        "auto",
        description="jinja2 (also tera), handlebars (also mustache: sections, partials and the "
        "#if, #unless, #each, #with and else blocks; no @index or custom helpers), or auto",
    )
    auto_detect: bool = Field(True, description="with engine=auto: {{# {{/ {{^ {{> mean handlebars")
    autoescape: bool | None = Field(
        None, description="HTML-escape values (default: off for jinja2, on for handlebars)"
    )
    strict: bool = Field(False, description="jinja2: an undefined variable is an error")


def detect(template: str) -> str:
    return "handlebars" if _HANDLEBARS_HINT.search(template) and "{%" not in template else "jinja2"


def handlebars_to_mustache(template: str) -> str:
    """Rewrite Handlebars blocks for chevron: `{{#if x}}a{{else}}b{{/if}}` becomes
    `{{#if x}}a{{/if x}}{{^if x}}b{{/if x}}` (the worker gives `if x` its meaning)."""
    stack: list[str] = []

    def tag(match: re.Match[str]) -> str:
        body = match.group(1)
        if body is None:
            return match.group(0)
        inner = body.strip()
        if inner[:1] in "#^":
            key = " ".join(inner[1:].split())
            stack.append(key)
            return "{{" + inner[0] + key + "}}"
        if inner.startswith("/"):
            name = inner[1:].strip()
            if not stack or stack[-1].split(" ")[0] != name:
                opened = f"{{{{#{stack[-1]}}}}}" if stack else "no open block"
                raise ValueError(f"template syntax error: {{{{/{name}}}}} does not close {opened}")
            return "{{/" + stack.pop() + "}}"
        if inner == "else":
            if not stack:
                raise ValueError("template syntax error: {{else}} outside a block")
            return "{{/" + stack[-1] + "}}{{^" + stack[-1] + "}}"
        if inner == "this" or inner.startswith("this."):
            return "{{" + (inner[5:] or ".") + "}}"
        return match.group(0)

    out = _TAG.sub(tag, template)
    if stack:
        raise ValueError(f"template syntax error: {{{{#{stack[-1]}}}}} is never closed")
    return out


def _jinja_sources(ctx: ToolContext, path: str | None, name: str, text: str) -> dict[str, str]:
    """The template and, for a file, every template it includes, imports or extends."""
    sources, queue = {name: text}, [text]
    if path is None:
        return sources  # inline: no includes; the worker reports syntax errors
    from jinja2 import Environment, TemplateSyntaxError, meta

    while queue:
        try:
            ast = Environment().parse(queue.pop())
        except TemplateSyntaxError as exc:
            raise ValueError(f"template syntax error at line {exc.lineno}: {exc.message}") from None
        for ref in meta.find_referenced_templates(ast):
            if ref is None or ref in sources:
                continue
            if len(sources) >= MAX_TEMPLATES:
                raise ValueError(f"a template may include at most {MAX_TEMPLATES} others")
            sources[ref] = read_text(ctx, str(Path(path).parent / ref))
            queue.append(sources[ref])
    return sources


def _partials(ctx: ToolContext, path: str | None, text: str) -> dict[str, str]:
    """For a template file, the partials (`{{> name}}`) it uses, from its folder."""
    found: dict[str, str] = {}
    queue = [text]
    while queue and path is not None:
        for ref in _PARTIAL.findall(queue.pop()):
            if ref in found:
                continue
            if len(found) >= MAX_TEMPLATES:
                raise ValueError(f"a template may use at most {MAX_TEMPLATES} partials")
            file = Path(path).parent / ref
            if not file.suffix:  # `{{> badge}}` in card.hbs means badge.hbs
                file = file.with_name(file.name + Path(path).suffix)
            found[ref] = handlebars_to_mustache(read_text(ctx, str(file)))
            queue.append(found[ref])
    return found


class TemplateEngine(Tool[Params]):
    name = "template_engine"
    category = "utility"
    description = "Render a Jinja2 (sandboxed) or Handlebars/Mustache template with a context."
    security_level = "restricted"
    tags = ("template", "jinja2", "handlebars", "mustache", "render", "text")
    Params = Params
    example = {"input": "Hello {{ name }}!", "context": {"name": "World"}}
    result_keys = {
        "render": "rendered (also output), engine, template_length, context_size",
        "validate": "valid, engine, variables (jinja2), error",
    }
    security_notes = (
        "Jinja2 runs in its SandboxedEnvironment; both engines render in a separate process with "
        "CPU, memory and time limits (`tools.data.processing_timeout_seconds`) and an output cap "
        "(`tools.file_operations.max_file_size`). No filesystem loader: a template file given by "
        "`path` and its includes/partials are read through the sandbox "
        "(`tools.file_operations.allowed_paths`)."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        limit = ctx.config.file_operations.max_file_size
        if params.path is not None:
            text = read_text(ctx, params.path)
        elif params.input is not None:
            text = params.input
        else:
            raise ValueError("give the template as 'input' (text) or 'path' (a template file)")
        check_text_size(text, limit, SIZE_KEY, "the template")
        if params.engine != "auto":
            engine = _ENGINES[params.engine]
        else:
            engine = detect(text) if params.auto_detect else "jinja2"
        main = Path(params.path).name if params.path else "template"
        if params.operation == "validate":
            return self._validate(ctx, params, engine, main, text)
        context = check_depth(params.context, ctx.config.data.max_json_depth, "context")
        dumped = json.dumps(context, default=str)
        check_text_size(dumped, limit, SIZE_KEY, "the context")
        escape = params.autoescape if params.autoescape is not None else engine == "handlebars"
        if engine == "jinja2":
            request = {
                "kind": "jinja2",
                "main": main,
                "strict": params.strict,
                "templates": _jinja_sources(ctx, params.path, main, text),
            }
        else:
            request = {
                "kind": "handlebars",
                "template": handlebars_to_mustache(text),
                "partials": _partials(ctx, params.path, text),
            }
        request.update(context=context, autoescape=escape)
        rendered = run_isolated(ctx, request, "template", self.name)
        result = {
            "rendered": rendered,
            "output": rendered,
            "engine": engine,
            "template_length": len(text),
            "context_size": len(dumped),
        }
        return ToolResult.ok(rendered, result, operation="render")

    @staticmethod
    def _validate(
        ctx: ToolContext, params: Params, engine: str, main: str, text: str
    ) -> ToolResult:
        result: dict[str, Any] = {"valid": True, "engine": engine}
        try:
            if engine == "jinja2":
                from jinja2 import Environment, TemplateSyntaxError, meta

                _jinja_sources(ctx, params.path, main, text)
                try:
                    names = meta.find_undeclared_variables(Environment().parse(text))
                except TemplateSyntaxError as exc:
                    raise ValueError(f"syntax error at line {exc.lineno}: {exc.message}") from None
                result["variables"] = sorted(names)
            else:
                import chevron.tokenizer

                list(chevron.tokenizer.tokenize(handlebars_to_mustache(text)))
        except (ValueError, SyntaxError) as exc:  # chevron's errors are SyntaxErrors
            result.update(valid=False, error=str(exc))
            return ToolResult.ok(f"invalid template: {exc}", result, operation="validate")
        return ToolResult.ok(f"valid {engine} template", result, operation="validate")
