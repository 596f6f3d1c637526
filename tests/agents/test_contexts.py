"""Contexts with the four inheritance modes, shared memory by scope, and context-aware calls."""

from __future__ import annotations

import pytest

from llmspell.agents import AgentInput
from llmspell.agents.context import ContextStore
from llmspell.core.errors import AgentError, ValidationError


@pytest.fixture
def store() -> ContextStore:
    return ContextStore()


def parent_with(store: ContextStore) -> str:
    return store.create({"scope": {"type": "session", "id": "s1"}, "data": {"lang": "en"}})


def test_inherit_reads_through_to_the_parent_live(store):
    parent = parent_with(store)
    child = store.create_child(parent, None, "inherit")
    assert store.value(child, "lang") == "en"
    store.update(parent, "lang", "fr")
    assert store.value(child, "lang") == "fr"
    store.update(child, "lang", "de")
    assert (store.value(child, "lang"), store.value(parent, "lang")) == ("de", "fr")
    assert store.get(child).scope == store.get(parent).scope


def test_isolate_sees_nothing_of_the_parent(store):
    child = store.create_child(parent_with(store), {"type": "agent", "id": "a"}, "isolate")
    assert store.value(child, "lang") is None
    assert store.get(child).scope.key == "agent:a"


def test_copy_takes_a_snapshot(store):
    parent = parent_with(store)
    child = store.create_child(parent, None, "copy")
    store.update(parent, "lang", "fr")
    assert store.value(child, "lang") == "en"
    store.update(child, "extra", 1)
    assert store.value(parent, "extra") is None


def test_share_is_one_table_for_both(store):
    parent = parent_with(store)
    child = store.create_child(parent, None, "share")
    store.update(child, "k", "v")
    assert store.value(parent, "k") == "v"


def test_grandchildren_inherit_through_the_chain_and_removal_cascades(store):
    root = parent_with(store)
    child = store.create_child(root, None, "inherit")
    grandchild = store.create_child(child, None, "inherit")
    assert store.view(grandchild) == {"lang": "en"}
    store.remove(child)
    with pytest.raises(AgentError, match="not found"):
        store.value(grandchild, "lang")
    assert store.get(root).children == []


def test_bad_context_input(store):
    with pytest.raises(ValidationError, match="inheritance 'borrow'"):
        store.create({"inheritance": "borrow"})
    with pytest.raises(ValidationError, match="scope type 'planet'"):
        store.create({"scope": {"type": "planet", "id": "x"}})
    with pytest.raises(ValidationError, match="needs an id"):
        store.create({"scope": {"type": "user"}})
    with pytest.raises(AgentError, match="Context 'nope' not found"):
        store.update("nope", "k", 1)


def test_shared_memory_is_kept_apart_by_scope(store):
    store.set_shared(None, "k", "global value")
    store.set_shared({"type": "session", "id": "a"}, "k", "session a")
    store.set_shared("session:b", "k", "session b")
    assert store.get_shared({}, "k") == "global value"
    assert store.get_shared({"type": "global"}, "k") == "global value"
    assert store.get_shared({"type": "session", "id": "a"}, "k") == "session a"
    assert store.get_shared({"type": "session", "id": "b"}, "k") == "session b"
    assert store.get_shared({"type": "user", "id": "a"}, "k") is None
    store.set_shared(None, "k", None)
    assert store.get_shared(None, "k") is None


def test_execute_with_context_shows_the_context_to_the_model(manager, script):
    agent = manager.create({"name": "ctx", "model": "m", "system": "Be kind."})
    context = manager.contexts.create({"data": {"user_name": "Ada", "plan": "pro"}})
    manager.execute_with_context(agent, AgentInput(text="hi"), context)
    assert script.last.messages[0].content == "Be kind.\n\nContext:\nuser_name: Ada\nplan: pro"
