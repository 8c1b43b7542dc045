"""One self-contained HTML page showing the graph (cytoscape.js bundled inline, no network)."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import sqlite3
from importlib import resources
from typing import Any

from awsgraph.query import execute, parse, plan

VENDOR_JS = "cytoscape-3.35.0.min.js"
VENDOR_LICENSE = "cytoscape-LICENSE.txt"
PAGE = "graph_page.html"
DEFAULT_MAX_NODES = 3000
_MARKERS = re.compile(r"/\*LIBRARY\*/|/\*LICENSE\*/|/\*ELEMENTS\*/|\{\{TITLE\}\}|\{\{NOTE\}\}")


@dataclasses.dataclass
class GraphData:
    vertices: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    truncated: bool = False


def collect(
    conn: sqlite3.Connection, query: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> GraphData:
    """The whole live graph, or the subgraph a J1QL query matches (as ``RETURN TREE``)."""
    if query:
        parsed = parse(query)
        parsed = dataclasses.replace(parsed, tree=True, returns=None, limit=max(parsed.limit, max_nodes))
        tree = execute(conn, plan(conn, parsed), query)[0]
        vertices, edges = list(tree["vertices"]), list(tree["edges"])
    else:
        vertices = [json.loads(p) for (p,) in conn.execute(
            "SELECT props FROM entities WHERE deleted_run IS NULL ORDER BY key LIMIT ?", (max_nodes + 1,))]
        edges = [json.loads(p) for (p,) in conn.execute(
            "SELECT props FROM relationships WHERE deleted_run IS NULL ORDER BY key")]
    truncated = len(vertices) > max_nodes
    vertices = vertices[:max_nodes]
    keys = {v["_key"] for v in vertices}
    edges = [e for e in edges if e.get("_fromEntityKey") in keys and e.get("_toEntityKey") in keys]
    return GraphData(vertices, edges, truncated)


def _elements(data: GraphData) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for v in data.vertices:
        classes = v.get("_class") or []
        cls = classes[0] if isinstance(classes, list) and classes else str(classes or v.get("_type"))
        label = v.get("displayName") or v.get("name") or v["_key"]
        out.append({"group": "nodes", "data": {"id": v["_key"], "label": str(label), "cls": cls,
                                               "type": v.get("_type", ""), "props": v}})
    for e in data.edges:
        out.append({"group": "edges", "data": {"id": e["_key"], "source": e["_fromEntityKey"],
                                               "target": e["_toEntityKey"], "label": e.get("_class", ""),
                                               "props": e}})
    return out


def _script_json(value: Any) -> str:
    # Inside <script>, "</" would end the element early.
    return json.dumps(value, sort_keys=True).replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(data: GraphData, title: str = "awsgraph") -> str:
    data_dir = resources.files("awsgraph").joinpath("data")
    library = data_dir.joinpath("vendor", VENDOR_JS).read_text(encoding="utf-8")
    licence = data_dir.joinpath("vendor", VENDOR_LICENSE).read_text(encoding="utf-8")
    page = data_dir.joinpath(PAGE).read_text(encoding="utf-8")
    note = (f"showing the first {len(data.vertices)} entities" if data.truncated
            else f"{len(data.vertices)} entities, {len(data.edges)} relationships")
    fills = {
        "/*LIBRARY*/": library.replace("</script", "<\\/script"),
        "/*LICENSE*/": licence.replace("*/", "* /"),
        "/*ELEMENTS*/": _script_json(_elements(data)),
        "{{TITLE}}": html.escape(title),
        "{{NOTE}}": html.escape(note),
    }
    # One pass, so text inside the library or the data is never taken for a placeholder.
    return _MARKERS.sub(lambda m: fills[m.group(0)], page)
