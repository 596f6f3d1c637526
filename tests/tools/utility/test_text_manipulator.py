"""text_manipulator: every operation, the examples' shapes, size limits and bad options."""

from __future__ import annotations

import pytest

from llmspell.core.errors import ToolExecutionError, ToolParameterError


def tm(invoke, operation, text, **params):
    return invoke("text_manipulator", operation=operation, input=text, **params)


@pytest.mark.parametrize(
    ("operation", "text", "options", "expected"),
    [
        ("uppercase", "hello llmspell", {}, "HELLO LLMSPELL"),
        ("lowercase", "HELLO World", {}, "hello world"),
        ("reverse", "LLMSpell", {}, "llepSMLL"),
        ("trim", "  padded \n", {}, "padded"),
        ("replace", "hello world", {"from": "world", "to": "llmspell"}, "hello llmspell"),
        ("replace", "a-b-c", {"from": "-"}, "abc"),
        ("substring", "LLMSpell is awesome", {"start": 0, "end": 8}, "LLMSpell"),
        ("substring", "LLMSpell is awesome", {"start": -7}, "awesome"),
        ("snake_case", "HelloWorldFromLLMSpell", {}, "hello_world_from_llm_spell"),
        ("camel_case", "hello_world_from_llmspell", {}, "helloWorldFromLlmspell"),
        ("pascal_case", "hello big-world", {}, "HelloBigWorld"),
        ("kebab_case", "version2Update HTTPServer", {}, "version2-update-http-server"),
        ("title_case", "don't stop  BELIEVING", {}, "Don't Stop  Believing"),
        ("normalize_whitespace", " a \t b\n\nc ", {}, "a b c"),
        ("dedent", "    a\n      b", {}, "a\n  b"),
        ("indent", "a\nb", {"spaces": 2}, "  a\n  b"),
        ("indent", "a\nb", {"prefix": "> "}, "> a\n> b"),
        ("truncate", "abcdefghijklmnop", {"max_length": 10}, "abcdefg..."),
        ("truncate", "short", {"max_length": 10}, "short"),
        ("truncate", "abcdefghijkl", {"max_length": 5, "suffix": "~"}, "abcd~"),
        ("word_wrap", "the quick brown fox jumps", {"width": 10}, "the quick\nbrown fox\njumps"),
        ("sanitize", "a\u200bb\x00c\r\nd\te", {}, "abc\nd\te"),
        ("join", '["a", "b", 3]', {"delimiter": ", "}, "a, b, 3"),
    ],
)
def test_string_operations(invoke, operation, text, options, expected):
    result = tm(invoke, operation, text, options=options)
    assert result.result == {
        "result": expected,
        "operation": operation,
        "original_length": len(text),
        "result_length": len(expected),
    }
    assert result.text == expected
    assert result.to_dict()["operation"] == operation


def test_split_gives_a_list_and_join_takes_one(invoke):
    assert tm(invoke, "split", "a  b c").result["result"] == ["a", "b", "c"]
    parts = tm(invoke, "split", "a,b,,c", delimiter=",").result
    assert (parts["result"], parts["result_length"]) == (["a", "b", "", "c"], 4)
    assert tm(invoke, "split", "abc", options={"delimiter": ""}).result["result"] == ["a", "b", "c"]
    assert tm(invoke, "join", ["x", "y"], delimiter="/").result["result"] == "x/y"
    with pytest.raises(ToolExecutionError, match="list of strings or a JSON array"):
        tm(invoke, "join", "not json")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"operation": "count", "count_type": "words"}, 4),
        ({"operation": "count", "options": {"count_type": "chars"}}, 32),
        ({"operation": "count"}, 4),
        ({"operation": "word_count"}, 4),
        ({"operation": "char_count"}, 32),
    ],
)
def test_counts(invoke, params, expected):
    result = invoke("text_manipulator", input="parallel workflow execution test", **params).result
    assert result["result"] == expected
    assert result["counts"]["words"] == 4
    assert result["counts"]["characters_no_spaces"] == 29


def test_count_all_and_lines_sentences_paragraphs(invoke):
    text = "One. Two? Three!\nStill three.\n\nNew paragraph here"
    found = tm(invoke, "count", text, count_type="all").result["result"]
    assert found == {
        "characters": len(text), "characters_no_spaces": sum(not c.isspace() for c in text),
        "words": 8, "lines": 4, "sentences": 5, "paragraphs": 2,
    }  # fmt: skip


def test_regex_match_returns_matches_with_groups(invoke):
    result = tm(
        invoke,
        "regex_match",
        "a1 B22 c333",
        pattern=r"(?P<letter>[a-z])(\d+)",
        options={"flags": "i"},
    )
    assert result.result["result"] == ["a1", "B22", "c333"]
    assert result.result["matched"] is True
    assert result.result["count"] == 3
    assert result.result["matches"][1] == {
        "match": "B22", "start": 3, "end": 6, "groups": ["B", "22"], "named": {"letter": "B"},
    }  # fmt: skip
    first = tm(invoke, "regex_match", "a1 b2", options={"pattern": r"\d", "all": False})
    assert first.result["result"] == ["1"]
    none = tm(invoke, "regex_match", "abc", pattern=r"\d")
    assert (none.result["matched"], none.result["result"]) == (False, [])


def test_regex_replace_accepts_backslash_and_dollar_groups(invoke):
    swapped = tm(
        invoke, "regex_replace", "John Smith", pattern=r"(\w+) (\w+)", replacement="$2, $1"
    )
    assert swapped.result["result"] == "Smith, John"
    named = tm(
        invoke,
        "regex_replace",
        "2024-01-15",
        pattern=r"(?P<y>\d+)-(\d+)-(\d+)",
        replacement=r"\3/\2/${y}",
    )
    assert named.result["result"] == "15/01/2024"
    once = tm(
        invoke, "regex_replace", "aaa", options={"pattern": "a", "replacement": "b", "count": 2}
    )
    assert (once.result["result"], once.result["replacements"]) == ("bba", 2)


def test_regex_errors(invoke):
    with pytest.raises(ToolExecutionError, match="invalid regular expression"):
        tm(invoke, "regex_match", "abc", pattern="(")
    with pytest.raises(ToolExecutionError, match="need 'pattern'"):
        tm(invoke, "regex_match", "abc")
    with pytest.raises(ToolExecutionError, match="unknown regex flag 'q'"):
        tm(invoke, "regex_match", "abc", pattern="a", options={"flags": "q"})
    with pytest.raises(ToolExecutionError, match="bad replacement"):
        tm(invoke, "regex_replace", "abc", pattern="a", replacement=r"\9")
    with pytest.raises(ToolExecutionError, match="regex operations take 100,000"):
        tm(invoke, "regex_match", "a" * 100_001, pattern="a")
    with pytest.raises(ToolParameterError, match="'pattern'"):
        tm(invoke, "regex_match", "abc", pattern="a" * 1001)


def test_results_may_not_outgrow_the_size_limit(make_rt):
    rt = make_rt({"tools.file_operations.max_file_size": 10_000})
    call = rt.tools.invoke
    with pytest.raises(ToolExecutionError, match="over the 10,000-character limit"):
        call(
            "text_manipulator",
            {
                "operation": "replace",
                "input": "a" * 1000,
                "options": {"from": "a", "to": "b" * 100},
            },
        )
    with pytest.raises(ToolExecutionError, match="over the 10,000-character limit"):
        call(
            "text_manipulator",
            {
                "operation": "regex_replace",
                "input": "a" * 1000,
                "pattern": "a",
                "replacement": "b" * 100,
            },
        )
    with pytest.raises(ToolExecutionError, match="max_file_size"):
        call("text_manipulator", {"operation": "uppercase", "input": "x" * 10_001})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"operation": "substring", "options": {"start": "x"}}, "options.start must be an integer"),
        ({"operation": "replace", "options": {"to": "y"}}, "replace needs options.from"),
        ({"operation": "indent", "options": {"spaces": 1000}}, "between 0 and 64"),
        ({"operation": "word_wrap", "options": {"width": 0}}, "between 1 and 10000"),
        ({"operation": "count", "options": {"count_type": "bytes"}}, "unknown count_type 'bytes'"),
        ({"operation": "truncate", "options": {"max_length": True}}, "must be an integer"),
    ],
)
def test_bad_options_say_which_option(invoke, params, message):
    with pytest.raises(ToolExecutionError, match=message):
        invoke("text_manipulator", {"input": "some text", **params})


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"operation": "shout", "input": "x"}, "operation"),
        ({"input": "x"}, "operation"),
        ({"operation": "trim"}, "input"),
        ({"operation": "trim", "input": 12}, "input"),
        ({"operation": "trim", "input": "x", "options": "fast"}, "options"),
        ({"operation": "count", "input": "x", "count_type": "bytes"}, "count_type"),
        ({"operation": "truncate", "input": "x", "max_length": -1}, "max_length"),
    ],
)
def test_bad_parameters_name_the_parameter(invoke, params, name):
    with pytest.raises(ToolParameterError, match=rf"Tool 'text_manipulator'.*'{name}'"):
        invoke("text_manipulator", params)


def test_a_list_input_only_for_join(invoke):
    with pytest.raises(ToolExecutionError, match="uppercase needs 'input' to be a string"):
        tm(invoke, "uppercase", ["a"])


def test_the_examples_from_lua(rt):
    upper, replaced, words, chars = rt.run_code(
        """
        local tm = "text_manipulator"
        local u = Tool.invoke(tm, {operation = "uppercase", input = "hello llmspell"})
        local r = Tool.invoke("text-manipulator", {operation = "replace", input = "hello world",
                                                   options = {from = "world", to = "llmspell"}})
        local w = Tool.invoke(tm, {operation = "count", input = "a b c", count_type = "words"})
        local c = Tool.invoke(tm, {operation = "count", input = "abc", count_type = "chars",
                                   options = {}})
        return u.result.result, r.result.result, w.result.result, c.result.result
        """
    )
    assert (upper, replaced, words, chars) == ("HELLO LLMSPELL", "hello llmspell", 3, 3)
