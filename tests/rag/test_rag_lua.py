"""The `RAG` global from Lua: call forms, the mixed result table, options, errors, usage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ragkit import PASSAGES, rag_config

from llmspell.config import LLMSpellConfig
from llmspell.core.errors import ScriptError
from llmspell.core.output import CaptureSink
from llmspell.runtime import Runtime

SETUP = "\n".join(
    f"RAG.ingest({{id = {pid!r}, content = {text!r}, metadata = {{topic = {topic!r}}}}})"
    for pid, topic, text, _ in PASSAGES
)


@pytest.fixture
def rt(tmp_path: Path, sink: CaptureSink) -> Iterator[Runtime]:
    with Runtime.from_config(rag_config(), sink=sink, home=tmp_path, cwd=tmp_path) as runtime:
        yield runtime


def run(rt: Runtime, code: str) -> Any:
    values = rt.run_code(code)
    return values[0] if len(values) == 1 else values


def test_retrieval_quality_through_rag_search(rt: Runtime) -> None:
    run(rt, SETUP)
    questions = "{" + ", ".join(f"{{{pid!r}, {q!r}}}" for pid, _, _, q in PASSAGES) + "}"
    hits = run(
        rt,
        f"""
        local found = 0
        for _, case in ipairs({questions}) do
          local results = RAG.search(case[2], {{k = 3}})
          for _, hit in ipairs(results) do
            if hit.document_id == case[1] then found = found + 1 break end
          end
        end
        return found
        """,
    )
    assert hits >= len(PASSAGES) - 1


def test_both_call_forms_and_the_mixed_result_table(rt: Runtime) -> None:
    run(rt, SETUP)
    out = run(
        rt,
        """
        local a = RAG.search("How do green plants make their food?", {top_k = 3})
        local b = RAG.search{query = "How do green plants make their food?", limit = 3}
        local c = RAG:search("How do green plants make their food?", {k = 2})
        local n = 0
        for i, hit in ipairs(a) do n = n + 1 assert(hit.id == a.results[i].id) end
        return {#a, a.total, a.success, a[1].text == a.results[1].text, a[1].document_id,
                b[1].id, #b.results, n, #c, type(a[1].metadata), a[1].content == a[1].text,
                a[1].score > a[2].score}
        """,
    )
    assert out == [3, 3, True, True, "photosynthesis", "photosynthesis#0", 3, 3, 2,
                   "table", True, True]  # fmt: skip


def test_filters_threshold_and_collection_from_lua(rt: Runtime) -> None:
    run(rt, SETUP)
    out = run(
        rt,
        """
        local money = RAG.search("money", {k = 10, metadata_filter = {topic = "finance"}})
        local f = {}
        for _, h in ipairs(money) do f[#f + 1] = h.document_id end
        table.sort(f)
        local strict = RAG.search("Why does cooking take longer in the mountains?",
                                  {threshold = 0.5})
        local other = RAG.search("money", {collection = "empty"})
        RAG.ingest({content = "Rust has a borrow checker."}, {collection = "langs"})
        local langs = RAG.search{query = "memory safety", collection = "langs", filters = {}}
        return {table.concat(f, ","), #strict, strict[1].document_id, other.total, #langs}
        """,
    )
    assert out == ["index-funds,mortgage", 1, "altitude", 0, 1]


def test_hybrid_from_lua_reports_both_scores(rt: Runtime) -> None:
    out = run(
        rt,
        """
        RAG.ingest({
          {id = "shelf", content = "The blue bin on aisle seven holds item QX-7731."},
          {id = "ship", content = "Spare parts ship from our warehouse within two days."},
        })
        local v = RAG.search("order spare part QX-7731", {k = 2})
        local r = RAG.search("order spare part QX-7731", {hybrid = true, k = 2})
        return {v[1].document_id, r[1].document_id, r[1].keyword_score, r[1].vector_score > 0,
                r.total}
        """,
    )
    assert out == ["ship", "shelf", 1.0, True, 2]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("RAG.ingest({content = ''})", "content is empty"),
        ("RAG.ingest({content = 12345})", "content must be a string, got number"),
        ("RAG.ingest({metadata = {a = 1}})", "has no content"),
        ("RAG.search('q', {k = 0})", "k must be a positive integer"),
        ("RAG.search{query = 'q', top_k = 999999999}", "k must be at most 1000"),
        ("RAG.search{top_k = 5}", "query is required"),
        ("RAG.search(42)", "query must be a string"),
        ("RAG.search('q', {metadata_filter = 'not a table'})", "metadata_filter must be a table"),
        ("RAG.search('q', {colection = 'x'})", "unknown option 'colection'"),
    ],
)
def test_bad_input_raises_catchable_errors(rt: Runtime, code: str, fragment: str) -> None:
    ok, message = rt.run_code(f"return pcall(function() {code} end)")
    assert ok is False
    assert fragment in message
    assert run(rt, "return RAG.get_stats().total_vectors") == 0


def test_ingest_shapes_stats_and_cleanup(rt: Runtime) -> None:
    out = run(
        rt,
        """
        local empty = RAG.ingest({})
        local one = RAG.ingest("a plain string document")
        local many = RAG.ingest({{content = "first"}, {text = "second", id = "two"}},
                                {scope = "session", scope_id = "s1", chunk_size = 50,
                                 chunk_overlap = 5})
        local made = RAG.create_session_collection("s2", {ttl = 60})
        RAG.ingest("third", {scope = "session", scope_id = "s2"})
        local s = RAG.get_stats("session", "s1")
        local all = RAG.get_stats()
        local n1 = RAG.cleanup_scope("session", "s1")
        local n2 = RAG.cleanup_scope("session:s2")
        local n3 = RAG.cleanup_scope({scope = "session", scope_id = "nothing"})
        return {empty.success, empty.documents_processed, one.vectors_created,
                many.documents_processed, many.document_ids[2], made.namespace, made.ttl,
                s.total_vectors, all.total_vectors, all.embeddings_generated, n1, n2, n3,
                RAG.get_stats().total_vectors}
        """,
    )
    assert out == [True, 0, 1, 2, "two", "session_s2", 60, 2, 4, 4, 2, 1, 0, 1]


def test_configure_config_field_and_providers(rt: Runtime) -> None:
    out = run(
        rt,
        """
        local cfg = RAG.configure{collection = "kb", chunk_size = 64, overlap = 8,
                                  search_limit = 1, dimensions = 384}
        RAG.ingest({content = "Owls hunt at night."})
        RAG.ingest({content = "Bees make honey."})
        local hits = RAG.search("night birds")
        local stats = RAG.get_stats("kb")
        return {cfg.collection, cfg.chunking.chunk_size, #hits, hits[1].document_id ~= nil,
                stats.total_vectors, RAG.config.multi_tenant, RAG.list_providers()[1],
                type(RAG.save().saved)}
        """,
    )
    assert out == ["kb", 64, 1, True, 2, False, "local", "number"]


def test_tenants_and_usage_from_lua(tmp_path: Path, sink: CaptureSink) -> None:
    cfg = rag_config(multi_tenant=True, tenancy={"max_vectors": 2})
    with Runtime.from_config(cfg, sink=sink, home=tmp_path, cwd=tmp_path) as runtime:
        out = run(
            runtime,
            """
            local ok, err = pcall(RAG.ingest, "no tenant")
            RAG.ingest({content = "Acme builds rockets."}, {tenant_id = "acme"})
            RAG.ingest({content = "Globex sells security software."},
                       {scope = "tenant", scope_id = "globex"})
            local leak = RAG.search("security", {tenant_id = "acme", k = 5})
            for _, h in ipairs(leak) do assert(h.metadata.tenant_id == "acme") end
            RAG.ingest({content = "Acme tests engines."}, {tenant_id = "acme"})
            local full, qerr = pcall(RAG.ingest, {content = "one too many"}, {tenant_id = "acme"})
            local usage = RAG.get_stats("tenant", "acme")
            return {ok, err, #leak, leak[1].text, full, qerr, usage.total_vectors,
                    usage.searches_performed, usage.embeddings_generated > 0,
                    usage.embedding_tokens > 0, usage.limits.max_vectors}
            """,
        )
    assert out[0] is False and "tenant_id is required" in out[1]
    assert out[2:5] == [1, "Acme builds rockets.", False]
    assert "Tenant 'acme' is over its vector quota: 2 of `rag.tenancy.max_vectors` = 2" in out[5]
    assert out[6:] == [2, 1, True, True, 2]


def test_disabled_global_names_the_key(tmp_path: Path, sink: CaptureSink) -> None:
    with Runtime.from_config(LLMSpellConfig.build({}), sink=sink, home=tmp_path) as runtime:
        ok, message = runtime.run_code('return pcall(RAG.search, "x")')
        assert ok is False
        assert "`rag.enabled = true`" in message
        assert runtime.run_code("return type(RAG.ingest)") == ["function"]
        with pytest.raises(ScriptError, match=r"rag\.enabled"):
            runtime.run_code("RAG.get_stats()")


def test_ingest_search_and_delete_publish_rag_events(rt: Runtime) -> None:
    out = rt.run_code(
        """
        local sid = Event.subscribe("rag.*")
        RAG.ingest({id = "e1", content = "Tides follow the pull of the moon."})
        RAG.search("what moves the sea", {k = 1})
        RAG.delete("e1")
        local seen = {}
        for _ = 1, 3 do
          local ev = Event.receive(sid, 1000)
          seen[#seen + 1] = ev and (ev.event_type .. ":" .. tostring(ev.data.namespace)) or "none"
        end
        return seen
        """
    )[0]
    assert [s.split(":")[0] for s in out] == ["rag.ingested", "rag.searched", "rag.deleted"]
    assert all(s.endswith("default") for s in out)
