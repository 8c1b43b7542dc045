"""The run lifecycle on PostgreSQL: one run at a time (refused, waited for, a dead one cleaned up),
units of one run committed by several connections at the same time, an entity two units write
merged by one at a time, and a unit started again replacing what it staged."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from awsgraph.model import Entity
from awsgraph.model.accounts import ORG, SELF
from awsgraph.store import PostgresStore
from awsgraph.store.base import StoreBusy
from tests.servers import PgServer

BUSY = re.compile(r"^database busy: run (\d+) by pid (\d+) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
A, B = "111111111111", "222222222222"


def queue(account: str, n: int) -> Entity:
    return Entity(key=f"arn:aws:sqs:us-east-1:{account}:q{n}", type="aws_sqs_queue", classes=("Queue",),
                  props={"name": f"q{n}", "accountId": account, "region": "us-east-1"})


def scope(account: str) -> list[tuple[str, str, str]]:
    return [(account, "us-east-1", "aws_sqs_queue")]


def account_entity(account: str, fragment: str, **props: Any) -> Entity:
    return Entity(key=f"aws:account:{account}", type="aws_account", classes=("Account",),
                  props={"accountId": account, **props}, fragment=fragment, scope_region="global")


@pytest.fixture
def url(pg_server: PgServer) -> str:
    return pg_server.database("runs")


@pytest.fixture
def stores(url: str) -> Iterator[tuple[PostgresStore, PostgresStore]]:
    first, second = PostgresStore(url, write=True), PostgresStore(url, write=True)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def count(url: str, sql: str, *params: Any) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql, list(params)).fetchone()
        return int(row[0]) if row else 0


def test_a_second_run_is_refused_or_waits_and_deletes_nothing(url: str,
                                                              stores: tuple[PostgresStore, PostgresStore]) -> None:
    first, second = stores
    run = first.begin_run({})
    first.begin_unit(run, A)
    first.stage_entities(run, [queue(A, i) for i in range(50)], unit=A)
    with pytest.raises(StoreBusy) as refused:
        second.begin_run({})
    match = BUSY.match(str(refused.value))
    assert match and int(match.group(1)) == run
    assert count(url, "SELECT count(*) FROM staged WHERE run_id = %s", run) == 50
    first.commit_unit(run, A, scope(A), [])
    told: list[str] = []
    timer = threading.Timer(0.5, lambda: first.end_run(run, {}))
    timer.start()
    later = second.begin_run({}, wait=30, on_wait=told.append)
    timer.join()
    assert later > run and len(told) == 1 and "waiting for it to finish" in told[0]
    second.end_run(later, {})
    assert len(list(second.iter_entities())) == 50


def test_a_run_whose_process_is_gone_is_cleaned_up(url: str, stores: tuple[PostgresStore, PostgresStore]) -> None:
    first, second = stores
    gone = subprocess.Popen(["true"])
    gone.wait()
    with psycopg.connect(url, autocommit=True) as conn:
        dead = conn.execute("INSERT INTO runs(started_at, status, config, pid, host, heartbeat) VALUES"
                            " (0, 'running', '{}', %s, %s, 0) RETURNING id",
                            [gone.pid, socket.gethostname()]).fetchone()[0]  # type: ignore[index]
        conn.execute("INSERT INTO staged(run_id, unit, key, type, props, hash) VALUES (%s, %s, 'k', 't', '{}', 'h')",
                     [dead, A])
        elsewhere = conn.execute("INSERT INTO runs(started_at, status, config, pid, host, heartbeat) VALUES"
                                 " (0, 'running', '{}', 1, 'another-host', %s) RETURNING id",
                                 [time.time()]).fetchone()[0]  # type: ignore[index]
    with pytest.raises(StoreBusy, match=f"run {elsewhere} by pid 1"):  # alive: its heartbeat is fresh
        first.begin_run({})
    assert any(f"cleaned up run {dead}" in note and f"pid {gone.pid} is gone" in note for note in first.reaped)
    assert count(url, "SELECT count(*) FROM staged WHERE run_id = %s", dead) == 0
    with psycopg.connect(url, autocommit=True) as conn:  # another host's run whose heartbeat stopped long ago
        conn.execute("UPDATE runs SET heartbeat = 0 WHERE id = %s", [elsewhere])
    run = second.begin_run({})
    assert any(f"cleaned up run {elsewhere}" in note and "no heartbeat from another-host" in note
               for note in second.reaped)
    second.end_run(run, {})


def _held_commit(store: PostgresStore, run: int, account: str, entered: threading.Event,
                 release: threading.Event, done: list[str]) -> threading.Thread:
    """Commit ``account`` in a thread, holding its transaction open (after its merge) until ``release``."""
    merge = store._delete_unseen

    def held(*args: Any) -> None:
        merge(*args)
        entered.set()
        assert release.wait(30)

    store._delete_unseen = held  # type: ignore[method-assign]

    def commit() -> None:
        store.commit_unit(run, account, scope(account), [])
        done.append(account)

    thread = threading.Thread(target=commit)
    thread.start()
    return thread


def test_two_connections_commit_different_accounts_at_the_same_time(
        url: str, stores: tuple[PostgresStore, PostgresStore]) -> None:
    first, second = stores
    run = first.begin_run({})
    for store, account in ((first, A), (second, B)):
        store.begin_unit(run, account)
        store.stage_entities(run, [queue(account, i) for i in range(20)], unit=account)
    entered, release, done = threading.Event(), threading.Event(), []
    thread = _held_commit(first, run, A, entered, release, done)
    try:
        assert entered.wait(30)
        started = time.monotonic()
        second.commit_unit(run, B, scope(B), [])  # while A's transaction is open: not blocked by it
        assert time.monotonic() - started < 5 and done == []
        assert count(url, "SELECT count(*) FROM entities WHERE account = %s", B) == 20
        assert count(url, "SELECT count(*) FROM entities WHERE account = %s", A) == 0  # not committed yet
    finally:
        release.set()
        thread.join()
    assert done == [A]
    assert count(url, "SELECT count(*) FROM entities WHERE deleted_run IS NULL") == 40
    assert count(url, "SELECT count(*) FROM run_units WHERE run_id = %s AND status = 'success'", run) == 2
    first.end_run(run, {})


def test_an_entity_two_units_write_is_merged_by_one_at_a_time(
        url: str, stores: tuple[PostgresStore, PostgresStore]) -> None:
    first, second = stores
    run = first.begin_run({})
    # the management account's unit lists B (its organization fragment); B's own unit reads itself
    first.begin_unit(run, A)
    first.stage_entities(run, [account_entity(B, ORG, email="b@example.com")], unit=A)
    second.begin_unit(run, B)
    second.stage_entities(run, [account_entity(B, SELF, alias="bee")], unit=B)
    entered, release, done = threading.Event(), threading.Event(), []
    thread = _held_commit(first, run, A, entered, release, done)
    finished = threading.Event()
    other = threading.Thread(target=lambda: (second.commit_unit(run, B, [], []), finished.set()))
    try:
        assert entered.wait(30)
        other.start()
        assert not finished.wait(1.0)  # B waits for A's merge of the same entity
    finally:
        release.set()
        thread.join()
        other.join()
    assert finished.is_set() and done == [A]
    props = next(e.props for e in first.iter_entities() if e.key == f"aws:account:{B}")
    assert props["email"] == "b@example.com" and props["alias"] == "bee"  # neither fragment lost
    first.end_run(run, {})


def test_a_unit_started_again_replaces_what_it_staged(stores: tuple[PostgresStore, PostgresStore]) -> None:
    store, _ = stores
    run = store.begin_run({})
    assert store.begin_unit(run, A) == 1
    store.stage_entities(run, [queue(A, i) for i in range(10)], unit=A)
    assert store.begin_unit(run, A) == 2  # the task again, from the start
    store.stage_entities(run, [queue(A, i) for i in range(3)], unit=A)
    assert store.unit_attempts(run, A) == ("running", 2)
    result = store.commit_unit(run, A, scope(A), [])
    assert result.counts["created"] == 3 and store.unit_attempts(run, A) == ("success", 2)
    assert sorted(e.key for e in store.iter_entities()) == [queue(A, i).key for i in range(3)]
    store.end_run(run, {})


def test_collect_one_account_into_postgresql_then_query_it(aws: None, url: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import boto3

    from awsgraph.cli import main

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pg-bucket")
    args = ["collect", "--regions", "us-east-1", "--services", "s3", "--db", url, "--workers", "4", "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["changes"]["created"] >= 2 and "postgresql" not in json.dumps(first["notes"])
    assert main(args) == 0  # again: nothing changed
    again = json.loads(capsys.readouterr().out)
    assert again["changes"]["created"] == 0 and again["changes"]["deleted"] == 0
    assert main(["query", "--db", url, "--format", "json", "FIND aws_s3_bucket WITH name = 'pg-bucket'"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1


def test_the_cross_account_pass_runs_one_at_a_time_across_connections(
        stores: tuple[PostgresStore, PostgresStore]) -> None:
    """Issue 15: the derivation serialises on an advisory lock, so two processes (workers' runs, a second
    org run) never derive at once; here a second connection's pass waits while the first holds the lock."""
    first, second = stores
    run = first.begin_run({})
    finished = threading.Event()
    other = threading.Thread(target=lambda: (second.derive_pending(run, lambda _s, _a: None, lambda *_: []),
                                             finished.set()))
    with first.derive_lock():
        other.start()
        assert not finished.wait(1.0)  # blocked on the lock the first connection holds
    other.join(30)
    assert finished.is_set()
    first.end_run(run, {})


def test_a_finished_run_leaves_its_tables_vacuumed_and_analysed(url: str,
                                                                stores: tuple[PostgresStore, PostgresStore]) -> None:
    first, _ = stores
    for _ in range(2):  # the second run marks every entity seen again: a dead version of each row
        run = first.begin_run({})
        first.begin_unit(run, A)
        first.stage_entities(run, [queue(A, i) for i in range(200)], unit=A)
        first.commit_unit(run, A, scope(A), [])
        first.end_run(run, {})
    with psycopg.connect(url, autocommit=True) as conn:
        rows = {name: (vacuumed, analysed, dead) for name, vacuumed, analysed, dead in conn.execute(
            "SELECT relname, last_vacuum, last_analyze, n_dead_tup FROM pg_stat_user_tables"
            " WHERE relname IN ('entities', 'relationships', 'entity_classes')")}
    assert set(rows) == {"entities", "relationships", "entity_classes"}
    for name, (vacuumed, analysed, _dead) in rows.items():
        assert vacuumed is not None and analysed is not None, name
    assert rows["entities"][2] == 0  # the second run's dead versions are gone


def test_a_rare_class_is_counted_exactly_by_analyze(url: str, stores: tuple[PostgresStore, PostgresStore]) -> None:
    """The planner's estimate of a class's members comes from ANALYZE's sample; with PostgreSQL's default
    sample (30,000 rows) three accounts among 150,000 class rows are usually missed and estimated at one."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO entity_classes(class, key) SELECT 'User', 'u' || g FROM generate_series(1, 150000) g")
        conn.execute("INSERT INTO entity_classes(class, key) VALUES ('Account', 'a1'), ('Account', 'a2'),"
                     " ('Account', 'a3')")
        conn.execute("ANALYZE entity_classes")
        plan = conn.execute("EXPLAIN (FORMAT JSON) SELECT key FROM entity_classes WHERE class = 'Account'").fetchone()
    assert plan is not None
    assert plan[0][0]["Plan"]["Plan Rows"] == 3
