"""`awsgraph serve` and `awsgraph visualize` on the sandbox database, in Debian's Chromium (Playwright).

The console runs as a user starts it (`awsgraph serve --port 0`) and is stopped after the module.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from awsgraph.query import run_query
from awsgraph.questions import QUESTIONS, render
from tests.browser import Tab, click_node, status, wait_ready
from tests.serve.conftest import Console, cli_env


def _buckets(conn: sqlite3.Connection) -> dict[str, str]:
    return {k: json.loads(p)["displayName"] for k, p in conn.execute(
        "SELECT key, props FROM entities WHERE type='aws_s3_bucket' AND deleted_run IS NULL")}


def _column(page: Any, table: str, name: str) -> list[str]:
    heads = page.eval_on_selector_all(f"{table} thead th", "ths => ths.map(t => t.innerText.trim())")
    i = heads.index(name)
    return page.eval_on_selector_all(f"{table} tbody tr", f"trs => trs.map(t => t.cells[{i}].innerText.trim())")


def _open(tab: Tab, console: Console, path: str) -> None:
    response = tab.page.goto(console.url + path.lstrip("/"))
    assert response is not None and response.status == 200, (path, response and response.status)


def test_deep_link_shows_the_buckets_in_the_table(console: Console, db_conn: sqlite3.Connection, tab: Tab) -> None:
    buckets = _buckets(db_conn)
    assert len(buckets) >= 3
    _open(tab, console, "/?q=" + urllib.parse.quote("FIND aws_s3_bucket"))
    assert tab.page.input_value("#q") == "FIND aws_s3_bucket"
    assert sorted(_column(tab.page, "#result-table", "displayName")) == sorted(buckets.values())
    assert sorted(_column(tab.page, "#result-table", "_key")) == sorted(buckets)
    assert tab.page.get_attribute("#row-count", "data-rows") == str(len(buckets))
    assert tab.page.is_hidden("#graph-view")
    assert tab.problems == []


def test_switching_to_the_graph_view_draws_them(console: Console, db_conn: sqlite3.Connection, tab: Tab) -> None:
    buckets = _buckets(db_conn)
    _open(tab, console, "/?q=" + urllib.parse.quote("FIND aws_s3_bucket"))
    tab.page.click("#tab-graph")
    wait_ready(tab.page)
    assert tab.page.is_hidden("#table-view") and tab.page.is_visible("#graph-view .ag-canvas")
    assert "view=graph" in tab.page.url  # the link to this page now opens the graph
    assert status(tab.page, "nodes") == str(len(buckets))
    drawn = tab.page.evaluate("window.awsgraphView.cy.nodes('.entity').map("
                              "n => window.awsgraphView.model.nodes[n.data('index')].key)")
    assert sorted(drawn) == sorted(buckets)
    # Clicking a bucket fetches its properties from the console.
    key = sorted(buckets)[0]
    click_node(tab.page, "n" + str(tab.page.evaluate("k => window.awsgraphView.model.byKey.get(k)", key)))
    tab.page.wait_for_selector(".ag-inspector table.ag-props")
    assert tab.page.get_attribute(".ag-inspector", "data-key") == key
    assert buckets[key] in tab.page.inner_text(".ag-inspector")
    # Back to the table without a reload.
    tab.page.click("#tab-table")
    assert tab.page.is_visible("#result-table") and "view=table" in tab.page.url
    assert tab.problems == []


def test_graph_view_opens_from_its_link(console: Console, tab: Tab) -> None:
    _open(tab, console, "/?view=graph&q=" + urllib.parse.quote("FIND aws_vpc THAT CONTAINS aws_subnet"))
    wait_ready(tab.page)
    labels = tab.page.evaluate("window.awsgraphView.cy.edges().map(e => e.data('label'))")
    assert labels and set(labels) == {"CONTAINS"}
    assert tab.problems == []


def test_questions_and_a_question_page(console: Console, sandbox_db: str, tab: Tab) -> None:
    _open(tab, console, "/questions")
    ids = tab.page.eval_on_selector_all("#questions tbody tr", "trs => trs.map(t => t.dataset.id)")
    assert ids == [q.id for q in QUESTIONS]
    question = next(q for q in QUESTIONS if q.id == "ssh-open-to-internet")
    expected = run_query(sandbox_db, render(question))
    assert expected, "the sandbox estate opens SSH to the Internet"
    tab.page.click(f"#questions tr[data-id='{question.id}'] a")
    tab.page.wait_for_selector("#question-title")
    assert question.title in tab.page.inner_text("#question-title")
    assert tab.page.inner_text("#question-title .badge").strip() == str(len(expected))
    assert sorted(_column(tab.page, "#result-table", "sg.groupId")) == sorted(r["sg.groupId"] for r in expected)
    # Its J1QL opens in the console.
    tab.page.click("text=open in the query console")
    tab.page.wait_for_selector("#result-table")
    assert tab.page.get_attribute("#row-count", "data-rows") == str(len(expected))
    assert tab.problems == []


def test_entity_page_with_neighbours(console: Console, db_conn: sqlite3.Connection, tab: Tab) -> None:
    key = "global:internet"
    out = db_conn.execute("SELECT count(*) FROM relationships WHERE from_key=? AND deleted_run IS NULL",
                          (key,)).fetchone()[0]
    inc = db_conn.execute("SELECT count(*) FROM relationships WHERE to_key=? AND deleted_run IS NULL",
                          (key,)).fetchone()[0]
    assert out + inc > 0
    _open(tab, console, "/?q=" + urllib.parse.quote("FIND Internet"))
    tab.page.click(f"#result-table a.entity-link:text-is('{key}')")
    tab.page.wait_for_selector("#entity-name")
    assert tab.page.inner_text("#entity-name") == "Internet"
    assert "_key\tglobal:internet" in tab.page.inner_text("#properties")
    assert tab.page.locator("#outgoing tbody tr").count() == out
    assert tab.page.locator("#incoming tbody tr").count() == inc
    labels = _column(tab.page, "#outgoing", "relationship")
    # with ports; network ACL deny entries are DENIES edges of their own
    assert all(label.split(" ")[0] in ("ALLOWS", "DENIES") and len(label.split(" ")) == 2 for label in labels)
    assert any(label.startswith("ALLOWS ") for label in labels)
    # Same-named neighbours are told apart by region.
    assert set(_column(tab.page, "#outgoing", "region")) >= {"us-east-1", "eu-west-1"}
    # The neighbourhood graph of the same entity.
    tab.page.click("#neighbourhood-link")
    wait_ready(tab.page)
    assert status(tab.page, "mode") == "focus"
    assert tab.page.get_attribute(".ag-inspector", "data-key") == key
    assert tab.problems == []


def test_runs_and_the_diff_between_runs(console: Console, db_conn: sqlite3.Connection, tab: Tab) -> None:
    live = db_conn.execute("SELECT count(*) FROM entities WHERE deleted_run IS NULL").fetchone()[0]
    _open(tab, console, "/runs")
    assert _column(tab.page, "#runs", "status") == ["finished"]
    not_complete = _column(tab.page, "#runs", "steps not complete")[0]
    assert "not served by the emulator" in not_complete  # the emulator lacks some APIs: said, not hidden
    tab.page.click("#runs a:text-is('changes')")
    tab.page.wait_for_selector("#diff-title")
    assert tab.page.inner_text("#diff-title") == "Run 0 → run 1"
    created = _column(tab.page, "#diff-counts", "created")
    assert created[0] == str(live)
    _open(tab, console, "/runs/1")
    statuses = set(_column(tab.page, "#steps", "status"))
    assert {"success", "not served by the emulator"} <= statuses
    assert tab.problems == []


def test_whole_graph_page(console: Console, db_conn: sqlite3.Connection, tab: Tab) -> None:
    live = db_conn.execute("SELECT count(*) FROM entities WHERE deleted_run IS NULL").fetchone()[0]
    _open(tab, console, "/graph")
    wait_ready(tab.page)
    assert status(tab.page, "nodes") == str(live)
    assert int(status(tab.page, "visible") or 0) < live  # grouped, not every entity at once
    assert tab.problems == []


def test_query_error_is_one_message(console: Console, tab: Tab) -> None:
    response = tab.page.goto(console.url + "?q=" + urllib.parse.quote("FIND aws_s3_bucket WITH"))
    assert response is not None and response.status == 400
    assert tab.page.inner_text("#query-error")


# -- visualize: the whole estate's overview ----------------------------------------------------------
def test_visualize_overview_expands_a_vpc_and_searches(sandbox_db: str, tmp_path: Path, tab: Tab) -> None:
    out = tmp_path / "estate.html"
    run = subprocess.run([sys.executable, "-m", "awsgraph.cli", "visualize", "--db", sandbox_db, "--out", str(out)],
                         capture_output=True, text=True, env=cli_env(), timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    conn = sqlite3.connect(f"file:{sandbox_db}?mode=ro", uri=True)
    live = conn.execute("SELECT count(*) FROM entities WHERE deleted_run IS NULL").fetchone()[0]
    tab.page.goto(out.as_uri())
    wait_ready(tab.page)
    assert tab.problems == []
    assert status(tab.page, "nodes") == str(live)
    visible = int(status(tab.page, "visible") or 0)
    assert visible < live / 2  # an overview, not a hairball

    # A collapsed VPC opens on click: its entities (or their type groups) appear inside it.
    vpc = tab.page.evaluate("window.awsgraphView.cy.nodes('.group.kind-vpc').map(n => n.id())[0]")
    assert vpc, "the overview shows at least one VPC collapsed"
    count = tab.page.evaluate(f"window.awsgraphView.model.groups[{vpc[1:]}].count")
    tab.page.evaluate(f"void window.awsgraphView.cy.center(window.awsgraphView.cy.getElementById('{vpc}'))")
    click_node(tab.page, vpc)
    tab.page.wait_for_function(f"window.awsgraphView.cy.getElementById('{vpc}').hasClass('open')")
    inside = tab.page.evaluate(f"window.awsgraphView.cy.getElementById('{vpc}').children().length")
    assert inside > 0
    assert tab.page.evaluate(f"window.awsgraphView.cy.getElementById('{vpc}').data('label')").endswith(f"({count})")
    assert int(status(tab.page, "visible") or 0) > visible

    # Search reaches every entity, opened or not; a result opens its groups and selects it.
    name = "acme-orders-api"
    everything = [json.loads(p) for (p,) in conn.execute("SELECT props FROM entities WHERE deleted_run IS NULL")]
    same_name = sorted(e["_key"] for e in everything if e.get("displayName") == name)
    assert len(same_name) == 2  # one per region: the same name, told apart by region
    matching = [e["_key"] for e in everything
                if name in " ".join(str(x) for x in (e.get("displayName") or e.get("name") or e["_key"], e["_type"],
                                                      e["_class"][0], e["_key"])).lower()]
    tab.page.fill(".ag-search", name)
    tab.page.wait_for_selector(f".ag-matches[data-count='{len(matching)}']", state="attached")
    results = tab.page.eval_on_selector_all(".ag-result", "bs => bs.map(b => b.dataset.key)")
    assert 2 <= len(matching) <= 50 and sorted(results) == sorted(matching)
    key = same_name[0]
    tab.page.click(f".ag-result[data-key='{key}']")
    assert tab.page.get_attribute(".ag-inspector", "data-key") == key
    node = "n" + str(tab.page.evaluate("k => window.awsgraphView.model.byKey.get(k)", key))
    assert tab.page.evaluate(f"window.awsgraphView.cy.getElementById('{node}').selected()")
    label = tab.page.evaluate(f"window.awsgraphView.cy.getElementById('{node}').data('label')")
    region = key.split(":")[3]
    assert label.startswith(name + "\n") and region in label
    assert urllib.parse.parse_qs(urllib.parse.urlparse(tab.page.url).fragment)["inspect"] == [key]
    assert tab.problems == []
    conn.close()
