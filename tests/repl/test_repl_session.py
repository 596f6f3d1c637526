"""A session against a real runtime: evaluation, errors, limits and lifetime."""

from __future__ import annotations

import threading

from llmspell.repl import History


def test_expressions_show_their_values_and_statements_show_nothing(repl):
    assert repl("x = 41") == ("", "")
    assert repl("x + 1") == ("42\n", "")
    assert repl("'text'", "1, nil, 2.5") == ("text\n1\tnil\t2.5\n", "")
    assert repl("{a = 1, b = {1, 2}}") == ("{a = 1, b = {1, 2}}\n", "")


def test_nil_is_shown_for_an_expression_and_nothing_for_no_values(repl):
    assert repl("undefined_name") == ("nil\n", "")
    assert repl("print('hi')") == ("hi\n", "")
    assert repl("do end") == ("", "")


def test_multi_line_function_definition(repl, session):
    assert repl("function double(a)", "  return a * 2") == ("", "")
    assert session.pending
    assert repl("end", "double(21)") == ("42\n", "")
    assert not session.pending


def test_an_error_is_reported_and_the_session_continues(repl):
    out, err = repl("error('boom')")
    assert out == ""
    assert err.startswith("stdin:1: boom\n")
    assert "stack traceback:" in err
    out, err = repl("local t = nil; return t.x")
    assert "stdin:1: attempt to index a nil value" in err
    assert repl("1 + 1") == ("2\n", "")


def test_a_syntax_error_is_reported_once(repl):
    out, err = repl("x = = 1")
    assert out == ""
    assert err.startswith("stdin:1:")
    assert repl("2") == ("2\n", "")


def test_globals_persist_and_locals_do_not(repl):
    repl("local hidden = 1", "shown = 2")
    assert repl("hidden, shown") == ("nil\t2\n", "")


def test_os_exit_ends_the_session_with_its_code(repl, session):
    assert session.exit_code is None
    repl("os.exit(3)")
    assert session.exit_code == 3


def test_cancel_drops_pending_input(repl, session):
    repl("function broken(")
    assert session.pending
    session.cancel()
    assert repl("3") == ("3\n", "")


def test_end_of_input_reports_an_unfinished_chunk(repl, session, sink):
    repl("if true then")
    session.end_of_input()
    assert "'end' expected near <eof>" in sink.stderr_text


def test_the_timeout_applies_to_each_input(make_session, drive):
    repl = drive(make_session({"engines": {"lua": {"timeout_ms": 300}}}))
    _out, err = repl("while true do end")
    assert "timed out" in err
    assert repl("1 + 1") == ("2\n", "")


def test_interrupt_stops_a_running_input(repl, session):
    timer = threading.Timer(0.3, session.interrupt)
    timer.start()
    try:
        _out, err = repl("while true do end")
    finally:
        timer.cancel()
    assert err == "Interrupted.\n"
    assert repl("'alive'") == ("alive\n", "")


def test_lines_go_to_history_and_history_is_saved_on_close(make_session, tmp_path):
    path = tmp_path / "home" / "repl_history"
    session = make_session(history=History.open(path))
    for line in ["x = 1", "", "x", ".vars"]:
        session.feed(line)
    session.close()
    assert path.read_text() == "x = 1\nx\n.vars\n"


def test_a_cyclic_table_is_an_error_not_a_crash(repl):
    repl("t = {}; t.self = t")
    out, err = repl("t")
    assert out == ""
    assert "nested deeper" in err
    assert repl("type(t)") == ("table\n", "")
