import threading

import pytest

from llmspell.bridge.globals.event import EventGlobal
from llmspell.core.errors import ScriptError
from llmspell.events import EventBus


@pytest.fixture
def bus(runtime):
    with EventBus() as b:
        runtime.engine().install(EventGlobal(b))
        yield b


def run(runtime, code):
    return runtime.run_code(code)


def test_publish_subscribe_receive_from_lua(runtime, bus):
    out = run(
        runtime,
        """
        local sid = Event.subscribe("user.*")
        local ok = Event.publish("user.login", {name = "ada", tags = {"a", "b"}},
                                 {correlation_id = "c-1", metadata = {k = 1}})
        local ev = Event.receive(sid, 500)
        return ok, ev.event_type, ev.topic, ev.data.name, ev.data.tags[2], ev.correlation_id,
               ev.metadata.k, ev.language, type(ev.timestamp), ev.sequence
        """,
    )
    assert out == [True, "user.login", "user.login", "ada", "b", "c-1", 1, "lua", "string", 1]


def test_glob_patterns_and_emit_alias(runtime, bus):
    out = run(
        runtime,
        """
        local errs = Event.subscribe("*.error")
        local all = Event.subscribe("**")
        Event.emit("tool.error", 1)
        Event.emit("user.login", 2)
        local first = Event.receive(errs, 0)
        local none = Event.receive(errs, 0)
        local a, b = Event.receive(all, 0), Event.receive(all, 0)
        return first.data, none == nil, a.topic, b.topic
        """,
    )
    assert out == [1, True, "tool.error", "user.login"]


def test_receive_timeout_is_milliseconds(runtime, bus):
    out = run(
        runtime,
        """
        local sid = Event.subscribe("never")
        local t = os.clock()
        local ev = Event.receive(sid, 50)
        return ev == nil
        """,
    )
    assert out == [True]


def test_receive_default_timeout_returns_an_event_published_from_another_thread(runtime, bus):
    threading.Timer(0.05, bus.publish, args=("late", 7)).start()
    out = run(runtime, 'local sid = Event.subscribe("late"); return Event.receive(sid).data')
    assert out == [7]


def test_callback_subscription_from_lua(runtime, bus):
    out = run(
        runtime,
        """
        local seen = {}
        local sid = Event.subscribe("job.*", function(ev) seen[#seen + 1] = ev.topic end)
        Event.publish("job.start", {})
        Event.publish("job.done", {})
        Event.publish("other", {})
        return #seen, seen[1], seen[2], type(sid)
        """,
    )
    assert out == [2, "job.start", "job.done", "string"]


def test_a_failing_lua_callback_does_not_reach_the_publisher(runtime, bus):
    out = run(
        runtime,
        """
        Event.subscribe("x", function(ev) error("subscriber broke") end)
        local ok = Event.publish("x", 1)
        return ok, Event.get_stats().callback_errors
        """,
    )
    assert out == [True, 1]


def test_unsubscribe_list_and_stats(runtime, bus):
    out = run(
        runtime,
        """
        local a = Event.subscribe("a.*")
        local b = Event.subscribe("b.*", function() end)
        local before = #Event.list_subscriptions()
        Event.publish("a.x", 1)
        local removed = Event.unsubscribe(b)
        local again = Event.unsubscribe(b)
        local subs = Event.list_subscriptions()
        local stats = Event.get_stats()
        return before, removed, again, #subs, subs[1].pattern, subs[1].language,
               stats.published, stats.event_bus_stats.delivered, stats.bridge_stats.published
        """,
    )
    assert out == [2, True, False, 1, "a.*", "lua", 1, 1, 1]


def test_python_publishers_reach_lua_subscribers(runtime, bus):
    run(runtime, 'SID = Event.subscribe("py.**")')
    bus.publish("py.hello", [1, 2, 3], source="python")
    out = run(runtime, "local ev = Event.receive(SID, 100); return ev.data[3], ev.source")
    assert out == [3, "python"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ('Event.receive("nope", 0)', "No active subscription found"),
        ("Event.publish(nil, 1)", "event_type"),
        ('Event.subscribe("")', "pattern"),
        ('Event.subscribe("x", 5)', "function"),
        ('Event.receive(Event.subscribe("x"), "soon")', "milliseconds"),
        ('Event.publish("x", 1, "opts")', "options must be a table"),
    ],
)
def test_script_errors(runtime, bus, code, message):
    with pytest.raises(ScriptError, match=message):
        run(runtime, code)


def test_receive_serves_lua_callbacks_published_from_other_threads(tmp_path, sink):
    """A worker thread publishes to a Lua callback while the spell waits in Event.receive."""
    import threading

    from llmspell.bridge.globals.base import ScriptGlobal
    from llmspell.runtime import Runtime

    with Runtime.from_config(sink=sink, cwd=tmp_path) as rt:
        bus = rt.events
        worker = threading.Thread(target=lambda: [bus.publish("bg.tick", i) for i in range(5)])

        class Starter(ScriptGlobal):
            name = "Starter"

            def go(self) -> bool:
                worker.start()
                return True

        rt.engine().install(Starter())
        values = rt.run_code(
            """
            local hits = 0
            Event.subscribe("bg.*", function(ev) hits = hits + 1 end)
            local waiting = Event.subscribe("never.*")
            Starter.go()
            local deadline = os.time() + 5
            repeat Event.receive(waiting, 50) until hits == 5 or os.time() > deadline
            return hits
            """
        )
        worker.join(timeout=5)
    assert values == [5]


def test_events_persist_to_the_state_store_when_configured(tmp_path, sink):
    from llmspell.config import LLMSpellConfig, apply_overrides
    from llmspell.runtime import Runtime

    cfg = apply_overrides(LLMSpellConfig.build({}), {"events.persist": True})
    with Runtime.from_config(cfg, sink=sink, cwd=tmp_path) as rt:
        count = rt.run_code(
            'Event.publish("audit.login", {user = "ada"}) return #State.list_keys("event")'
        )
    assert count == [1]
