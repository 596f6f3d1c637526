import json
import logging
import threading
import time

import pytest

from llmspell.config.observability import EventsConfig
from llmspell.core.errors import ValidationError
from llmspell.events import EVENT_SCOPE, Event, EventBus
from llmspell.state.memory import MemoryBackend
from llmspell.state.store import StateStore


def config(**values) -> EventsConfig:
    return EventsConfig.build(values)


@pytest.fixture
def bus():
    with EventBus() as b:
        yield b


def test_publish_returns_the_event_and_a_queue_subscriber_receives_it(bus):
    sid = bus.subscribe("user.*")
    event = bus.publish(
        "user.login", {"name": "ada"}, correlation_id="c-1", source="app", metadata={"k": 1}
    )
    assert isinstance(event, Event)
    got = bus.receive(sid, 1.0)
    assert got is event
    assert (got.event_type, got.topic, got.data) == ("user.login", "user.login", {"name": "ada"})
    assert (got.correlation_id, got.source, got.metadata) == ("c-1", "app", {"k": 1})
    table = got.as_table()
    assert table["topic"] == table["event_type"] == "user.login"
    assert table["timestamp"].endswith("Z") and "T" in table["timestamp"]
    assert set(table) >= {"id", "data", "sequence", "correlation_id", "source", "metadata"}


def test_sequence_increases_and_ids_are_unique(bus):
    events = [bus.publish("a", i) for i in range(50)]
    assert [e.sequence for e in events] == list(range(1, 51))
    assert len({e.id for e in events}) == 50


def test_only_matching_subscriptions_receive(bus):
    user = bus.subscribe("user.*")
    errors = bus.subscribe("*.error")
    everything = bus.subscribe("**")
    bus.publish("user.login")
    bus.publish("tool.error")
    bus.publish("workflow.step.done")
    assert bus.receive(user, 0).event_type == "user.login"
    assert bus.receive(user, 0) is None
    assert bus.receive(errors, 0).event_type == "tool.error"
    assert bus.receive(errors, 0) is None
    assert [bus.receive(everything, 0).event_type for _ in range(3)] == [
        "user.login",
        "tool.error",
        "workflow.step.done",
    ]


def test_receive_times_out_with_none(bus):
    sid = bus.subscribe("x")
    started = time.monotonic()
    assert bus.receive(sid, 0.05) is None
    elapsed = time.monotonic() - started
    assert 0.04 <= elapsed < 5


def test_receive_wakes_when_another_thread_publishes(bus):
    sid = bus.subscribe("ping")
    threading.Timer(0.05, bus.publish, args=("ping", 1)).start()
    event = bus.receive(sid, 10)
    assert event is not None and event.data == 1


def test_unsubscribe_wakes_a_waiting_receiver_and_stops_delivery(bus):
    sid = bus.subscribe("x")
    threading.Timer(0.05, bus.unsubscribe, args=(sid,)).start()
    assert bus.receive(sid, 10) is None
    assert bus.unsubscribe(sid) is False
    with pytest.raises(ValidationError, match="No active subscription found"):
        bus.receive(sid, 0)
    bus.publish("x")
    assert bus.get_stats()["delivered"] == 0


def test_overflow_drops_the_oldest_and_counts(bus):
    small = EventBus(config(buffer_size=3))
    sid = small.subscribe("n")
    for i in range(5):
        small.publish("n", i)
    assert [small.receive(sid, 0).data for _ in range(3)] == [2, 3, 4]
    stats = small.get_stats()
    assert stats["dropped"] == 2
    assert stats["per_subscription"][sid]["dropped"] == 2
    assert stats["delivered"] == 5


def test_callback_is_called_synchronously(bus):
    seen = []
    bus.subscribe("a.*", seen.append)
    bus.publish("a.b", 1)
    assert [e.data for e in seen] == [1]


def test_callback_errors_are_isolated_logged_and_counted(bus, caplog):
    seen = []

    def broken(event):
        raise RuntimeError("boom")

    bad = bus.subscribe("**", broken)
    bus.subscribe("**", seen.append)
    with caplog.at_level(logging.DEBUG, logger="llmspell.events"):
        bus.publish("x", 1)
        bus.publish("x", 2)
    assert [e.data for e in seen] == [1, 2]
    stats = bus.get_stats()
    assert stats["callback_errors"] == 2
    assert stats["per_subscription"][bad]["errors"] == 2
    assert stats["delivered"] == 2
    assert any("boom" in (r.exc_text or "") for r in caplog.records)


def test_a_callback_may_publish_and_subscribe(bus):
    seen = []

    def relay(event):
        bus.subscribe("never")
        bus.publish("b", event.data + 1)

    bus.subscribe("a", relay)
    bus.subscribe("b", seen.append)
    bus.publish("a", 1)
    assert [e.data for e in seen] == [2]


def test_receive_on_a_callback_subscription_is_refused(bus):
    sid = bus.subscribe("a", lambda e: None)
    with pytest.raises(ValidationError, match="callback"):
        bus.receive(sid, 0)


def test_subscribe_refuses_a_non_callable(bus):
    with pytest.raises(ValidationError, match="function"):
        bus.subscribe("a", 3)


def test_type_filters():
    cfg = config(filtering={"include_types": ["user.**", "tool.*"], "exclude_types": ["*.debug"]})
    with EventBus(cfg) as bus:
        sid = bus.subscribe("**")
        for kind in ("user.login", "user.debug", "tool.run", "agent.run", "tool.debug"):
            bus.publish(kind)
        got = [bus.receive(sid, 0).event_type for _ in range(bus.pending(sid))]
        assert got == ["user.login", "tool.run"]
        assert bus.get_stats()["filtered"] == 3
        assert bus.get_stats()["published"] == 2


def test_component_filters_match_the_source():
    cfg = config(filtering={"exclude_components": ["noisy*"]})
    with EventBus(cfg) as bus:
        sid = bus.subscribe("**")
        bus.publish("a", source="noisy_tool")
        bus.publish("a", source="agent")
        bus.publish("a")
        assert bus.pending(sid) == 2


def test_disabled_bus_delivers_nothing():
    with EventBus(config(enabled=False)) as bus:
        sid = bus.subscribe("**")
        bus.publish("a")
        assert bus.pending(sid) == 0


def test_rate_limit_drops_and_counts():
    with EventBus(config(max_events_per_second=5)) as bus:
        sid = bus.subscribe("**")
        for i in range(20):
            bus.publish("a", i)
        stats = bus.get_stats()
        # the burst is one second's worth; a slow machine may refill a token or two
        assert 5 <= bus.pending(sid) <= 8
        assert stats["rate_limited"] == 20 - stats["published"]


def test_export_file_writes_json_lines(tmp_path):
    cfg = config(export={"file": "out/events.jsonl", "pretty_json": True})
    bus = EventBus(cfg, base=tmp_path)
    bus.publish("a.b", {"n": 1}, correlation_id="c")
    bus.publish("a.c", [1, 2])
    bus.close()
    lines = (tmp_path / "out" / "events.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["event_type"] for r in records] == ["a.b", "a.c"]
    assert records[0]["data"] == {"n": 1} and records[0]["correlation_id"] == "c"
    assert records[1]["sequence"] == 2


def test_export_stdout_goes_to_the_echo():
    written = []
    with EventBus(config(export={"stdout": True}), echo=written.append) as bus:
        bus.publish("a", 1)
    assert json.loads(written[0])["event_type"] == "a"
    assert written[0].endswith("\n")


def test_export_webhook_posts_each_event():
    from http.server import BaseHTTPRequestHandler, HTTPServer

    bodies = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        bus = EventBus(config(export={"webhook": url}))
        bus.publish("a", 1)
        bus.publish("b", 2)
        bus.close()
    finally:
        server.shutdown()
        server.server_close()
    assert [b["event_type"] for b in bodies] == ["a", "b"]


def test_persistence_to_state():
    store = StateStore(MemoryBackend())
    with EventBus(state=store) as bus:
        event = bus.publish("a.b", {"x": 1})
    saved = store.load(EVENT_SCOPE, event.id)
    assert saved["event_type"] == "a.b" and saved["data"] == {"x": 1}


def test_list_subscriptions_and_stats(bus):
    q = bus.subscribe("a.*")
    c = bus.subscribe("**", lambda e: None, language="lua")
    listed = {s["id"]: s for s in bus.list_subscriptions()}
    assert listed[q]["kind"] == "queue" and listed[q]["pattern"] == "a.*"
    assert listed[c]["kind"] == "callback" and listed[c]["language"] == "lua"
    bus.publish("a.b")
    bus.publish("z")
    stats = bus.get_stats()
    assert stats["published"] == 2
    assert stats["delivered"] == 3
    assert stats["subscriptions"] == 2
    assert stats["per_subscription"][q]["queued"] == 1
    bus.unsubscribe(c)
    assert bus.get_stats()["delivered"] == 3  # removed subscriptions still count


def test_close_ends_receivers_and_later_publishes_deliver_nothing():
    bus = EventBus()
    sid = bus.subscribe("x")
    results = []
    receiver = threading.Thread(target=lambda: results.append(bus.receive(sid, 10)))
    receiver.start()
    time.sleep(0.05)
    bus.close()
    receiver.join(10)
    assert results == [None]
    assert bus.closed
    bus.publish("x")
    assert bus.get_stats()["after_close"] == 1


def test_bad_event_type(bus):
    with pytest.raises(ValidationError, match="non-empty string"):
        bus.publish("")


def test_many_events_through_ten_glob_subscribers():
    """Throughput sanity (the timed figure lives in bench/cases.py)."""
    patterns = ["**", "*", "user.*", "*.login", "user.**", "**.login", "user.log*", "*.*"]
    patterns += ["user.login", "a.**.b"]
    counts = [0] * len(patterns)
    with EventBus(config(buffer_size=100)) as bus:
        for i, p in enumerate(patterns):
            if i % 2:
                bus.subscribe(p)
            else:

                def bump(event, i=i):
                    counts[i] += 1

                bus.subscribe(p, bump)
        for n in range(20_000):
            bus.publish("user.login", n)
        stats = bus.get_stats()
    assert counts[::2] == [20_000] * 5
    assert stats["delivered"] == 20_000 * 9
    assert stats["dropped"] == (20_000 - 100) * 4
