"""Every read command with ``--db postgresql://...``, end to end, on the demo's estate: the same graph copied
from the SQLite file into PostgreSQL gives the same answers through query, ask, report, visualize, diff,
runs, who-can, export and serve."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from awsgraph.cli import main
from awsgraph.questions.report import answer_all
from awsgraph.serve import Settings, create_app
from awsgraph.store import open_store
from awsgraph.store.postgres import copy_sqlite
from tests.serve.conftest import start_console, stop_console
from tests.servers import PgServer

LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def pg_db(sandbox_db: str, pg_server: PgServer) -> str:
    url = pg_server.database("demo")
    counts = copy_sqlite(sandbox_db, url)
    assert counts["entities"] > 100 and counts["relationships"] > 100 and counts["runs"] >= 1
    return url


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def both(capsys: pytest.CaptureFixture[str], sqlite_db: str, pg_db: str, *args: str) -> tuple[str, str]:
    """The command's stdout on each store (it must succeed on both)."""
    outs = []
    for db in (sqlite_db, pg_db):
        code, out, err = cli(capsys, *args[:1], "--db", db, *args[1:])
        assert code == 0, err
        outs.append(out)
    return outs[0], outs[1]


def canonical(text: str) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in json.loads(text))


QUERIES = [
    "FIND aws_s3_bucket",
    "FIND aws_instance AS i RETURN i.displayName, i.region ORDER BY i.displayName",
    "FIND aws_security_group AS sg THAT PROTECTS * AS x RETURN sg.groupId, count(x)",
    "FIND Internet THAT ALLOWS AS rule aws_security_group AS sg RETURN sg.groupId, rule.fromPort, rule.toPort",
    "FIND aws_iam_role WITH name ~= 'a' THAT RELATES TO * AS p RETURN TREE",
    'FIND "demo" WITH _class = "DataStore"',
    "FIND aws_iam_role WITH name = /^[a-z].*(role|admin)/i",
]


def test_query_and_ask(sandbox_db: str, pg_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    nonempty = 0
    for text in QUERIES:
        lite, pg = both(capsys, sandbox_db, pg_db, "query", "--format", "json", text)
        if "ORDER BY" in text:
            assert json.loads(lite) == json.loads(pg), text
        elif "RETURN TREE" in text:
            lite_tree, pg_tree = (json.loads(x)[0] for x in (lite, pg))
            assert sorted(v["_key"] for v in lite_tree["vertices"]) == sorted(v["_key"] for v in pg_tree["vertices"])
        else:
            assert canonical(lite) == canonical(pg), text
        nonempty += bool(json.loads(pg))
    assert nonempty >= 5  # the queries find things in the demo estate
    lite, pg = both(capsys, sandbox_db, pg_db, "ask", "ssh-open-to-internet", "--format", "json")
    assert canonical(lite) == canonical(pg)


def test_every_question_answers_the_same(sandbox_db: str, pg_db: str) -> None:
    answers = []
    for db in (sandbox_db, pg_db):
        store = open_store(db)
        try:
            answers.append({a.question.id: (a.error, sorted(json.dumps(r, sort_keys=True) for r in a.rows))
                            for a in answer_all(store)})
        finally:
            store.close()
    assert answers[0] == answers[1]
    assert sum(1 for error, rows in answers[1].values() if rows and not error) >= 5


def test_report_visualize_diff_runs(sandbox_db: str, pg_db: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    pages = []
    for i, db in enumerate((sandbox_db, pg_db)):
        code, out, err = cli(capsys, "report", "--db", db, "--out", str(tmp_path / f"report{i}.html"))
        assert code == 0, err
        pages.append(out.replace(f"report{i}.html", "report.html"))
    assert pages[0] == pages[1] and "with findings" in pages[1]
    lines = []
    # the test server trusts local connections, so a password in the URL is sent nowhere but must show nowhere
    pg_with_password = pg_db.replace("//postgres@", "//postgres:url-password-3d9f@", 1)
    assert pg_with_password != pg_db
    for i, db in enumerate((sandbox_db, pg_with_password)):
        code, out, err = cli(capsys, "visualize", "--db", db, "--out", str(tmp_path / f"graph{i}.html"))
        assert code == 0, err
        assert "url-password-3d9f" not in out + err
        lines.append(re.sub(r"graph\d\.html", "graph.html", out))
    assert lines[0] == lines[1] and re.search(r"\d{3,} entities", lines[1])
    page = (tmp_path / "graph1.html").read_text()
    # the title names the database, not its password (the demo estate has secrets: the word alone proves nothing)
    assert "postgres@" in page and "url-password-3d9f" not in page
    lite, pg = both(capsys, sandbox_db, pg_db, "diff", "--format", "json", "--from", "0")
    assert json.loads(lite) == json.loads(pg) and json.loads(pg)["entities"]["created"]
    lite, pg = both(capsys, sandbox_db, pg_db, "runs", "--json")
    assert json.loads(lite) == json.loads(pg)


def test_who_can_and_export(sandbox_db: str, pg_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "query", "--db", pg_db, "--format", "json", "FIND aws_s3_bucket AS b RETURN b.arn")
    bucket = json.loads(out)[0]["b.arn"]
    lite, pg = both(capsys, sandbox_db, pg_db, "who-can", "s3:GetObject", f"{bucket}/key", "--json")
    assert json.loads(lite) == json.loads(pg) and json.loads(pg)  # someone can: the account's admins at least
    for fmt in ("jsonl", "j1"):
        outs = [tmp_path / f"{fmt}-sqlite", tmp_path / f"{fmt}-pg"]
        for db, out_dir in zip((sandbox_db, pg_db), outs, strict=True):
            code, _out, err = cli(capsys, "export", "--db", db, "--format", fmt, "--out", str(out_dir))
            assert code == 0, err
        files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
        assert files and files == sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*") if p.is_file())
        for name in files:
            assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def _api(client: Any, url: str) -> Any:
    resp = client.get(url, base_url=LOCAL)
    assert resp.status_code == 200, url
    return resp.get_json()


def test_serve(sandbox_db: str, pg_db: str) -> None:
    clients = [create_app(Settings(db=db)).test_client() for db in (sandbox_db, pg_db)]
    for url in ("/api/query?q=FIND%20aws_s3_bucket%20AS%20b%20RETURN%20b.name", "/api/graph",
                "/api/graph?q=FIND%20aws_security_group%20THAT%20PROTECTS%20*"):
        lite, pg = (_api(c, url) for c in clients)
        for answer in (lite, pg):
            answer.pop("seconds", None)  # the time taken
        titles = (lite.pop("title", None), pg.pop("title", None))
        if url == "/api/graph":  # the whole graph's title names its database: the file, or the URL
            assert titles == ("the whole graph of sandbox-console.db", f"the whole graph of {pg_db}")
        if "rows" in lite:
            lite["rows"].sort(key=json.dumps)
            pg["rows"].sort(key=json.dumps)
        assert lite == pg, url
    key = _api(clients[1], "/api/query?q=FIND%20aws_instance")["rows"][0]["_key"]
    assert _api(clients[0], f"/api/entity?key={key}") == _api(clients[1], f"/api/entity?key={key}")
    pg_client = clients[1]
    for page in (f"/entity?key={key}", "/runs", "/runs/1", "/diff?from=0", "/questions", "/?q=FIND%20Host"):
        resp = pg_client.get(page, base_url=LOCAL)
        assert resp.status_code == 200, page
    assert key in pg_client.get(f"/entity?key={key}", base_url=LOCAL).get_data(as_text=True)


def test_serve_command_on_a_url_hides_its_password(pg_db: str) -> None:
    secret_url = pg_db.replace("postgres@", "postgres:hunter2@")  # trust authentication ignores it
    console = start_console(secret_url)
    try:
        with urllib.request.urlopen(console.url + "runs", timeout=30) as resp:
            assert resp.status == 200 and "hunter2" not in resp.read().decode()
    finally:
        err = stop_console(console)
    assert "hunter2" not in err


def test_the_consoles_time_limit_holds_for_every_query_on_postgresql(pg_db: str) -> None:
    """The console gives the whole graph and the questions two minutes and a page 10 s; the query layer's own
    default (30 s) must not replace either on PostgreSQL, where each statement carries the limit."""
    from awsgraph.query.engine import bounded
    from awsgraph.serve.db import reading

    for limit, shown in ((120.0, "2min"), (10.0, "10s")):
        with reading(pg_db, limit) as store, bounded(store.connection, 30.0, "FIND aws_s3_bucket"):
            row = store.connection.execute("SHOW statement_timeout").fetchone()
            assert row is not None and row[0] == shown
