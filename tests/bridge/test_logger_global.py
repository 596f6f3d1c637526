import logging

import pytest

from llmspell.bridge.globals.base import script_methods
from llmspell.bridge.globals.logger import LoggerGlobal, ScriptLogger
from llmspell.core.errors import ValidationError

FMT = logging.Formatter("%(levelname)s %(name)s %(message)s")


class Records(logging.Handler):
    """Keeps every record; the level lives on the `llmspell` logger, as the runtime sets it."""

    def __init__(self):
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def logs():
    parent = logging.getLogger("llmspell")
    handler, old_level = Records(), parent.level
    parent.addHandler(handler)
    parent.setLevel(logging.INFO)
    yield handler
    parent.removeHandler(handler)
    parent.setLevel(old_level)


def lines(handler):
    return [FMT.format(r) for r in handler.records]


def test_script_visible_functions():
    names = set(script_methods(LoggerGlobal))
    assert {
        "trace",
        "debug",
        "info",
        "warn",
        "error",
        "log",
        "setLevel",
        "getLevel",
        "child",
    } <= names
    assert LoggerGlobal.name == "Logger"


def test_messages_reach_logging_with_level_and_data(logs):
    logger = LoggerGlobal()
    logger.info("started", {"user": "ann", "n": 3, "note": "two words", "ok": True})
    logger.warn("careful")
    logger.error({"code": 7})
    assert lines(logs) == [
        'INFO llmspell.script started n=3 note="two words" ok=true user=ann',
        "WARNING llmspell.script careful",
        "ERROR llmspell.script {code = 7}",
    ]
    assert logs.records[0].script_data == {"user": "ann", "n": 3, "note": "two words", "ok": True}


def test_non_table_data_and_nested_values(logs):
    logger = LoggerGlobal()
    logger.info("x", [1, 2])
    logger.info("y", {"cfg": {"a": 1}})
    assert [r.getMessage() for r in logs.records] == ["x data=[1,2]", 'y cfg={"a":1}']


def test_below_the_process_level_is_dropped(logs):
    logger = LoggerGlobal()
    logger.debug("quiet")
    logger.trace("quieter")
    assert logs.records == []
    assert logger.getLevel() == "info"


def test_set_level_opens_this_logger_only(logs):
    logger = LoggerGlobal()
    assert logger.setLevel("trace") is True
    logger.trace("deep", {"step": 1})
    logger.debug("detail")
    assert lines(logs) == ["TRACE llmspell.script deep step=1", "DEBUG llmspell.script detail"]
    assert logger.getLevel() == "trace"
    assert logging.getLogger("llmspell.script").level == logging.NOTSET
    other = LoggerGlobal()
    other.debug("not from the other runtime")
    assert len(logs.records) == 2


def test_set_level_can_quiet_and_rejects_unknown_names(logs):
    logger = LoggerGlobal()
    assert logger.setLevel("error") is True
    logger.warn("hidden")
    assert logger.setLevel("chatty") is False
    assert logger.getLevel() == "error"
    assert logger.setLevel("off") is True
    logger.error("also hidden")
    assert logger.getLevel() == "off"
    assert logs.records == []


def test_log_by_level_name(logs):
    logger = LoggerGlobal()
    logger.log("warning", "w")
    logger.log("off", "nothing")
    with pytest.raises(ValidationError, match=r"'shout'.*info\|3"):
        logger.log("shout", "x")
    assert [r.levelname for r in logs.records] == ["WARNING"]


def test_child_loggers(logs):
    root = LoggerGlobal()
    child = root.child("agents")
    assert isinstance(child, ScriptLogger)
    assert child.script_fields() == {"name": "llmspell.script.agents"}
    assert set(script_methods(LoggerGlobal)) <= set(script_methods(ScriptLogger))
    child.info("hi", {"k": "v"})
    grandchild = child.child("planner")
    root.setLevel("debug")
    grandchild.debug("inherits the parent's level")
    assert lines(logs) == [
        "INFO llmspell.script.agents hi k=v",
        "DEBUG llmspell.script.agents.planner inherits the parent's level",
    ]
    with pytest.raises(ValidationError, match="non-empty name"):
        root.child("")


def test_a_given_logger_is_used(logs):
    logger = LoggerGlobal(logging.getLogger("llmspell.script.myspell"))
    logger.info("named")
    assert logs.records[0].name == "llmspell.script.myspell"
