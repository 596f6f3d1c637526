import json

from llmspell.diagnostics import (
    DumpOptions,
    StackOptions,
    dump,
    dump_compact,
    dump_verbose,
    format_stack,
    frames_from,
    stack_json,
    to_text,
)


def test_default_dump_is_indented_with_types_and_sorted_keys():
    text = dump({"b": [1, "x"], "a": True, "odd key": None})
    assert text.splitlines() == [
        "{ (table, 3 pairs)",
        "  a = true (boolean),",
        "  b = [ (array, 2 elements)",
        "    [1] = 1 (integer),",
        '    [2] = "x" (string, 1 chars),',
        "  ],",
        '  ["odd key"] = nil (nil),',
        "}",
    ]


def test_compact_dump_is_one_line_without_types():
    assert dump_compact({"a": 1, "b": [1.5, "x"], "c": {}}) == '{a = 1, b = [1.5, "x"], c = {}}'
    assert dump_compact([1, 2], label="nums") == "nums: [1, 2]"


def test_verbose_dump_indents_by_four():
    assert dump_verbose({"k": 1}).splitlines()[1] == "    k = 1 (integer),"


def test_limits_depth_strings_items_and_cycles():
    opts = DumpOptions(max_depth=1, max_string_length=6, max_items=2, show_types=False)
    text = dump({"deep": {"x": {"y": 1}}, "s": "abcdefghij", "z": 0}, opts)
    assert "deep = {...}" in text
    assert 's = "abc..."' in text
    assert "... 1 more pairs" in text
    loop: dict = {}
    loop["me"] = loop
    assert "<circular reference>" in dump_compact(loop)


def test_scalars_and_opaque_values():
    assert dump(None) == "nil (nil)"
    assert dump(3.0, DumpOptions(show_types=False)) == "3.0"
    assert dump('say "hi"\n', DumpOptions(show_types=False)) == '"say \\"hi\\"\\n"'
    assert dump_compact(print) == "<function>"
    assert dump_compact(object()) == "<userdata>"


def test_to_text_renders_messages():
    assert to_text("plain") == "plain"
    assert to_text(None) == "nil"
    assert to_text(False) == "false"
    assert to_text(42) == "42"
    assert to_text({"a": [1]}) == "{a = [1]}"


FRAMES = [
    {"function": "inner", "source": "spell.lua", "line": 3, "locals": {"x": 1, "s": "hi"}},
    {"function": "outer", "source": "spell.lua", "line": 7},
    {"function": None, "source": "spell.lua", "line": 10},
]


def test_stack_text_renders_the_frames_given():
    opts = StackOptions(capture_locals=True)
    text = format_stack(frames_from(FRAMES, opts), opts)
    assert text.splitlines() == [
        "Stack trace (3 frames):",
        "  #0 inner (spell.lua:3)",
        "       x = 1",
        '       s = "hi"',
        "  #1 outer (spell.lua:7)",
        "  #2 ? (spell.lua:10)",
    ]


def test_stack_options_cap_depth_drop_locals_and_source():
    opts = StackOptions(max_depth=2, include_source=False)
    frames = frames_from(FRAMES, opts)
    assert format_stack(frames, opts).splitlines() == [
        "Stack trace (2 frames):",
        "  #0 inner",
        "  #1 outer",
    ]
    doc = json.loads(stack_json(frames, opts))
    assert doc["depth"] == 2 and doc["max_depth_reached"] is True
    assert doc["frames"][0] == {"index": 0, "function": "inner"}


def test_stack_json_keeps_locals_when_asked():
    opts = StackOptions(capture_locals=True)
    doc = json.loads(stack_json(frames_from(FRAMES, opts), opts))
    assert doc["frames"][0]["locals"] == {"x": 1, "s": "hi"}
    assert doc["frames"][1]["line"] == 7 and doc["max_depth_reached"] is False
