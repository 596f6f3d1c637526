"""template_engine: sandboxed Jinja2 and Handlebars-style rendering, in a limited child process."""

from __future__ import annotations

import os

import pytest

from llmspell.core.errors import (
    PathNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)


def render(rt, **params):
    return rt.tools.invoke("template_engine", params)


def test_renders_the_workflow_example(rt):
    result = render(
        rt, input="Workflow {{id}} completed at {{time}}", context={"id": "wf-1", "time": "noon"}
    )
    assert result.text == "Workflow wf-1 completed at noon"
    assert result.result == {
        "rendered": "Workflow wf-1 completed at noon",
        "output": "Workflow wf-1 completed at noon",
        "engine": "jinja2",
        "template_length": 37,
        "context_size": 30,
    }
    assert result.extra["operation"] == "render"


def test_jinja2_features_and_options(rt):
    template = (
        "{% for u in users if u.active %}{{ u.name | upper }}"
        "{{ ', ' if not loop.last }}{% endfor %}"
    )
    users = [
        {"name": "ada", "active": True},
        {"name": "bob", "active": False},
        {"name": "cy", "active": True},
    ]
    assert render(rt, template=template, context={"users": users}).text == "ADA, CY"
    assert render(rt, input="<{{ x }}>", context={"x": "<b>"}).text == "<<b>>"
    assert (
        render(rt, input="<{{ x }}>", context={"x": "<b>"}, autoescape=True).text == "<&lt;b&gt;>"
    )
    assert render(rt, input="[{{ missing }}]", engine="tera").text == "[]"
    with pytest.raises(ToolExecutionError, match=r"template failed: 'missing' is undefined"):
        render(rt, input="{{ missing }}", strict=True)
    with pytest.raises(
        ToolExecutionError, match=r"template failed: syntax error at line 2: Unexpected end"
    ):
        render(rt, input="ok\n{% if x %}")


def test_handlebars_blocks_are_detected_and_rendered(rt):
    template = (
        "{{#each items}}- {{this}}\n{{/each}}"
        "{{#if admin}}admin{{else}}user{{/if}} "
        "{{#unless admin}}(limited){{/unless}} "
        "{{#if tags}}tagged{{/if}} {{{raw}}}"
    )
    context = {"items": ["a", "<b>"], "admin": False, "tags": ["x", "y"], "raw": "<i>"}
    result = render(rt, input=template, context=context)
    assert result.result["engine"] == "handlebars"
    assert result.text == "- a\n- &lt;b&gt;\nuser (limited) tagged <i>"
    assert (
        render(rt, input="{{#with who}}{{name}}{{/with}}", context={"who": {"name": "Ada"}}).text
        == "Ada"
    )
    simple = render(
        rt, template="Hello, {{name}}!", context={"name": "<LLMSpell>"}, engine="handlebars"
    )
    assert simple.text == "Hello, &lt;LLMSpell&gt;!"
    plain = render(rt, input="{{#a}}{{b}}{{/a}}", context={"a": True, "b": "<x>"}, autoescape=False)
    assert plain.text == "<x>"
    with pytest.raises(ToolExecutionError, match=r"\{\{/if\}\} does not close \{\{#each xs\}\}"):
        render(rt, input="{{#each xs}}{{/if}}")


def test_sandbox_refuses_unsafe_attribute_access(rt):
    with pytest.raises(
        SecurityError, match=r"Tool 'template_engine' refused the template: .*unsafe"
    ):
        render(rt, input="{{ ''.__class__.__mro__[1].__subclasses__() }}")


def test_template_bombs_are_stopped(make_rt):
    rt = make_rt(**{"tools.data.processing_timeout_seconds": 1})
    loops = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    with pytest.raises(
        ToolExecutionError, match=r"ran longer than 1 s .*processing_timeout_seconds"
    ):
        render(rt, input=loops)
    small = make_rt(**{"tools.file_operations.max_file_size": 10_000})
    with pytest.raises(ToolExecutionError, match=r"10,000-character limit .*max_file_size"):
        render(small, input="{% for a in range(100000) %}xxxxxxxx{% endfor %}")
    with pytest.raises(ToolExecutionError, match=r"10,000-character limit"):
        render(
            small,
            input="{{#a}}{{#a}}{{#a}}xxxxxxxx{{/a}}{{/a}}{{/a}}",
            context={"a": list(range(30))},
        )


def test_template_files_with_includes_and_partials(rt, work):
    (work / "page.html").write_text('<h1>{{ title }}</h1>{% include "parts/footer.html" %}')
    (work / "parts").mkdir()
    (work / "parts" / "footer.html").write_text("<footer>{{ year }}</footer>")
    page = render(rt, path=str(work / "page.html"), context={"title": "Hi", "year": 2025})
    assert page.text == "<h1>Hi</h1><footer>2025</footer>"
    (work / "card.hbs").write_text("[{{> badge}}]")
    (work / "badge.hbs").write_text("{{#if vip}}VIP{{/if}} {{name}}")
    card = render(rt, file=str(work / "card.hbs"), context={"vip": True, "name": "Ada"})
    assert card.text == "[VIP Ada]" and card.result["engine"] == "handlebars"


def test_includes_and_template_files_stay_in_the_sandbox(rt, work, outside):
    (outside / "secret.html").write_text("secret")
    (work / "sneaky.html").write_text('{% include "../outside/secret.html" %}')
    with pytest.raises(PathNotAllowed):
        render(rt, path=str(work / "sneaky.html"))
    with pytest.raises(PathNotAllowed):
        render(rt, path=str(work / ".." / "outside" / "secret.html"))
    os.symlink(outside / "secret.html", work / "link.html")
    with pytest.raises(PathNotAllowed):
        render(rt, path=str(work / "link.html"))
    with pytest.raises(ToolExecutionError, match=r"template 'x.html' was not found"):
        render(rt, input='{% include "x.html" %}')


def test_validate_checks_syntax_and_lists_variables(rt):
    ok = render(rt, operation="validate", input="{{ a }}{% for i in items %}{{ i.b }}{% endfor %}")
    assert ok.result == {"valid": True, "engine": "jinja2", "variables": ["a", "items"]}
    bad = render(rt, operation="validate", input="{% for %}")
    assert bad.success and bad.result["valid"] is False and "syntax error" in bad.result["error"]
    hbs = render(rt, operation="validate", input="{{#a}}x{{/b}}")
    assert hbs.result["valid"] is False and hbs.result["engine"] == "handlebars"


def test_bad_parameters(rt):
    with pytest.raises(ToolParameterError, match=r"parameter 'context'"):
        render(rt, input="x", context="name=Ada")
    with pytest.raises(ToolParameterError, match=r"parameter 'engine'"):
        render(rt, input="x", engine="erb")
    with pytest.raises(ToolExecutionError, match=r"give the template as 'input'"):
        render(rt, context={})


def test_from_lua(rt):
    values = rt.run_code(
        """
        local r = Tool.invoke("template_engine", {
          input = "Hello {{ name }}, you have {{ items | length }} items",
          context = {name = "Ada", items = {1, 2, 3}},
        })
        local h = Tool.invoke("template_engine", {
          template = "{{#each people}}{{name}};{{/each}}",
          context = {people = {{name = "a"}, {name = "b"}}},
        })
        return r.text, r.result.rendered, h.result.output, h.result.engine
        """
    )
    assert values == [
        "Hello Ada, you have 3 items",
        "Hello Ada, you have 3 items",
        "a;b;",
        "handlebars",
    ]
