"""graph-builder: build graphs from nodes and edges, analyse them with networkx, and export or
import them. Stateless: the graph travels in and out as a table (or JSON text)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.data._common import (
    SIZE_KEY,
    check_text_size,
    dumps,
    empty_to_list,
    json_value,
    read_text,
)
from llmspell.tools.data._graph import (
    MAX_CENTRALITY_NODES,
    MAX_EDGES,
    MAX_NODES,
    _key,
    _node,
    analyze,
    export,
    load_graph,
    make_graph,
    shortest_path,
)

Items = Annotated[list[Any] | None, BeforeValidator(empty_to_list)]
NodeId = str | int | float


class Params(ToolParams):
    operation: Literal[
        "create_graph",
        "build",
        "add_node",
        "add_edge",
        "remove_node",
        "remove_edge",
        "analyze",
        "shortest_path",
        "export",
        "export_json",
        "import_json",
        "import",
    ] = Field(
        "create_graph",
        description="what to do; every operation but create_graph/build/import takes 'graph'",
    )
    graph: Any = Field(
        None,
        description="the graph: a table or JSON text from an earlier call (also: input)",
        validation_alias=AliasChoices("graph", "input"),
    )
    path: str | None = Field(
        None,
        description="import: read the graph JSON from this file (also: file)",
        validation_alias=AliasChoices("path", "file"),
    )
    graph_type: Literal["directed", "undirected"] | None = Field(
        None, description="create: directed (default) or undirected"
    )
    directed: bool | None = Field(None, description="create: same as graph_type")
    nodes: Items = Field(None, description="create/build: node ids or {id, label, data, ...}")
    edges: Items = Field(
        None, description="create/build: {from, to, weight, label, data} or {from, to, weight}"
    )
    node_id: NodeId | None = Field(
        None,
        description="add_node/remove_node: the node (also: id, node)",
        validation_alias=AliasChoices("node_id", "id", "node"),
    )
    label: str | None = Field(None, description="add_node/add_edge: a label")
    data: dict[str, Any] | None = Field(
        None,
        description="add_node/add_edge: attributes (also: attributes)",
        validation_alias=AliasChoices("data", "attributes"),
    )
    source: NodeId | None = Field(
        None,
        description="add_edge/remove_edge/shortest_path: start node (also: source)",
        validation_alias=AliasChoices("from", "source"),
    )
    target: NodeId | None = Field(
        None,
        description="add_edge/remove_edge/shortest_path: end node (also: target)",
        validation_alias=AliasChoices("to", "target"),
    )
    weight: float | None = Field(
        None, description="add_edge: the edge weight (shortest paths use it)"
    )
    format: Literal["json", "graphml", "dot", "adjacency"] = Field(
        "json", description="export format"
    )
    centrality: bool = Field(
        True,
        description="analyze: compute centrality (betweenness and closeness up to "
        f"{MAX_CENTRALITY_NODES} nodes)",
    )
    max_cycles: int = Field(100, ge=0, le=10_000, description="analyze: cycles listed at most")


class GraphBuilder(Tool[Params]):
    name = "graph-builder"
    category = "data"
    description = (
        "Build graphs from nodes and edges, analyse them (components, paths, cycles, "
        "centrality) and export them."
    )
    tags = ("graph", "network", "networkx", "data")
    Params = Params
    example = {"operation": "build", "nodes": ["a", "b", "c"], "edges": [["a", "b"], ["b", "c"]]}
    result_keys = {
        "create_graph/build/add_*/remove_*/import_json": "the graph: graph_type, "
        "nodes[{id, label, data}], edges[{from, to, weight, label, data}], "
        "metadata{node_count, edge_count}",
        "analyze": "node_count, edge_count, graph_type, density, degree_statistics, degrees, "
        "properties{is_empty, is_complete, has_self_loops, is_connected, is_dag, has_cycles}, "
        "connected_components, component_count, cycles, topological_sort, centrality, node_ids",
        "shortest_path": "source, target, reachable, path, length, distance",
        "export": "format, content, node_count, edge_count (json: also json)",
    }
    security_notes = (
        f"Pure computation, at most {MAX_NODES:,} nodes and {MAX_EDGES:,} edges; graph JSON at "
        "most `tools.file_operations.max_file_size` bytes, read from files only inside "
        "`tools.file_operations.allowed_paths`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = {"build": "create_graph", "export_json": "export", "import": "import_json"}.get(
            params.operation, params.operation
        )
        if op == "create_graph":
            directed = (
                params.graph_type != "undirected" if params.directed is None else params.directed
            )
            return self._graph(
                make_graph(directed, params.nodes or [], params.edges or [], add_missing=True), op
            )
        graph = self._input(params, ctx)
        if op == "import_json":
            return self._graph(graph, op)
        if op == "add_node":
            if params.node_id is None:
                raise ValueError("add_node needs 'node_id'")
            node = _node({"id": params.node_id, "label": params.label, "data": params.data})
            if node["id"] in {n["id"] for n in graph["nodes"]}:
                raise ValueError(f"node {node['id']!r} already exists")
            return self._graph(
                make_graph(
                    graph["graph_type"] == "directed",
                    [*graph["nodes"], node],
                    graph["edges"],
                    add_missing=False,
                ),
                op,
            )
        if op == "add_edge":
            edge = {
                "from": params.source,
                "to": params.target,
                "weight": params.weight,
                "label": params.label,
                "data": params.data,
            }
            return self._graph(
                make_graph(
                    graph["graph_type"] == "directed",
                    graph["nodes"],
                    [*graph["edges"], edge],
                    add_missing=False,
                ),
                op,
            )
        if op in ("remove_node", "remove_edge"):
            return self._graph(self._remove(graph, params, op), op)
        if op == "analyze":
            result = analyze(
                graph,
                centrality=params.centrality,
                max_cycles=params.max_cycles,
                source=params.source,
                target=params.target,
            )
            text = (
                f"{result['graph_type']} graph: {result['node_count']} nodes, "
                f"{result['edge_count']} edges, "
                f"density {result['density']:.3f}, {result['component_count']} component(s), "
                f"{'acyclic' if not result['properties']['has_cycles'] else 'has cycles'}"
            )
            return ToolResult.ok(text, result, operation=op)
        if op == "shortest_path":
            if params.source is None or params.target is None:
                raise ValueError("shortest_path needs 'from' (or 'source') and 'to' (or 'target')")
            result = shortest_path(graph, str(params.source), str(params.target))
            text = (
                " -> ".join(result["path"])
                if result["reachable"]
                else f"no path from {result['source']!r} to {result['target']!r}"
            )
            return ToolResult.ok(text, result, operation=op)
        text, content = export(graph, params.format)
        result = {"format": params.format, "content": content, **graph["metadata"]}
        if params.format == "json":
            result["json"] = text
        return ToolResult.ok(text, result, operation=op)

    @staticmethod
    def _graph(graph: dict[str, Any], op: str) -> ToolResult:
        return ToolResult.ok(dumps(graph), graph, operation=op)

    @staticmethod
    def _input(params: Params, ctx: ToolContext) -> dict[str, Any]:
        limit, depth = ctx.config.file_operations.max_file_size, ctx.config.data.max_json_depth
        if params.path is not None:
            value: Any = read_text(ctx, params.path)
        elif params.graph is not None:
            value = params.graph
        else:
            raise ValueError(
                f"{params.operation} needs 'graph' (a table or JSON text from create_graph)"
            )
        if isinstance(value, str):
            check_text_size(value, limit, SIZE_KEY, "the graph JSON")
        return load_graph(json_value(value, "graph", depth, strict=True))

    @staticmethod
    def _remove(graph: dict[str, Any], params: Params, op: str) -> dict[str, Any]:
        directed = graph["graph_type"] == "directed"
        if op == "remove_node":
            if params.node_id is None:
                raise ValueError("remove_node needs 'node_id'")
            gone = str(params.node_id)
            if gone not in {n["id"] for n in graph["nodes"]}:
                raise ValueError(f"node {gone!r} is not in the graph")
            nodes = [n for n in graph["nodes"] if n["id"] != gone]
            edges = [e for e in graph["edges"] if gone not in (e["from"], e["to"])]
            return make_graph(directed, nodes, edges, add_missing=False)
        if params.source is None or params.target is None:
            raise ValueError("remove_edge needs 'from' and 'to'")
        key = _key(graph, str(params.source), str(params.target))
        edges = [e for e in graph["edges"] if _key(graph, e["from"], e["to"]) != key]
        if len(edges) == len(graph["edges"]):
            raise ValueError(
                f"edge {str(params.source)!r} -> {str(params.target)!r} is not in the graph"
            )
        return make_graph(directed, graph["nodes"], edges, add_missing=False)
