import pytest

from llmspell.core.errors import ValidationError
from llmspell.events import compile_pattern

CASES = [
    # pattern, event type, matches
    ("user.login", "user.login", True),
    ("user.login", "user.logout", False),
    ("user.*", "user.login", True),
    ("user.*", "user", False),
    ("user.*", "user.login.failed", False),
    ("user.*", "users.login", False),
    ("*.error", "tool.error", True),
    ("*.error", "error", False),
    ("*.error", "a.b.error", False),
    ("*.error", "tool.errors", False),
    ("*.*", "a.b", True),
    ("*.*", "a", False),
    ("*", "anything.at.all", True),
    ("*", "x", True),
    ("**", "a.b.c.d", True),
    ("**", "a", True),
    ("**.**", "a.b", True),
    ("workflow.**", "workflow", True),
    ("workflow.**", "workflow.step", True),
    ("workflow.**", "workflow.step.done", True),
    ("workflow.**", "workflows.step", False),
    ("**.error", "error", True),
    ("**.error", "tool.error", True),
    ("**.error", "a.b.c.error", True),
    ("**.error", "a.error.b", False),
    ("a.**.b", "a.b", True),
    ("a.**.b", "a.x.b", True),
    ("a.**.b", "a.x.y.b", True),
    ("a.**.b", "a.bb", False),
    ("a.**.b", "ab", False),
    ("a.*.c", "a.b.c", True),
    ("a.*.c", "a.c", False),
    ("a.*.c", "a.b.b.c", False),
    ("user.log*", "user.login", True),
    ("user.log*", "user.log", True),
    ("user.log*", "user.login.x", False),
    ("*_error", "tool_error", True),
    ("*_error", "a.tool_error", False),
    # regex metacharacters are literal
    ("a+b.(c)", "a+b.(c)", True),
    ("a+b.(c)", "aab.c", False),
    ("a?", "ab", False),
    ("a?", "a?", True),
]


@pytest.mark.parametrize(("pattern", "event_type", "expected"), CASES)
def test_glob_table(pattern, event_type, expected):
    assert compile_pattern(pattern)(event_type) is expected


@pytest.mark.parametrize("bad", ["", None, 3])
def test_bad_patterns_are_refused(bad):
    with pytest.raises(ValidationError, match="non-empty string"):
        compile_pattern(bad)
