"""graph-builder: stateless graphs passed in and out as tables; analysis, paths and exports."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

ROADS = {
    "operation": "build",
    "nodes": ["a", "b", "c", "d", {"id": "e", "label": "island", "kind": "isle"}],
    "edges": [
        ["a", "b", 1],
        ["b", "c", 1],
        ["a", "c", 5],
        {"from": "c", "to": "d", "label": "bridge"},
    ],
}


def graph(rt, **params):
    return rt.tools.invoke("graph-builder", params)


def test_build_step_by_step_like_the_original(rt):
    g = graph(rt, operation="create_graph", graph_type="undirected").result
    assert g == {
        "graph_type": "undirected",
        "nodes": [],
        "edges": [],
        "metadata": {"node_count": 0, "edge_count": 0},
    }
    g = graph(rt, operation="add_node", graph=g, node_id="a", label="A", data={"x": 1}).result
    g = graph(
        rt, operation="add_node", graph=json.dumps(g), node_id="b"
    ).result  # JSON text works too
    added = graph(rt, operation="add_edge", graph=g, **{"from": "a", "to": "b"}, weight=2)
    assert added.result["nodes"] == [{"id": "a", "label": "A", "data": {"x": 1}}, {"id": "b"}]
    assert added.result["edges"] == [{"from": "a", "to": "b", "weight": 2}]
    assert added.result["metadata"] == {"node_count": 2, "edge_count": 1}
    assert json.loads(added.text) == added.result and added.extra["operation"] == "add_edge"
    g = added.result
    with pytest.raises(ToolExecutionError, match=r"node 'a' already exists"):
        graph(rt, operation="add_node", graph=g, node_id="a")
    with pytest.raises(ToolExecutionError, match=r"node 'zz' does not exist"):
        graph(rt, operation="add_edge", graph=g, source="a", target="zz")
    with pytest.raises(ToolExecutionError, match=r"edge 'b' -> 'a' already exists"):
        graph(rt, operation="add_edge", graph=g, source="b", target="a")  # undirected
    smaller = graph(rt, operation="remove_edge", graph=g, source="b", target="a").result
    assert smaller["edges"] == []
    assert graph(rt, operation="remove_node", graph=g, node_id="a").result["nodes"] == [{"id": "b"}]


def test_build_in_one_call_adds_nodes_named_by_edges(rt):
    g = graph(rt, operation="build", nodes=["a"], edges=[["a", "b"], ["b", "c"]]).result
    assert [n["id"] for n in g["nodes"]] == ["a", "b", "c"] and g["graph_type"] == "directed"


def test_analyze(rt):
    g = graph(rt, **ROADS).result
    assert g["nodes"][4] == {"id": "e", "label": "island", "data": {"kind": "isle"}}
    analysis = graph(rt, operation="analyze", graph=g, source="a", target="d")
    r = analysis.result
    assert (r["node_count"], r["edge_count"], r["graph_type"]) == (5, 4, "directed")
    assert r["density"] == pytest.approx(0.2)
    assert r["degrees"] == {"a": 2, "b": 2, "c": 3, "d": 1, "e": 0}
    assert r["in_degrees"]["c"] == 2 and r["out_degrees"]["a"] == 2
    assert r["degree_statistics"] == {"max_degree": 3, "min_degree": 0, "average_degree": 1.6}
    assert r["connected_components"] == [["a", "b", "c", "d"], ["e"]] and r["component_count"] == 2
    assert r["properties"] == {
        "is_empty": False,
        "is_complete": False,
        "has_self_loops": False,
        "is_connected": False,
        "is_dag": True,
        "has_cycles": False,
    }
    assert r["topological_sort"].index("a") < r["topological_sort"].index("c")
    assert r["cycles"] == []
    assert r["centrality"]["betweenness"]["c"] > 0
    assert r["shortest_path"]["path"] == ["a", "b", "c", "d"]
    assert analysis.text.startswith(
        "directed graph: 5 nodes, 4 edges, density 0.200, 2 component(s)"
    )


def test_cycles(rt):
    loop = graph(rt, operation="build", edges=[["a", "b"], ["b", "c"], ["c", "a"]]).result
    r = graph(rt, operation="analyze", graph=loop).result
    assert r["cycles"] == [["a", "b", "c"]] and r["properties"]["is_dag"] is False
    assert r["topological_sort"] is None and r["properties"]["has_cycles"] is True
    ring = graph(
        rt, operation="build", graph_type="undirected", edges=[["a", "b"], ["b", "c"], ["c", "a"]]
    ).result
    assert len(graph(rt, operation="analyze", graph=ring).result["cycles"]) == 1


def test_shortest_path_uses_weights(rt):
    g = graph(rt, **ROADS).result
    path = graph(rt, operation="shortest_path", graph=g, source="a", target="c")
    assert path.result == {
        "source": "a",
        "target": "c",
        "reachable": True,
        "path": ["a", "b", "c"],
        "length": 2,
        "distance": 2,
    }
    assert path.text == "a -> b -> c"
    none = graph(rt, operation="shortest_path", graph=g, source="d", target="a").result
    assert none["reachable"] is False and none["path"] is None
    with pytest.raises(ToolExecutionError, match=r"node 'q' is not in the graph"):
        graph(rt, operation="shortest_path", graph=g, source="a", target="q")


def test_exports(rt):
    g = graph(rt, **ROADS).result
    as_json = graph(rt, operation="export_json", graph=g).result
    assert json.loads(as_json["json"]) == g and as_json["format"] == "json"
    assert (as_json["node_count"], as_json["edge_count"]) == (5, 4)
    dot = graph(rt, operation="export", graph=g, format="dot").text
    assert dot.startswith("digraph G {") and '"c" -> "d" [label="bridge"];' in dot
    adjacency = graph(rt, operation="export", graph=g, format="adjacency")
    assert adjacency.result["content"] == {
        "a": ["b", "c"],
        "b": ["c"],
        "c": ["d"],
        "d": [],
        "e": [],
    }
    assert adjacency.text.splitlines()[0] == "a: b c"
    graphml = graph(rt, operation="export", graph=g, format="graphml").text
    root = ET.fromstring(graphml)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == 5 and len(root.findall(".//g:edge", ns)) == 4


def test_import_json_from_text_tables_and_files(rt, work, outside):
    node_link = {
        "directed": False,
        "nodes": [{"id": 1}, {"id": 2}],
        "links": [{"source": 1, "target": 2}],
    }
    imported = graph(rt, operation="import_json", input=json.dumps(node_link)).result
    assert imported["graph_type"] == "undirected" and imported["edges"] == [
        {"from": "1", "to": "2"}
    ]
    (work / "g.json").write_text(json.dumps(graph(rt, **ROADS).result))
    assert graph(rt, operation="import", path="g.json").result["metadata"]["node_count"] == 5
    (outside / "g.json").write_text("{}")
    with pytest.raises(PathNotAllowed):
        graph(rt, operation="import_json", path=str(work / ".." / "outside" / "g.json"))
    os.symlink(outside / "g.json", work / "link.json")
    with pytest.raises(PathNotAllowed):
        graph(rt, operation="analyze", path=str(work / "link.json"))


def test_bad_graphs_and_limits(rt):
    with pytest.raises(ToolExecutionError, match=r"graph is not valid JSON"):
        graph(rt, operation="analyze", graph="{nope")
    with pytest.raises(ToolExecutionError, match=r"graph_type must be directed or undirected"):
        graph(rt, operation="analyze", graph={"graph_type": "weird"})
    with pytest.raises(ToolExecutionError, match=r"analyze needs 'graph'"):
        graph(rt, operation="analyze")
    with pytest.raises(ToolExecutionError, match=r"an edge needs 'from' and 'to'"):
        graph(rt, operation="build", edges=[{"from": "a"}])
    with pytest.raises(ToolExecutionError, match=r"at most 10,000 nodes"):
        graph(rt, operation="build", nodes=list(range(10_001)))


def test_bad_parameter_types(rt):
    with pytest.raises(ToolParameterError, match=r"parameter 'graph_type'"):
        graph(rt, operation="create_graph", graph_type="circular")
    with pytest.raises(ToolParameterError, match=r"parameter 'weight'"):
        graph(rt, operation="add_edge", graph={}, weight="heavy")
    with pytest.raises(ToolParameterError, match=r"parameter 'nodes'"):
        graph(rt, operation="build", nodes="a,b")


def test_from_lua(rt):
    values = rt.run_code(
        """
        local function call(params) return Tool.invoke("graph-builder", params).result end
        local g = call({operation = "create_graph", graph_type = "directed"})
        g = call({operation = "add_node", graph = g, node_id = "start"})
        g = call({operation = "add_node", graph = g, node_id = "end"})
        g = call({operation = "add_edge", graph = g, from = "start", to = "end"})
        local a = Tool.invoke("graph_builder", {operation = "analyze", graph = g})
        return a.result.node_count, a.result.edge_count, a.result.topological_sort[1],
          a.result.properties.is_dag, a.operation
        """
    )
    assert values == [2, 1, "start", True, "analyze"]
