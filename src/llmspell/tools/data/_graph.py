"""The graph model behind graph-builder: a plain table {graph_type, nodes, edges, metadata},
checked and limited, with analysis and export through networkx (imported when used)."""

from __future__ import annotations

import itertools
import json
from typing import Any

from llmspell.tools.data._common import dumps, empty_to_list

MAX_NODES, MAX_EDGES, MAX_CENTRALITY_NODES = 10_000, 50_000, 500


def _node(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {"id": str(item)}
    if item.get("id") is None:
        raise ValueError(f"a node needs an 'id': {dumps(item, None)[:80]}")
    node = {"id": str(item["id"])}
    data = {
        **(item.get("data") or {}),
        **{k: v for k, v in item.items() if k not in ("id", "label", "data")},
    }
    node.update(
        {"label": item["label"]} if item.get("label") is not None else {},
        **({"data": data} if data else {}),
    )
    return node


def _edge(item: Any) -> dict[str, Any]:
    if isinstance(item, list) and len(item) in (2, 3):
        item = {"from": item[0], "to": item[1], "weight": item[2] if len(item) == 3 else None}
    if not isinstance(item, dict):
        raise ValueError(
            f"an edge is {{from, to, weight}} or [from, to, weight], got {dumps(item, None)[:80]}"
        )
    start, end = item.get("from", item.get("source")), item.get("to", item.get("target"))
    if start is None or end is None:
        raise ValueError(f"an edge needs 'from' and 'to': {dumps(item, None)[:80]}")
    edge: dict[str, Any] = {"from": str(start), "to": str(end)}
    for key in ("weight", "label", "data"):
        if item.get(key) is not None:
            edge[key] = _number(item[key]) if key == "weight" else item[key]
    return edge


def _number(value: Any) -> float | int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"an edge weight must be a number, got {value!r}") from None


def make_graph(
    directed: bool, nodes: list[Any], edges: list[Any], *, add_missing: bool
) -> dict[str, Any]:
    graph: dict[str, Any] = {
        "graph_type": "directed" if directed else "undirected",
        "nodes": [],
        "edges": [],
    }
    ids: set[str] = set()
    for node in map(_node, nodes):
        if node["id"] in ids:
            raise ValueError(f"node {node['id']!r} appears twice")
        ids.add(node["id"])
        graph["nodes"].append(node)
    seen: set[tuple[str, ...]] = set()
    for edge in map(_edge, edges):
        for end in (edge["from"], edge["to"]):
            if end not in ids and not add_missing:
                raise ValueError(
                    f"edge {edge['from']!r} -> {edge['to']!r}: node {end!r} does not exist"
                )
            if end not in ids:
                ids.add(end)
                graph["nodes"].append({"id": end})
        key = _key(graph, edge["from"], edge["to"])
        if key in seen:
            raise ValueError(f"edge {edge['from']!r} -> {edge['to']!r} already exists")
        seen.add(key)
        graph["edges"].append(edge)
    return _checked(graph)


def _key(graph: dict[str, Any], start: str, end: str) -> tuple[str, ...]:
    return (start, end) if graph["graph_type"] == "directed" else tuple(sorted((start, end)))


def _checked(graph: dict[str, Any]) -> dict[str, Any]:
    if len(graph["nodes"]) > MAX_NODES or len(graph["edges"]) > MAX_EDGES:
        raise ValueError(f"a graph may have at most {MAX_NODES:,} nodes and {MAX_EDGES:,} edges")
    graph["metadata"] = {"node_count": len(graph["nodes"]), "edge_count": len(graph["edges"])}
    return graph


def load_graph(value: Any) -> dict[str, Any]:
    """Our format ({graph_type, nodes, edges}) or networkx node-link ({directed, nodes, links})."""
    if not isinstance(value, dict) or not isinstance(value.get("nodes", []), list | dict):
        raise ValueError(
            "'graph' must be a graph table {graph_type, nodes, edges} (or its JSON text)"
        )
    kind = value.get("graph_type", "directed" if value.get("directed", True) else "undirected")
    if kind not in ("directed", "undirected"):
        raise ValueError(f"graph_type must be directed or undirected, got {kind!r}")
    edges = value.get("edges", value.get("links")) or []
    return make_graph(
        kind == "directed",
        empty_to_list(value.get("nodes") or []),
        empty_to_list(edges),
        add_missing=False,
    )


def to_networkx(graph: dict[str, Any]) -> Any:
    import networkx as nx

    made = nx.DiGraph() if graph["graph_type"] == "directed" else nx.Graph()
    for node in graph["nodes"]:
        made.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in graph["edges"]:
        made.add_edge(
            edge["from"], edge["to"], **{k: v for k, v in edge.items() if k not in ("from", "to")}
        )
    return made


def analyze(
    graph: dict[str, Any],
    *,
    centrality: bool = True,
    max_cycles: int = 100,
    source: Any = None,
    target: Any = None,
) -> dict[str, Any]:
    """Counts, degrees, density, components, cycles, topological order, centrality and, given
    source and target, the shortest path."""
    import networkx as nx

    g = to_networkx(graph)
    directed, n = g.is_directed(), g.number_of_nodes()
    degrees = dict(g.degree())
    values = list(degrees.values()) or [0]
    components = nx.weakly_connected_components(g) if directed else nx.connected_components(g)
    components = sorted((sorted(c) for c in components), key=len, reverse=True) if n else []
    is_dag = directed and nx.is_directed_acyclic_graph(g)
    if directed:
        found = itertools.islice(nx.simple_cycles(g), max_cycles)
    else:
        found = iter(nx.cycle_basis(g)[:max_cycles])
    # networkx's order depends on hashing; start each cycle at its smallest node, then sort
    cycles = sorted(
        (c[c.index(min(c)) :] + c[: c.index(min(c))] for c in found), key=lambda c: (len(c), c)
    )
    result: dict[str, Any] = {
        "node_count": n,
        "edge_count": g.number_of_edges(),
        "graph_type": graph["graph_type"],
        "density": nx.density(g) if n > 1 else 0.0,
        "degree_statistics": {
            "max_degree": max(values),
            "min_degree": min(values),
            "average_degree": sum(values) / max(n, 1),
        },
        "degrees": degrees,
        "properties": {
            "is_empty": n == 0,
            "is_complete": n > 1 and nx.density(g) == 1.0,
            "has_self_loops": nx.number_of_selfloops(g) > 0,
            "is_connected": len(components) == 1,
            "is_dag": is_dag,
            "has_cycles": bool(cycles) or nx.number_of_selfloops(g) > 0,
        },
        "connected_components": components,
        "component_count": len(components),
        "cycles": cycles,
        "topological_sort": list(nx.topological_sort(g)) if is_dag else None,
        "node_ids": [node["id"] for node in graph["nodes"]],
    }
    if directed:
        result["in_degrees"], result["out_degrees"] = dict(g.in_degree()), dict(g.out_degree())
    if centrality and n:
        central: dict[str, Any] = {
            "degree": nx.degree_centrality(g) if n > 1 else {k: 0.0 for k in g}
        }
        if n <= MAX_CENTRALITY_NODES:
            central["betweenness"] = nx.betweenness_centrality(g)
            central["closeness"] = nx.closeness_centrality(g)
        result["centrality"] = central
    if source is not None and target is not None:
        result["shortest_path"] = shortest_path(graph, str(source), str(target))
    return result


def shortest_path(graph: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    import networkx as nx

    g = to_networkx(graph)
    for end in (source, target):
        if end not in g:
            raise ValueError(f"node {end!r} is not in the graph")
    weighted = any("weight" in e for e in graph["edges"])
    try:
        path = nx.shortest_path(g, source, target, weight="weight" if weighted else None)
    except nx.NetworkXNoPath:
        return {
            "source": source,
            "target": target,
            "reachable": False,
            "path": None,
            "length": None,
            "distance": None,
        }
    distance = sum(g.edges[u, v].get("weight", 1) for u, v in itertools.pairwise(path))
    return {
        "source": source,
        "target": target,
        "reachable": True,
        "path": path,
        "length": len(path) - 1,
        "distance": distance,
    }


def export(graph: dict[str, Any], fmt: str) -> tuple[str, Any]:
    if fmt == "json":
        return dumps(graph), graph
    if fmt == "adjacency":
        adjacency: dict[str, list[str]] = {node["id"]: [] for node in graph["nodes"]}
        for edge in graph["edges"]:
            adjacency[edge["from"]].append(edge["to"])
            if graph["graph_type"] == "undirected" and edge["from"] != edge["to"]:
                adjacency[edge["to"]].append(edge["from"])
        return "\n".join(f"{k}: {' '.join(v)}".rstrip() for k, v in adjacency.items()), adjacency
    if fmt == "dot":
        arrow, kind = ("->", "digraph") if graph["graph_type"] == "directed" else ("--", "graph")
        lines = [f"{kind} G {{"]
        lines += [f"  {_dot(n['id'])}{_dot_attrs(n)};" for n in graph["nodes"]]
        lines += [
            f"  {_dot(e['from'])} {arrow} {_dot(e['to'])}{_dot_attrs(e)};" for e in graph["edges"]
        ]
        text = "\n".join([*lines, "}"])
        return text, text
    import networkx as nx

    g = to_networkx(graph)
    for _, attrs in [*g.nodes(data=True), *((None, d) for *_, d in g.edges(data=True))]:
        for key, value in attrs.items():
            if not isinstance(value, str | int | float | bool):
                attrs[key] = json.dumps(value, ensure_ascii=False, default=str)
    text = "\n".join(nx.generate_graphml(g))
    return text, text


def _dot(text: Any) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _dot_attrs(item: dict[str, Any]) -> str:
    attrs = [f"{k}={_dot(item[k])}" for k in ("label", "weight") if item.get(k) is not None]
    return f" [{', '.join(attrs)}]" if attrs else ""
