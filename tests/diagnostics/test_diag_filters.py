import pytest

from llmspell.diagnostics import DebugLog, Level, ModuleFilter


def test_filtered_module_produces_no_output():
    out: list[str] = []
    log = DebugLog("debug", sink=out.append)
    log.filters.add("noisy", False)
    log.log(Level.INFO, "hidden", "noisy.sub")
    log.log(Level.INFO, "shown", "quiet")
    assert len(out) == 1 and "shown" in out[0]
    assert [e.message for e in log.entries()] == ["shown"]


@pytest.mark.parametrize(
    ("pattern", "kind", "module", "hit"),
    [
        ("a.b", "exact", "a.b", True),
        ("a.b", "exact", "a.b.c", False),
        ("a.b", "hierarchical", "a.b.c", True),
        ("a.b", "hierarchical", "a.bc", False),
        ("a.*", "wildcard", "a.x.y", True),
        ("a.?", "wildcard", "a.xy", False),
        ("^db\\.(read|write)$", "regex", "db.write", True),
        ("^db\\.(read|write)$", "regex", "db.delete", False),
    ],
)
def test_pattern_kinds(pattern, kind, module, hit):
    f = ModuleFilter(default_enabled=True)
    assert f.add_rule(pattern, kind, False)
    assert f.allows(module) is not hit


def test_unknown_type_and_bad_regex_are_refused():
    f = ModuleFilter()
    assert not f.add_rule("x", "glob", True)
    assert not f.add_rule("(", "regex", True)
    assert f.summary().total_rules == 0


def test_most_specific_rule_wins_whatever_the_order():
    f = ModuleFilter()
    f.add("agent.core", True)
    f.add("agent", False)
    assert f.allows("agent.core.loop")
    assert not f.allows("agent.tools")
    assert f.allows("other")


def test_default_disabled_whitelists():
    f = ModuleFilter(default_enabled=False)
    f.add("workflow", True)
    assert f.allows("workflow.step")
    assert not f.allows("agent")
    assert not f.allows(None)


def test_remove_clear_and_summary():
    f = ModuleFilter()
    f.add("a*", False)
    f.add_rule("b", "exact", True)
    f.add_rule("b", "exact", False)
    s = f.summary()
    assert s.total_rules == 2 and s.default_enabled
    assert [(r.pattern, r.pattern_type, r.enabled) for r in s.rules] == [
        ("a*", "wildcard", False),
        ("b", "exact", False),
    ]
    assert f.remove("a*") and not f.remove("a*")
    f.clear()
    assert f.summary().total_rules == 0
