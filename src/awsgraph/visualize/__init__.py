"""The graph as a page: an overview grouped by account → region → VPC or service, expanded on click.

``collect`` reads the live graph (or a J1QL query's subgraph), ``payload`` turns it into the plain
data the page's script draws (the same data ``awsgraph serve`` sends to its graph views), and
``render_html`` writes one self-contained file: cytoscape.js and the page's script inline, the
data as an inert JSON block, no network.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import re
from importlib import resources
from typing import Any

from awsgraph.query import execute, parse, plan
from awsgraph.store.reads import GraphReads
from awsgraph.visualize.groups import build_layout, edge_label, entity_class, entity_label

VENDOR_JS = "cytoscape-3.35.0.min.js"
VENDOR_LICENSE = "cytoscape-LICENSE.txt"
PAGE = "graph_page.html"
DEFAULT_MAX_NODES = 50_000
MAX_VALUE = 400  # characters of one property value the page carries (policy action lists run to 40 kB)
MAX_EDGES_PER_NODE = 40  # on average: a bound on what one page carries, whatever the database holds
_MARKERS = re.compile(r"/\*LIBRARY\*/|/\*LICENSE\*/|/\*GRAPHJS\*/|/\*GRAPHCSS\*/|/\*DATA\*/|/\*PROPS\*/|\{\{TITLE\}\}"
                      r"|\{\{CSP\}\}")


@dataclasses.dataclass
class GraphData:
    vertices: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    truncated: bool = False
    # key -> (account, region) as the store filed the entity (global entities carry no region property)
    scopes: dict[str, tuple[str | None, str | None]] = dataclasses.field(default_factory=dict)


def collect(
    store: GraphReads, query: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> GraphData:
    """The whole live graph, or the subgraph a J1QL query matches (as ``RETURN TREE``), from an open store."""
    if query:
        parsed = parse(query)
        parsed = dataclasses.replace(parsed, tree=True, returns=None, limit=max(parsed.limit, max_nodes))
        tree = execute(store, plan(store, parsed), query)[0]
        vertices, edges = list(tree["vertices"]), list(tree["edges"])
        scopes = store.entity_scopes([v["_key"] for v in vertices[: max_nodes + 1]])
    else:
        vertices = []
        scopes = {}
        for key, account, region, props in store.live_entities(max_nodes + 1):
            vertices.append(props)
            scopes[key] = (account, region)
        edges = list(store.live_relationships(max_nodes * MAX_EDGES_PER_NODE))
    truncated = len(vertices) > max_nodes
    vertices = vertices[:max_nodes]
    keys = {v["_key"] for v in vertices}
    edges = [e for e in edges if e.get("_fromEntityKey") in keys and e.get("_toEntityKey") in keys]
    return GraphData(vertices, edges, truncated, scopes)


def note_for(data: GraphData) -> str:
    if data.truncated:
        return f"showing the first {len(data.vertices)} entities (capped), {len(data.edges)} relationships"
    return f"{len(data.vertices)} entities, {len(data.edges)} relationships"


def _shorten(value: Any) -> Any:
    text = value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else None
    if text is None or len(text) <= MAX_VALUE:
        return value
    return f"{text[:MAX_VALUE]}… ({len(text)} characters)"


def compact(props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with every long value cut short: the page is for looking, the database keeps it all."""
    return {k: _shorten(v) for k, v in props.items()}


_EDGE_ENDS = ("_fromEntityKey", "_toEntityKey", "_class", "displayName")


def _edge_props(edge: dict[str, Any]) -> dict[str, Any]:
    """A relationship's properties without what the edge list already says (its ends and verb)."""
    out = {k: v for k, v in edge.items() if k not in _EDGE_ENDS}
    default_key = f"{edge.get('_fromEntityKey')}|{str(edge.get('_class', '')).lower()}|{edge.get('_toEntityKey')}"
    if out.get("_key") == default_key:
        del out["_key"]
    return compact(out)


def payload(data: GraphData, title: str = "awsgraph", *, with_props: bool = True) -> dict[str, Any]:
    """What the page's script draws: groups, entities (by index), relationships (index pairs).

    ``with_props=False`` leaves the entities' properties out (the console fetches them on click).
    """
    layout = build_layout(
        (v, *data.scopes.get(v["_key"], (None, None))) for v in data.vertices
    )
    index = {v["_key"]: i for i, v in enumerate(data.vertices)}
    return {
        "v": 1,
        "title": title,
        "note": note_for(data),
        "truncated": data.truncated,
        "groups": [[g.label, g.kind, g.parent, g.count] for g in layout.groups],
        "nodes": [[v["_key"], entity_label(v), str(v.get("_type", "")), entity_class(v), layout.member_of[i],
                   layout.subtitles[i]] for i, v in enumerate(data.vertices)],
        "props": [compact({k: x for k, x in v.items() if k != "_key"}) for v in data.vertices] if with_props
        else None,
        "edges": [[index[e["_fromEntityKey"]], index[e["_toEntityKey"]], str(e.get("_class", "")), edge_label(e)]
                  for e in data.edges],
        "eprops": [_edge_props(e) for e in data.edges],
    }


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: ``</`` and ``<!--`` cannot end or confuse it."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def asset(*parts: str) -> str:
    return resources.files("awsgraph").joinpath("data", *parts).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def render_html(data: GraphData, title: str = "awsgraph") -> str:
    library = asset("vendor", VENDOR_JS).replace("</script", "<\\/script")
    graph_js = asset("web", "graph.js")
    graph_css = asset("web", "graph.css")
    page = payload(data, title)
    # The page's own script and style are allowed by hash: nothing else on it can run.
    csp = (f"default-src 'none'; script-src {_sha256(library)} {_sha256(graph_js)}; "
           f"style-src {_sha256(graph_css)}; img-src data:; base-uri 'none'; form-action 'none'")
    fills = {
        "/*LIBRARY*/": library,
        "/*LICENSE*/": asset("vendor", VENDOR_LICENSE).replace("--", "- -"),  # inside an HTML comment
        "/*GRAPHJS*/": graph_js,
        "/*GRAPHCSS*/": graph_css,
        # Properties are parsed on the first click, not before the first paint.
        "/*DATA*/": script_json({**page, "props": None, "eprops": None}),
        "/*PROPS*/": script_json({"props": page["props"], "eprops": page["eprops"]}),
        "{{TITLE}}": html.escape(title),
        "{{CSP}}": html.escape(csp),
    }
    # One pass, so text inside the library or the data is never taken for a placeholder.
    return _MARKERS.sub(lambda m: fills[m.group(0)], asset(PAGE))
