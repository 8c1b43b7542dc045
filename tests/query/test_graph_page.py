"""The `visualize` page in Debian's Chromium (Playwright): it loads with no console error and draws the graph.

The page is one offline file; these tests open it from disk. The whole-estate overview on the sandbox
database (grouped, expanded on click) is tested in ``tests/serve/test_in_browser.py``. The page is the
same whichever store it is drawn from, so these browser tests draw it from SQLite; ``visualize`` on
PostgreSQL is tested end to end in ``tests/store/test_postgres_cli.py``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from html import unescape
from pathlib import Path

import pytest
from query_estate import load
from tests.browser import Tab, click_node, status, wait_ready

from awsgraph.cli import main
from awsgraph.model import Entity
from awsgraph.store import SQLiteStore
from awsgraph.visualize import GraphData, payload, render_html
from awsgraph.visualize.groups import build_layout, edge_label


@pytest.fixture(scope="module")
def graph_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("page") / "graph.db")
    load(path)
    return path


def _write(db: str, out: Path, *extra: str) -> Path:
    assert main(["visualize", "--db", db, "--out", str(out), *extra]) == 0
    return out


def test_whole_graph_renders_offline_without_console_errors(graph_db: str, tmp_path: Path, tab: Tab) -> None:
    out = _write(graph_db, tmp_path / "graph.html")
    html = out.read_text()
    outside_scripts = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)
    assert "http://" not in outside_scripts and "https://" not in outside_scripts  # nothing fetched
    assert "<script src" not in html and "<link" not in html
    requests: list[str] = []
    tab.page.on("request", lambda r: requests.append(r.url))
    tab.page.goto(out.as_uri())
    wait_ready(tab.page)
    assert tab.problems == []
    assert [u for u in requests if not u.startswith("file:")] == []
    assert status(tab.page, "nodes") == "21" and status(tab.page, "edges") == "22"
    # 21 entities are few: every group starts open, so every entity is drawn inside its groups.
    drawn = tab.page.evaluate("window.awsgraphView.cy.nodes('.entity').length")
    assert drawn == 21
    legend = tab.page.inner_text(".ag-legend")
    assert "Firewall (2)" in legend and "Host (3)" in legend


def test_search_and_inspect_deep_link(graph_db: str, tmp_path: Path, tab: Tab) -> None:
    out = _write(graph_db, tmp_path / "graph.html")
    tab.page.goto(out.as_uri() + "#search=web&inspect=sg-web")
    wait_ready(tab.page)
    assert tab.problems == []
    assert tab.page.get_attribute(".ag-matches", "data-count") == "2"  # the web instance and the web-sg group
    assert tab.page.get_attribute(".ag-inspector", "data-key") == "sg-web"
    rows = tab.page.eval_on_selector_all(".ag-inspector tr", "trs => trs.map(t => t.innerText)")
    assert "groupId\tsg-web" in rows
    assert tab.page.evaluate("window.awsgraphView.cy.getElementById('n' + "
                             "window.awsgraphView.model.byKey.get('sg-web')).selected()")


def test_neighbourhood_labels_relationships(graph_db: str, tmp_path: Path, tab: Tab) -> None:
    out = _write(graph_db, tmp_path / "graph.html")
    tab.page.goto(out.as_uri() + "#focus=sg-web")
    wait_ready(tab.page)
    assert status(tab.page, "mode") == "focus"
    with sqlite3.connect(graph_db) as conn:
        neighbours = {r[0] for r in conn.execute(
            "SELECT to_key FROM relationships WHERE from_key='sg-web' UNION "
            "SELECT from_key FROM relationships WHERE to_key='sg-web'")}
    keys = set(tab.page.evaluate(
        "window.awsgraphView.cy.nodes('.entity').map(n => window.awsgraphView.model.nodes[n.data('index')].key)"))
    assert keys == neighbours | {"sg-web"}
    labels = tab.page.evaluate("window.awsgraphView.cy.edges().map(e => e.data('label'))")
    assert "PROTECTS" in labels
    assert any(label.startswith("ALLOWS tcp") for label in labels), labels  # a rule shows its ports
    assert tab.problems == []


def test_double_click_opens_a_neighbourhood(graph_db: str, tmp_path: Path, tab: Tab) -> None:
    out = _write(graph_db, tmp_path / "graph.html")
    tab.page.goto(out.as_uri())
    wait_ready(tab.page)
    node = tab.page.evaluate("'n' + window.awsgraphView.model.byKey.get('i-web')")
    tab.page.evaluate(f"void window.awsgraphView.cy.center(window.awsgraphView.cy.getElementById('{node}'))")
    click_node(tab.page, node, double=True)
    tab.page.wait_for_selector(".ag-status[data-mode=focus]", state="attached")
    assert tab.page.get_attribute(".ag-inspector", "data-key") == "i-web"
    assert "focus=i-web" in tab.page.url


def test_query_subgraph(graph_db: str, tmp_path: Path, tab: Tab) -> None:
    query = "FIND aws_subnet WITH public=true THAT HAS aws_instance THAT USES aws_ebs_volume"
    out = _write(graph_db, tmp_path / "sub.html", "--query", query)
    tab.page.goto(out.as_uri())
    wait_ready(tab.page)
    assert tab.problems == []
    assert status(tab.page, "nodes") == "3"
    assert status(tab.page, "edges") == "2"


def test_hostile_names_stay_text(tmp_path: Path, tab: Tab) -> None:
    db = str(tmp_path / "hostile.db")
    store = SQLiteStore(db)
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>\u202etxt.exe\x1b[31m"
    run = store.begin_run({"account": "1"})
    store.stage_entities(run, [Entity(key="k1", type="aws_s3_bucket", classes=("DataStore",),
                                      props={"name": evil, "accountId": "1", "region": "us-east-1"})])
    store.finish_run(run, [("1", "us-east-1", "aws_s3_bucket")], [], None, {})
    store.close()
    out = _write(db, tmp_path / "hostile.html")
    html = out.read_text()
    assert "<script>alert" not in html and "<img" not in html
    tab.page.goto(out.as_uri() + "#inspect=k1")
    wait_ready(tab.page)
    assert tab.problems == []  # no dialog, no error
    assert tab.page.locator("img").count() == 0
    name = tab.page.inner_text(".ag-inspector .ag-name")
    assert "<script>alert(1)</script>" in name  # shown as the text it is
    assert "\u202e" not in name and "\\u202e" in name and "\\u001b" in name


def test_the_problem_collector_catches_a_broken_page(tmp_path: Path, tab: Tab) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>missingFunction();</script></body></html>")
    tab.page.goto(page.as_uri())
    assert any("missingFunction is not defined" in p for p in tab.problems)


def test_page_carries_a_strict_policy_and_inert_data(graph_db: str, tmp_path: Path, tab: Tab) -> None:
    out = _write(graph_db, tmp_path / "graph.html")
    html = out.read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert policy
    csp = unescape(policy.group(1))
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    data = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, flags=re.S)
    assert data and json.loads(data.group(1))["nodes"]
    # The policy is in force: a script injected into the page does not run.
    tab.page.goto(out.as_uri())
    wait_ready(tab.page)
    tab.page.evaluate("""() => { const s = document.createElement('script');
                                 s.textContent = 'window.injected = true'; document.body.appendChild(s); }""")
    assert tab.page.evaluate("window.injected === undefined")
    assert any("Content Security Policy" in p for p in tab.problems)


# -- the data behind the page, on plain dicts -----------------------------------------------------
def test_edge_labels_show_what_a_rule_allows() -> None:
    assert edge_label({"_class": "ALLOWS", "ports": "tcp:443,tcp:22"}) == "ALLOWS tcp:443,tcp:22"
    assert edge_label({"_class": "ALLOWS", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22}) == "ALLOWS tcp 22"
    assert edge_label({"_class": "ALLOWS", "ipProtocol": "udp", "fromPort": 1000, "toPort": 2000}) == \
        "ALLOWS udp 1000-2000"
    assert edge_label({"_class": "ALLOWS", "ipProtocol": "-1"}) == "ALLOWS all traffic"
    assert edge_label({"_class": "ALLOWS", "actions": "s3:GetObject"}) == "ALLOWS"
    assert edge_label({"_class": "HAS"}) == "HAS"


def _e(key: str, etype: str, cls: str, account: str | None, region: str | None, **props: object) -> tuple:
    return ({"_key": key, "_type": etype, "_class": [cls], **props}, account, region)


def test_layout_groups_by_account_region_and_vpc_or_service() -> None:
    rows = [
        _e("acct", "aws_account", "Account", "111", "global", accountId="111", accountName="prod"),
        _e("vpc", "aws_vpc", "Network", "111", "us-east-1", vpcId="vpc-1", name="main"),
        _e("i-1", "aws_instance", "Host", "111", "us-east-1", vpcId="vpc-1", name="web"),
        _e("i-2", "aws_instance", "Host", "111", "us-east-1", vpcId="vpc-1", name="api"),
        _e("i-3", "aws_instance", "Host", "111", "eu-west-1", vpcId="vpc-9", name="web"),
        _e("b-1", "aws_s3_bucket", "DataStore", "111", "us-east-1", name="logs"),
        _e("svc", "aws_s3", "Service", "111", "us-east-1", name="S3"),
        _e("global:internet", "internet", "Internet", None, None, name="Internet"),
    ]
    layout = build_layout(rows)
    groups = layout.groups

    def chain(i: int) -> list[str]:
        out, g = [], layout.member_of[i]
        while g >= 0:
            out.insert(0, groups[g].label)
            g = groups[g].parent
        return out

    assert chain(2) == ["account prod (111)", "us-east-1", "VPC main (vpc-1)", "aws_instance"]
    assert chain(1) == ["account prod (111)", "us-east-1", "VPC main (vpc-1)"]  # one VPC: no type group
    assert chain(4) == ["account prod (111)", "eu-west-1", "VPC vpc-9"]
    assert chain(5) == ["account prod (111)", "us-east-1", "s3"]
    assert chain(6) == ["account prod (111)", "us-east-1", "AWS services"]
    assert chain(7) == ["outside any account", "Internet"]
    top = [g for g in groups if g.parent < 0]
    assert sorted((g.label, g.count) for g in top) == [("account prod (111)", 7), ("outside any account", 1)]
    # Same-named entities carry their region and account; unique names carry nothing.
    assert layout.subtitles[2] == "us-east-1 · prod" and layout.subtitles[4] == "eu-west-1 · prod"
    assert layout.subtitles[3] == ""


def test_payload_leaves_out_what_the_edge_list_says() -> None:
    a = {"_key": "a", "_type": "aws_vpc", "_class": ["Network"], "name": "a"}
    b = {"_key": "b", "_type": "aws_subnet", "_class": ["Network"], "name": "b", "notes": "x" * 5000}
    e = {"_key": "a|contains|b", "_class": "CONTAINS", "_type": "aws_vpc_contains_subnet", "_fromEntityKey": "a",
         "_toEntityKey": "b", "displayName": "CONTAINS"}
    data = payload(GraphData([a, b], [e], scopes={"a": ("1", "us-east-1"), "b": ("1", "us-east-1")}))
    assert data["edges"] == [[0, 1, "CONTAINS", "CONTAINS"]]
    assert data["eprops"] == [{"_type": "aws_vpc_contains_subnet"}]
    assert len(data["props"][1]["notes"]) < 500 and data["props"][1]["notes"].endswith("(5000 characters)")
    assert payload(GraphData([a, b], [e]), with_props=False)["props"] is None


@pytest.mark.parametrize("title", ["</title><script>alert(1)</script>"])
def test_title_is_escaped(title: str) -> None:
    html = render_html(GraphData([], []), title)
    assert "<script>alert(1)" not in html


def test_a_large_group_opens_with_bundled_relationships(tmp_path: Path, tab: Tab) -> None:
    where = {"accountId": "1", "region": "us-east-1"}
    sgs = [{"_key": f"sg-{j}", "_type": "aws_security_group", "_class": ["Firewall"], "vpcId": "vpc-1", **where}
           for j in range(50)]
    hosts = [{"_key": f"i-{i:04d}", "_type": "aws_instance", "_class": ["Host"], "vpcId": "vpc-1", **where}
             for i in range(600)]
    disks = [{"_key": f"vol-{i:04d}", "_type": "aws_ebs_volume", "_class": ["Disk"], **where} for i in range(600)]
    edges = [{"_key": f"i-{i:04d}|uses|vol-{i:04d}", "_class": "USES", "_type": "aws_instance_uses_ebs_volume",
              "_fromEntityKey": f"i-{i:04d}", "_toEntityKey": f"vol-{i:04d}"} for i in range(600)]
    edges += [{"_key": f"sg-{i % 50}|protects|i-{i:04d}", "_class": "PROTECTS", "_type": "sg_protects_instance",
               "_fromEntityKey": f"sg-{i % 50}", "_toEntityKey": f"i-{i:04d}"} for i in range(600)]
    vertices = [*sgs, *hosts, *disks]
    out = tmp_path / "large.html"
    out.write_text(render_html(GraphData(vertices, edges, scopes={v["_key"]: ("1", "us-east-1") for v in vertices})))
    tab.page.goto(out.as_uri())
    wait_ready(tab.page)
    assert status(tab.page, "nodes") == "1250"
    # Open every group: 400 of each type are drawn, the rest behind a "more" node.
    tab.page.evaluate("""() => { const v = window.awsgraphView;
        v.model.groups.forEach(g => { if (!v.state.expanded.has(g.id)) v.toggle(g.id); }); }""")
    assert tab.page.evaluate("window.awsgraphView.cy.nodes('.entity').length") == 850
    assert tab.page.evaluate("window.awsgraphView.cy.nodes('.more').length") == 2
    drawn = tab.page.evaluate("window.awsgraphView.cy.edges().length")
    assert 0 < drawn <= 800  # 1,200 relationships between drawn entities, bundled one level up
    # A selected host still shows its own two relationships.
    tab.page.fill(".ag-search", "i-0007")
    tab.page.click(".ag-result[data-key='i-0007']")
    own = tab.page.evaluate("window.awsgraphView.cy.edges('.own').map(e => e.data('label')).sort()")
    assert own == ["PROTECTS", "USES"]
    assert tab.problems == []
