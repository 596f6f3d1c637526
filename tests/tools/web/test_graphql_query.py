"""graphql_query against a tiny GraphQL-speaking endpoint on 127.0.0.1 (fixed JSON answers)."""

from __future__ import annotations

import pytest

from llmspell.core.errors import SecurityError, ToolExecutionError, ToolParameterError

SCHEMA = {
    "queryType": {"name": "Query"},
    "mutationType": {"name": "Mutation"},
    "subscriptionType": None,
    "types": [
        {"kind": "OBJECT", "name": "Query"},
        {"kind": "OBJECT", "name": "Mutation"},
        {"kind": "OBJECT", "name": "Book"},
        {"kind": "SCALAR", "name": "String"},
        {"kind": "OBJECT", "name": "__Schema"},
    ],
    "directives": [],
}


def graphql(req):
    """Answers known documents the way a GraphQL server would."""
    if req.method != "POST" or req.headers.get("content-type") != "application/json":
        return 400, {}, {"errors": [{"message": "POST application/json only"}]}
    doc = req.json()
    query, variables = doc["query"], doc.get("variables") or {}
    if "__schema" in query:
        assert doc["operationName"] == "IntrospectionQuery"
        return 200, {}, {"data": {"__schema": SCHEMA}}
    if "hello" in query:
        return 200, {}, {"data": {"hello": "world"}}
    if "book(" in query:
        return 200, {}, {"data": {"book": {"id": variables["id"], "title": "Dune"}}}
    if "addBook" in query:
        return 200, {}, {"data": {"addBook": {"title": variables["title"]}}}
    if "partial" in query:
        return (
            200,
            {},
            {
                "data": {"partial": {"a": 1, "b": None}},
                "errors": [{"message": "b failed", "path": ["partial", "b"]}],
            },
        )
    if "whoami" in query:
        return 200, {}, {"data": {"whoami": req.headers.get("authorization")}}
    if "{ op }" in query:
        return 200, {}, {"data": {"op": doc.get("operationName")}}
    errors = [{"message": f"Cannot query field #{n}"} for n in range(5)]
    return 400, {}, {"data": None, "errors": errors}


@pytest.fixture
def endpoint(server):
    server.route("/graphql", graphql)
    return server.url("/graphql")


def test_query(invoke, endpoint, server):
    r = invoke("graphql_query", endpoint=endpoint, query="{ hello }")
    assert r.success
    assert r.result["data"] == {"hello": "world"} and r.result["errors"] == []
    assert r.result["result"] == {"data": {"hello": "world"}}
    assert r.result["operation"] == "query" and r.result["endpoint"] == endpoint
    assert r.result["status_code"] == 200
    assert "hello" in r.text
    sent = server.requests[-1]
    assert sent.json() == {"query": "{ hello }"}
    assert "application/json" in sent.headers["accept"]


def test_variables_and_operation_name(invoke, endpoint, server):
    r = invoke(
        "graphql_query",
        endpoint=endpoint,
        query="query Get($id: ID!) { book(id: $id) { id title } }",
        variables={"id": "42"},
    )
    assert r.result["data"]["book"] == {"id": "42", "title": "Dune"}
    r = invoke(
        "graphql_query", url=endpoint, input="query A { op } query B { op }", operationName="B"
    )
    assert r.result["data"] == {"op": "B"}
    assert server.requests[-1].json()["operationName"] == "B"


def test_mutation(invoke, endpoint):
    r = invoke(
        "graphql_query",
        endpoint=endpoint,
        operation="mutation",
        query="mutation($title: String!) { addBook(title: $title) { title } }",
        variables={"title": "Emma"},
    )
    assert r.result["operation"] == "mutation"
    assert r.result["data"] == {"addBook": {"title": "Emma"}}


def test_errors_without_data_raise_with_the_first_messages(invoke, endpoint):
    with pytest.raises(ToolExecutionError) as caught:
        invoke("graphql_query", endpoint=endpoint, query="{ nope }")
    message = str(caught.value)
    assert "returned errors and no data" in message and "HTTP 400" in message
    assert "Cannot query field #0; Cannot query field #1; Cannot query field #2" in message
    assert "(and 2 more)" in message and "#3" not in message


def test_partial_data_is_a_success_listing_errors(invoke, endpoint):
    r = invoke("graphql_query", endpoint=endpoint, query="{ partial { a b } }")
    assert r.success
    assert r.result["data"] == {"partial": {"a": 1, "b": None}}
    assert r.result["errors"] == [{"message": "b failed", "path": ["partial", "b"]}]
    assert "1 error(s): b failed" in r.text


def test_introspection(invoke, endpoint):
    r = invoke("graphql_query", endpoint=endpoint, operation="introspect")
    assert r.result["types"] == ["Query", "Mutation", "Book", "String", "__Schema"]
    assert r.result["user_types"] == ["Query", "Mutation", "Book", "String"]
    assert r.result["query_type"] == "Query" and r.result["mutation_type"] == "Mutation"
    assert r.result["subscription_type"] is None
    assert r.result["schema"] == SCHEMA
    assert r.to_dict()["operation"] == "introspect"
    r = invoke("graphql_query", endpoint=endpoint, operation="introspection")
    assert "Book" in r.result["types"]


def test_auth_and_headers(invoke, endpoint, server):
    r = invoke(
        "graphql_query",
        endpoint=endpoint,
        query="{ whoami }",
        auth={"type": "bearer", "token": "gq"},
        headers={"X-Client": "spell"},
    )
    assert r.result["data"] == {"whoami": "Bearer gq"}
    assert server.requests[-1].headers["x-client"] == "spell"


def test_non_graphql_answers_raise(invoke, server):
    server.text("/broken", "Internal Server Error", status=500)
    server.json("/empty", {"hello": 1})
    with pytest.raises(ToolExecutionError, match="HTTP 500 with no GraphQL JSON"):
        invoke("graphql_query", endpoint=server.url("/broken"), query="{ hello }")
    with pytest.raises(ToolExecutionError, match="neither data nor errors"):
        invoke("graphql_query", endpoint=server.url("/empty"), query="{ hello }")


def test_parameter_errors(invoke, endpoint):
    with pytest.raises(ToolParameterError, match="needs 'query'"):
        invoke("graphql_query", endpoint=endpoint)
    with pytest.raises(ToolParameterError, match="WebSocket"):
        invoke("graphql_query", endpoint=endpoint, operation="subscription", query="subscription")


def test_privileged_and_host_checked(make_rt, make_web_rt, endpoint, server):
    with pytest.raises(SecurityError, match="privileged"):
        make_web_rt({"tools.max_security_level": "restricted"}).tools.invoke(
            "graphql_query", {"endpoint": endpoint, "query": "{ hello }"}
        )
    with pytest.raises(SecurityError, match="private or loopback"):
        make_rt().tools.invoke("graphql_query", {"endpoint": endpoint, "query": "{ hello }"})
    assert server.requests == []
