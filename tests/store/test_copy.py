"""`awsgraph copy`: an SQLite graph moved into an empty PostgreSQL database is the same graph, with its
history and the derivation's index, so that the next collect into the copy ends where a collect into the
SQLite file ends; and the copy refuses what it must (a non-empty target, a foreign file, a run in progress)
with one line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest

from awsgraph.cli import main
from awsgraph.store import SQLiteStore
from awsgraph.store.postgres import _SHARED_TABLES
from tests.collect.test_workers import graph
from tests.servers import PgServer

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def collect(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _out, err = cli(capsys, "collect", "--regions", "us-east-1", "--services", "s3,iam,ec2", "--db", db,
                          "--json")
    assert code == 0, err


def rows(db: str | Path, table: str, cols: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` in comparable form (JSON text parsed, booleans as 0/1)."""
    def norm(v: Any) -> Any:
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, str) and v[:1] in "{[":
            try:
                return json.dumps(json.loads(v), sort_keys=True)
            except ValueError:
                return v
        if isinstance(v, (dict, list)):
            return json.dumps(v, sort_keys=True)
        return v

    if isinstance(db, Path):
        with sqlite3.connect(db) as conn:
            got = conn.execute(f"SELECT {cols} FROM {table}").fetchall()
    else:
        with psycopg.connect(db) as pconn:
            got = pconn.execute(f"SELECT {cols} FROM {table}").fetchall()
    return sorted((tuple(norm(v) for v in r) for r in got), key=repr)


def test_a_copied_graph_is_the_same_and_is_collected_into_as_if_it_had_always_been_there(
        aws: None, pg_server: PgServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    for name in ("copy-keep", "copy-gone"):
        s3.create_bucket(Bucket=name)
    boto3.client("iam").create_role(RoleName="copy-admin", AssumeRolePolicyDocument=TRUST)
    sqlite_db = tmp_path / "graph.db"
    collect(capsys, str(sqlite_db))
    url = pg_server.database("copy")

    monkeypatch.setattr("awsgraph.store.postgres.COPY_PROGRESS_ROWS", 5)
    code, out, err = cli(capsys, "copy", "--db", str(sqlite_db), "--to", url, "--json")
    assert code == 0, err
    copied = json.loads(out)["rows"]
    # progress on stderr with --json: every 5 rows of a table here (200,000 by default), then its total
    assert "  entities: 5 rows…" in err and f"  entities: {copied['entities']:,} rows\n" in err and "idents: " in err
    for table, cols in _SHARED_TABLES.items():  # every table, every column, the same rows
        assert copied[table] == len(rows(sqlite_db, table, cols)), table
        assert rows(url, table, cols) == rows(sqlite_db, table, cols), table
    assert copied["entities"] > 10 and copied["idents"] > 0 and copied["history"] > 0

    # The estate changes; the next collect into each store ends with the same graph.
    s3.delete_bucket(Bucket="copy-gone")
    s3.create_bucket(Bucket="copy-new")
    boto3.client("iam").create_role(RoleName="copy-reader", AssumeRolePolicyDocument=TRUST)
    collect(capsys, str(sqlite_db))
    collect(capsys, url)
    on_sqlite, on_pg = graph(str(sqlite_db)), graph(url)
    assert on_pg[0] == on_sqlite[0] and on_pg[1] == on_sqlite[1]
    names = {p.get("name") for p in on_pg[0].values()}
    assert {"copy-keep", "copy-new", "copy-reader"} <= names and "copy-gone" not in names
    code, out, err = cli(capsys, "runs", "--db", url, "--json")
    assert code == 0, err
    assert sorted(r["id"] for r in json.loads(out)) == [1, 2]  # the copied run, then the new one


def test_the_copy_refuses_with_one_line(pg_server: PgServer, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_server.database("copy_refusals")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes(x)")
    code, _out, err = cli(capsys, "copy", "--db", str(foreign), "--to", url)
    assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err

    code, _out, err = cli(capsys, "copy", "--db", str(tmp_path / "missing.db"), "--to", url)
    assert code != 0 and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "missing.db").exists()

    code, _out, err = cli(capsys, "copy", "--db", str(foreign), "--to", str(tmp_path / "other.db"))
    assert code != 0 and "not a PostgreSQL URL" in err and len(err.strip().splitlines()) == 1

    busy = tmp_path / "busy.db"
    store = SQLiteStore(str(busy), write=True)
    run = store.begin_run({})
    try:
        code, _out, err = cli(capsys, "copy", "--db", str(busy), "--to", url)
        assert code != 0 and f"run {run} is still in progress" in err and len(err.strip().splitlines()) == 1
    finally:
        store.end_run(run, {})
        store.close()
    code, _out, err = cli(capsys, "copy", "--db", str(busy), "--to", url)
    assert code == 0, err
    code, _out, err = cli(capsys, "copy", "--db", str(busy), "--to", url)  # the target now holds a graph
    assert code != 0 and "already holds a graph" in err and len(err.strip().splitlines()) == 1
