"""graphql_query: run a GraphQL query or mutation over HTTP POST, or introspect the schema."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.web.http_common import (
    Auth,
    Prepared,
    apply_auth,
    check_request_size,
    client,
    has_header,
    json_bytes,
    parse_json,
    send,
    text_value,
)
from llmspell.tools.web.http_request import NETWORK_NOTES

#: graphql-js `getIntrospectionQuery()` (descriptions on, no deprecated args)
INTROSPECTION_QUERY = """
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"""
_SHOWN_ERRORS = 3


class Params(ToolParams):
    endpoint: str = Field(
        validation_alias=AliasChoices("endpoint", "url"), description="the GraphQL endpoint URL"
    )
    query: str | None = Field(
        None,
        validation_alias=AliasChoices("query", "input", "document", "mutation"),
        description="the GraphQL document (query or mutation); not needed for introspect",
    )
    operation: Literal["query", "mutation", "introspect", "introspection", "subscription"] = Field(
        "query",
        description="query or mutation: send `query`; introspect: send the standard "
        "introspection query and list the schema's types; subscription: not supported over "
        "HTTP",
    )
    variables: dict[str, Any] | None = Field(None, description="the operation's variables")
    operation_name: str | None = Field(
        None,
        validation_alias=AliasChoices("operation_name", "operationName"),
        description="which operation of the document to run",
    )
    headers: dict[str, Any] = Field(default_factory=dict, description="request headers")
    auth: Auth | None = Field(
        None,
        description="{type='bearer', token} | {type='basic', username, password} | "
        "{type='api_key', key, header='X-API-Key' | in='query', name} | "
        "{type='custom', headers} | {type='none'}",
    )
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("timeout_seconds", "timeout"),
        description="per-request timeout; capped by `tools.http_request.timeout_seconds`",
    )
    retries: int = Field(
        0,
        ge=0,
        le=10,
        validation_alias=AliasChoices("retries", "max_retries"),
        description="retries on connection errors, timeouts, 429 and 502-504 (POST: default 0)",
    )


def _messages(errors: list[Any]) -> str:
    shown = [
        str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors[:_SHOWN_ERRORS]
    ]
    more = len(errors) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more > 0 else "")


def _schema_summary(data: Any) -> dict[str, Any]:
    schema = data.get("__schema") if isinstance(data, dict) else None
    if not isinstance(schema, dict):
        raise ToolExecutionError(
            "the introspection answer has no data.__schema; the endpoint may have "
            "introspection turned off"
        )

    def root(key: str) -> str | None:
        value = schema.get(key)
        return value.get("name") if isinstance(value, dict) else None

    types = [t.get("name") for t in schema.get("types") or [] if isinstance(t, dict)]
    return {
        "types": [t for t in types if t],
        "user_types": [t for t in types if t and not t.startswith("__")],
        "query_type": root("queryType"),
        "mutation_type": root("mutationType"),
        "subscription_type": root("subscriptionType"),
        "schema": schema,
    }


class GraphqlQuery(Tool[Params]):
    name = "graphql_query"
    category = "api"
    description = (
        "Run a GraphQL query or mutation (with variables and operation name) against an "
        "endpoint over HTTP POST, surfacing GraphQL errors; or introspect its schema."
    )
    security_level = "privileged"
    tags = ("graphql", "api", "query", "mutation", "introspection")
    Params = Params
    result_keys = {
        "query/mutation": "operation, endpoint, data, errors (GraphQL errors; [] when none), "
        "extensions, result (the whole GraphQL response), status_code, elapsed_ms",
        "introspect": "the keys above plus types (every type name), user_types (without __ "
        "types), query_type, mutation_type, subscription_type, schema (data.__schema)",
    }
    security_notes = (
        NETWORK_NOTES + " GraphQL errors with no data raise, quoting the first messages; "
        "errors with partial data are a success listing `errors`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        operation = "introspect" if params.operation == "introspection" else params.operation
        if operation == "subscription":
            raise ToolParameterError(
                "graphql_query: subscriptions need a WebSocket connection and are not "
                "supported; use operation 'query' or 'mutation'"
            )
        query, name = params.query, params.operation_name
        if operation == "introspect":
            query, name = INTROSPECTION_QUERY, "IntrospectionQuery"
        if not query or not query.strip():
            raise ToolParameterError(
                f"graphql_query: operation {operation!r} needs 'query' (the GraphQL document)"
            )
        payload: dict[str, Any] = {"query": query}
        if params.variables:
            payload["variables"] = params.variables
        if name:
            payload["operationName"] = name
        prepared = Prepared(
            method="POST",
            url=params.endpoint.strip(),
            headers={str(k): text_value(v) for k, v in params.headers.items()},
            content=json_bytes(payload),
        )
        check_request_size(len(prepared.content or b""), ctx)
        for header, value in (
            ("Content-Type", "application/json"),
            ("Accept", "application/graphql-response+json, application/json"),
        ):
            if not has_header(prepared.headers, header.lower()):
                prepared.headers[header] = value
        apply_auth(prepared, params.auth)
        with client(ctx, timeout_seconds=params.timeout_seconds) as http:
            response = send(http, prepared, retries=params.retries)
        is_json, body = parse_json(response)
        where = f"the GraphQL endpoint {prepared.url}"
        if not is_json or not isinstance(body, dict):
            snippet = response.text.strip()[:200] or "(empty body)"
            raise ToolExecutionError(
                f"{where} answered HTTP {response.status_code} with no GraphQL JSON response: "
                f"{snippet}"
            )
        data = body.get("data")
        errors = body.get("errors") or []
        if not isinstance(errors, list):
            errors = [errors]
        if errors and data is None:
            raise ToolExecutionError(
                f"{where} returned errors and no data (HTTP {response.status_code}): "
                f"{_messages(errors)}"
            )
        if "data" not in body:
            raise ToolExecutionError(
                f"{where} answered HTTP {response.status_code} with neither data nor errors"
            )
        result: dict[str, Any] = {
            "operation": operation,
            "endpoint": prepared.url,
            "data": data,
            "errors": errors,
            "extensions": body.get("extensions"),
            "result": body,
            "status_code": response.status_code,
            "elapsed_ms": response.elapsed_ms,
        }
        if operation == "introspect":
            result.update(_schema_summary(data))
            text = f"introspected {prepared.url}: {len(result['user_types'])} types"
        else:
            fields = list(data) if isinstance(data, dict) else []
            text = f"{operation} {prepared.url} -> data ({', '.join(fields) or 'empty'})"
        if errors:
            text += f" with {len(errors)} error(s): {_messages(errors)}"
        return ToolResult.ok(text, result, operation=operation)
