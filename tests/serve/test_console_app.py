"""The console's pages through Flask's test client: read-only, bounded, escaped, loopback-only."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from awsgraph.cli import main
from awsgraph.model import Entity, Relationship
from awsgraph.query import run_query
from awsgraph.serve import DatabaseError, Settings, create_app, open_readonly
from awsgraph.serve.db import QueryTimeout, reading
from awsgraph.serve.server import is_loopback, trusted_hosts
from awsgraph.store import SQLiteStore
from tests.serve.conftest import cli_env, start_console, stop_console

EVIL = "</td><script>alert(1)</script><img src=x onerror=alert(2)>\u202egnp.exe\x1b[2J"
LOCAL = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("console") / "small.db")
    store = SQLiteStore(db)
    run = store.begin_run({"account": "111122223333", "role_arn": "arn:aws:iam::111122223333:role/audit",
                           "external_id": "***", "endpoint_url": "http://10.9.8.7:4566", "regions": ["us-east-1"]})
    ents = [Entity(key=f"arn:aws:s3:::bucket-{i}", type="aws_s3_bucket", classes=("DataStore",),
                   props={"name": f"bucket-{i}", "accountId": "111122223333", "region": "us-east-1"})
            for i in range(3)]
    ents.append(Entity(key="evil", type="aws_s3_bucket", classes=("DataStore",),
                       props={"name": EVIL, "accountId": "111122223333", "region": "us-east-1", "tag.note": EVIL}))

    def derive(_: SQLiteStore) -> tuple[list[Entity], list[Relationship]]:
        return [], [Relationship("evil", "HAS", "arn:aws:s3:::bucket-0", "aws_s3_bucket", "aws_s3_bucket")]

    store.stage_entities(run, ents)
    store.finish_run(run, [("111122223333", "us-east-1", "aws_s3_bucket")], [], derive, {"account": "111122223333"})
    store.close()
    return db


@pytest.fixture
def client(small_db: str) -> Iterator[Any]:
    app = create_app(Settings(db=small_db, max_rows=2))
    yield app.test_client()


def get(client: Any, url: str, **kw: Any) -> Any:
    return client.get(url, base_url=LOCAL, **kw)


@pytest.mark.parametrize("url", ["/", "/?q=FIND%20aws_s3_bucket", "/questions", "/graph", "/runs", "/runs/1", "/diff",
                                 "/entity?key=evil", "/api/graph", "/static/graph.js"])
def test_every_page_is_strict(client: Any, url: str) -> None:
    resp = get(client, url)
    assert resp.status_code == 200, resp.data[:500]
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    body = resp.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body


def test_hostile_values_are_text(client: Any) -> None:
    body = get(client, "/entity?key=evil").get_data(as_text=True)
    assert "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "\u202e" not in body and "\\u202e" in body  # shown, not obeyed
    assert "\x1b" not in body and "\\u001b" in body
    table = get(client, "/?q=" + "FIND aws_s3_bucket WITH _key='evil'").get_data(as_text=True)
    assert "&lt;script&gt;" in table and "<script>alert" not in table


def test_only_loopback_names_are_answered(client: Any) -> None:
    assert client.get("/", base_url="http://localhost:8765").status_code == 200
    assert client.get("/", base_url="http://[::1]:8765").status_code == 200
    # A page on another site that rebinds its name to 127.0.0.1 gets nothing.
    assert client.get("/", base_url="http://attacker.example:8765").status_code == 400
    assert trusted_hosts("0.0.0.0") is None
    assert "10.0.0.5" in (trusted_hosts("10.0.0.5") or ())
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_nothing_but_reads(client: Any) -> None:
    assert client.post("/", base_url=LOCAL, data={"q": "FIND *"}).status_code == 405
    assert client.delete("/entity?key=evil", base_url=LOCAL).status_code == 405
    assert get(client, "/static/../../pyproject.toml").status_code == 404
    assert get(client, "/static/app.py").status_code == 404


def test_the_database_is_opened_read_only(small_db: str) -> None:
    store = open_readonly(small_db)
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only"):
        store.connection.execute("DELETE FROM entities")
    store.close()
    with pytest.raises(DatabaseError, match="does not exist"):
        open_readonly(small_db + ".missing")


def test_rows_are_capped(client: Any) -> None:
    body = get(client, "/?q=FIND%20aws_s3_bucket").get_data(as_text=True)
    assert 'data-rows="2"' in body and "capped at 2" in body
    api = get(client, "/api/query?q=FIND%20aws_s3_bucket").get_json()
    assert len(api["rows"]) == 2 and api["truncated"] is True


def test_a_runaway_statement_is_stopped(small_db: str) -> None:
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout), reading(small_db, 0.3) as store:
        store.connection.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                                 " SELECT count(*) FROM c")
    assert time.monotonic() - t0 < 10


def test_a_page_keeps_its_time_limit_after_running_a_query(small_db: str) -> None:
    """A query's own bound must not replace the console's and then leave later statements unbounded."""
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout), reading(small_db, 0.5) as store:
        assert len(run_query(store, "FIND aws_s3_bucket")) == 4  # what a page does first
        safety = threading.Timer(15, store.connection.interrupt)  # fail, rather than hang, without the bound
        safety.start()
        try:
            store.connection.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                                     " SELECT count(*) FROM c")
        finally:
            safety.cancel()
    assert time.monotonic() - t0 < 10


@pytest.fixture(scope="module")
def dense_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """40 queues, each related to 4 others: a 10-hop walk has ~4^10 paths from each."""
    db = str(tmp_path_factory.mktemp("dense") / "dense.db")
    store = SQLiteStore(db)
    run = store.begin_run({"account": "111122223333"})
    store.stage_entities(run, [Entity(key=f"q-{i}", type="aws_sqs_queue", classes=("Queue",),
                                      props={"name": f"queue-{i}", "accountId": "111122223333",
                                             "region": "us-east-1"}) for i in range(40)])
    rng = random.Random(3)
    rels = [Relationship(f"q-{i}", "HAS", f"q-{j}", "aws_sqs_queue", "aws_sqs_queue")
            for i in range(40) for j in sorted(set(rng.sample(range(40), 4)) - {i})]
    store.finish_run(run, [("111122223333", "us-east-1", "aws_sqs_queue")], [], lambda _s: ([], rels), {})
    store.close()
    return db


@pytest.mark.parametrize("path", ["/?q=", "/api/query?q="])
def test_a_cartesian_query_stops_at_the_console_time_limit(dense_db: str, path: str) -> None:
    client = create_app(Settings(db=dense_db, timeout=1)).test_client()
    t0 = time.monotonic()
    resp = get(client, path + urllib.parse.quote("FIND *" + " THAT RELATES TO *" * 10))
    assert time.monotonic() - t0 < 15  # the console's 1 s, not the query layer's default 30 s
    assert resp.status_code == 400 and "stopped after 1 s (the console" in resp.get_data(as_text=True)


def test_runs_page_shows_scope_not_configuration(client: Any) -> None:
    body = get(client, "/runs").get_data(as_text=True)
    assert "111122223333" in body and "us-east-1" in body
    assert "10.9.8.7" not in body and "role/audit" not in body and "external" not in body
    diff = get(client, "/diff?from=0&to=1").get_data(as_text=True)
    assert "Run 0 → run 1" in diff
    assert get(client, "/diff?from=1&to=1").status_code == 400


def test_query_errors_are_one_message(client: Any) -> None:
    resp = get(client, "/?q=FIND%20aws_s3_bucket%20WITH")
    assert resp.status_code == 400 and 'id="query-error"' in resp.get_data(as_text=True)
    assert get(client, "/api/query?q=FIND").status_code == 400
    assert get(client, "/entity?key=nope").status_code == 404
    assert get(client, "/questions/no-such-question").status_code == 404


def test_graph_data_leaves_properties_to_the_entity_endpoint(client: Any) -> None:
    data = get(client, "/api/graph").get_json()
    assert data["props"] is None and len(data["nodes"]) == 4
    assert data["edges"] == [[data["nodes"].index(next(n for n in data["nodes"] if n[0] == "evil")),
                              data["nodes"].index(next(n for n in data["nodes"] if n[0] == "arn:aws:s3:::bucket-0")),
                              "HAS", "HAS"]]
    props = get(client, "/api/entity?key=evil").get_json()["props"]
    assert props["name"] == EVIL  # JSON is data: the page puts it in as text


def test_questions_show_coverage_when_answers_carry_it(client: Any, small_db: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import awsgraph.questions.report as report

    real = report.answer_all

    def with_coverage(conn: sqlite3.Connection, params: Any = None) -> list[Any]:
        out = real(conn, params)
        for answer in out:
            answer.coverage = "partial"  # what the questions mechanism adds: complete | partial | unknown
            answer.coverage_note = "ec2 in eu-west-1 was denied"
        return out

    plain = get(client, "/questions").get_data(as_text=True)
    first = report.QUESTIONS[0].id
    if not any(f.name == "coverage" for f in dataclasses.fields(report.Answer)):
        assert "coverage-partial" not in plain
    monkeypatch.setattr(report, "answer_all", with_coverage)
    fresh = create_app(Settings(db=small_db)).test_client()
    listing = get(fresh, "/questions").get_data(as_text=True)
    assert "coverage-partial" in listing and "ec2 in eu-west-1 was denied" in listing
    page = get(fresh, f"/questions/{first}").get_data(as_text=True)
    assert 'id="coverage"' in page and "ec2 in eu-west-1 was denied" in page


# -- the command -------------------------------------------------------------------------------------
def test_serve_refuses_a_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--db", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err


def test_serve_binds_loopback_and_warns_for_other_interfaces(small_db: str) -> None:
    console = start_console(small_db)
    try:
        assert console.url.startswith("http://127.0.0.1:")
        import urllib.request

        with urllib.request.urlopen(console.url + "?q=FIND%20aws_s3_bucket", timeout=30) as resp:
            assert resp.status == 200 and b"bucket-1" in resp.read()
    finally:
        assert "warning" not in stop_console(console)
    wide = start_console(small_db, "--host", "0.0.0.0")
    try:
        assert wide.url.startswith("http://0.0.0.0:")
    finally:
        err = stop_console(wide)
    assert "warning: listening on 0.0.0.0" in err and "no login" in err


def test_serve_says_when_the_port_is_taken(small_db: str) -> None:
    console = start_console(small_db)
    try:
        port = console.url.rsplit(":", 1)[1].strip("/")
        run = subprocess.run([sys.executable, "-m", "awsgraph.cli", "serve", "--db", small_db, "--port", port],
                             capture_output=True, text=True, env=cli_env(), timeout=60, check=False)
        assert run.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in run.stderr
    finally:
        stop_console(console)
