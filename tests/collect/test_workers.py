"""Scaling out, end to end: one organization collected by one process into SQLite and by two
Celery workers (``awsgraph worker`` subprocesses) into PostgreSQL gives the same graph; a worker
process killed mid-task loses nothing (the task is delivered again and the unit's staging
replaced). Moto runs as a server the workers reach over HTTP; PostgreSQL and Redis are the
private servers of ``tests/servers.py``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from moto.server import ThreadedMotoServer

from awsgraph.cli import main
from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.org import OrgOptions, run_organization
from awsgraph.collect.run import open_session
from awsgraph.store import open_store
from awsgraph.store.base import VOLATILE_PROPS
from awsgraph.store.sqlite import SQLiteStore
from tests.collect.test_org import MEMBER_ROLE, MGMT, Org, build_estate

SERVICES = "iam,ec2,s3"
RUN_FIELDS = VOLATILE_PROPS  # what changes between two runs over the same estate (a role's last use)


@pytest.fixture(scope="module")
def moto() -> Iterator[tuple[str, Org]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    requests.post(f"{url}/moto-api/config", json={"batch": {"use_docker": False},
                                                  "lambda": {"use_docker": False}}, timeout=30)
    os.environ["AWS_ENDPOINT_URL"] = url  # the seeding's boto3 clients go to the server
    try:
        org = build_estate()
    finally:
        os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        yield url, org
    finally:
        server.stop()


@pytest.fixture(scope="module")
def moto_url(moto: tuple[str, Org]) -> str:
    return moto[0]


def graph(target: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Live entities and relationships (with their ``mapped`` flag), minus what changes between runs."""
    store = open_store(target)
    try:
        ents = {e.key: {k: v for k, v in e.props.items() if k not in RUN_FIELDS} for e in store.iter_entities()}
        rows = store.connection.execute(
            "SELECT key, props, mapped FROM relationships WHERE deleted_run IS NULL").fetchall()
    finally:
        store.close()
    rels = {}
    for key, props, mapped in rows:
        doc = json.loads(props) if isinstance(props, str) else props
        rels[key] = {**doc, "mapped": bool(mapped)}
    return ents, rels


@pytest.fixture(scope="module")
def one_process(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The organization collected by one process (threads) into SQLite."""
    db = str(tmp_path_factory.mktemp("one") / "org.db")
    cfg = InstanceConfig(regions=["us-east-1"], services=SERVICES.split(","), db=db, endpoint_url=moto_url,
                         workers=8, max_attempts=2)
    store = SQLiteStore(db)
    try:
        summary = run_organization(cfg, OrgOptions(member_role_name=MEMBER_ROLE), store, source=open_session(cfg))
    finally:
        store.close()
    assert {a.status for a in summary.accounts} == {"success"}
    return db


class Worker:
    def __init__(self, broker: str, db: str, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_PROFILE")}
        self.log = log
        self._fh = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "awsgraph", "worker", "--broker", broker, "--db", db, "--concurrency", "1",
             "--task-time-limit", "300"], stdout=self._fh, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            if " ready." in text:
                return
            assert self.proc.poll() is None, text
            time.sleep(0.1)
        raise AssertionError(f"worker not ready: {self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._fh.close()


@pytest.fixture(scope="module")
def workers(pg_database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Worker]]:
    logs = tmp_path_factory.mktemp("workers")
    started = [Worker(redis_url, pg_database, logs / f"worker{i}.log") for i in (1, 2)]
    try:
        for w in started:
            w.wait_ready()
        yield started
    finally:
        for w in started:
            w.stop()


def collect_with_workers(moto_url: str, pg: str, redis: str, capsys: pytest.CaptureFixture[str],
                         accounts: list[str] | None = None) -> dict[str, Any]:
    code = main(["collect", *(accounts or ["--org", "--member-role-name", MEMBER_ROLE]), "--regions", "us-east-1",
                 "--services", SERVICES, "--endpoint-url", moto_url, "--max-attempts", "2",
                 "--db", pg, "--broker", redis, "--account-workers", "4", "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return dict(json.loads(out))


def units(pg: str, run_id: int) -> list[tuple[str, str, int, float, float, int]]:
    with psycopg.connect(pg, autocommit=True) as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            "SELECT unit, status, pid, started_at, finished_at, attempts FROM run_units WHERE run_id = %s"
            " ORDER BY unit", [run_id]).fetchall()]


def test_two_workers_on_postgresql_give_the_graph_one_process_gives_on_sqlite(
        moto_url: str, one_process: str, workers: list[Worker], pg_database: str, redis_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    summary = collect_with_workers(moto_url, pg_database, redis_url, capsys)
    assert summary["accountsByStatus"] == {"success": 4, "partial": 0, "failed": 0}, summary["accounts"]
    assert MGMT in {a["account"] for a in summary["accounts"]}
    expected_ents, expected_rels = graph(one_process)
    ents, rels = graph(pg_database)
    assert sorted(ents) == sorted(expected_ents)
    assert ents == expected_ents
    assert sorted(rels) == sorted(expected_rels)
    assert rels == expected_rels
    assert len(rels) > 20 and any(r["_class"] == "TRUSTS" for r in rels.values())
    # the accounts were collected by both workers' processes, and two of them at the same time
    done = units(pg_database, summary["runId"])
    assert len({pid for _u, _s, pid, *_ in done}) == 2, done
    assert any(a[3] < b[4] and b[3] < a[4] for a in done for b in done if a[2] != b[2]), done


def test_a_worker_killed_mid_task_loses_nothing(
        moto_url: str, one_process: str, workers: list[Worker], pg_database: str, redis_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = graph(pg_database)
    killed: list[tuple[str, int]] = []

    def kill_one_running_unit() -> None:
        deadline = time.monotonic() + 60
        with psycopg.connect(pg_database, autocommit=True) as conn:
            while time.monotonic() < deadline and not killed:
                row = conn.execute("SELECT u.unit, u.pid FROM run_units u JOIN runs r ON r.id = u.run_id"
                                   " WHERE r.status = 'running' AND u.status = 'running' AND u.unit <> %s"
                                   " ORDER BY u.started_at LIMIT 1", [MGMT]).fetchone()
                if row:
                    os.kill(int(row[1]), signal.SIGKILL)  # the pool process running the task
                    killed.append((str(row[0]), int(row[1])))
                time.sleep(0.02)

    killer = threading.Thread(target=kill_one_running_unit)
    killer.start()
    summary = collect_with_workers(moto_url, pg_database, redis_url, capsys)
    killer.join()
    assert killed, "no unit was seen running"
    account, pid = killed[0]
    assert summary["accountsByStatus"] == {"success": 4, "partial": 0, "failed": 0}, summary["accounts"]
    done = {u[0]: u for u in units(pg_database, summary["runId"])}
    assert done[account][1] == "success" and done[account][5] == 2 and done[account][2] != pid
    # nothing lost, nothing duplicated: the graph is the one before, and the one one process gives
    assert graph(pg_database) == before == graph(one_process)
    assert summary["changes"]["created"] == 0 and summary["changes"]["deleted"] == 0, summary["changes"]
    with psycopg.connect(pg_database, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM staged").fetchone() == (0,)
        dupes = conn.execute("SELECT key, count(*) FROM history WHERE op = 'created' GROUP BY key"
                             " HAVING count(*) > 1").fetchall()
        assert dupes == []
    assert any("WorkerLostError" in w.log.read_text(errors="replace") for w in workers)


def test_an_accounts_file_run_through_the_workers(moto: tuple[str, Org], workers: list[Worker], pg_database: str,
                                                  redis_url: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    url, org = moto
    accounts = tmp_path / "accounts.toml"
    accounts.write_text("".join(f'[[account]]\nroleArn = "arn:aws:iam::{a}:role/{MEMBER_ROLE}"\n'
                                f'externalId = "ext-{a}"\nname = "{n}"\n\n' for a, n in ((org.prod, "prod"),
                                                                                      (org.dev, "dev"))))
    summary = collect_with_workers(url, pg_database, redis_url, capsys, ["--accounts-file", str(accounts)])
    assert summary["mode"] == "accounts-file"
    assert {(a["account"], a["name"], a["status"]) for a in summary["accounts"]} == {
        (org.prod, "prod", "success"), (org.dev, "dev", "success")}
    ents, _ = graph(pg_database)
    assert f"arn:aws:iam::{org.dev}:role/deployer" in ents


class Recorded:
    """An OrgProgress that keeps what it was told, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def planned(self, total: int) -> None:
        self.calls.append(("planned", str(total)))

    def account_started(self, account: str, name: str) -> None:
        self.calls.append(("started", account))

    def account_steps(self, account: str, done: int, total: int) -> None:
        pass

    def account_done(self, outcome: Any) -> None:
        self.calls.append(("done", outcome.account_id))

    def deriving(self, done: int, total: int) -> None:
        pass


def test_progress_follows_the_workers_task_events(moto_url: str, workers: list[Worker], pg_database: str,
                                                  redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from awsgraph.store import open_writer
    from awsgraph.workers import dispatch as dispatch_module

    # no fallback polling within the test: only the workers' events can tell the run a task ended
    monkeypatch.setattr(dispatch_module, "FALLBACK_POLL_SECONDS", 3600.0)
    cfg = InstanceConfig(regions=["us-east-1"], services=SERVICES.split(","), db=pg_database, endpoint_url=moto_url,
                         max_attempts=2)
    store = open_writer(pg_database)
    dispatch = dispatch_module.CeleryDispatch(redis_url, cfg, store, in_flight=4, time_limit=300, give_up_after=120)
    progress = Recorded()
    try:
        summary = run_organization(cfg, OrgOptions(member_role_name=MEMBER_ROLE), store, source=open_session(cfg),
                                   progress=progress, dispatch=dispatch)
    finally:
        store.close()
    assert {a.status for a in summary.accounts} == {"success"}, [(a.account_id, a.reason) for a in summary.accounts]
    assert dispatch.notes == [] and summary.notes == []
    accounts = {a.account_id for a in summary.accounts}
    assert dispatch.ended_by_event == len(accounts)  # every outcome was read when its task-succeeded came
    started = [a for kind, a in progress.calls if kind == "started"]
    done = [a for kind, a in progress.calls if kind == "done"]
    assert sorted(started) == sorted(done) == sorted(accounts)
    for account in accounts:  # each account shown running before it is shown done
        assert progress.calls.index(("started", account)) < progress.calls.index(("done", account))


def test_without_events_the_tasks_are_still_followed_by_polling(
        moto_url: str, workers: list[Worker], pg_database: str, redis_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from awsgraph.store import open_writer
    from awsgraph.workers import dispatch as dispatch_module

    monkeypatch.setattr(dispatch_module.TaskEvents, "_on_event", lambda self, event: None)  # events lost
    monkeypatch.setattr(dispatch_module, "FALLBACK_POLL_SECONDS", 0.5)
    cfg = InstanceConfig(regions=["us-east-1"], services=SERVICES.split(","), db=pg_database, endpoint_url=moto_url,
                         max_attempts=2)
    store = open_writer(pg_database)
    dispatch = dispatch_module.CeleryDispatch(redis_url, cfg, store, in_flight=4, time_limit=300, give_up_after=120)
    try:
        summary = run_organization(cfg, OrgOptions(member_role_name=MEMBER_ROLE), store, source=open_session(cfg),
                                   dispatch=dispatch)
    finally:
        store.close()
    assert {a.status for a in summary.accounts} == {"success"}, [(a.account_id, a.reason) for a in summary.accounts]
    assert dispatch.ended_by_event == 0


@pytest.mark.parametrize(("argv", "message"), [
    (["worker", "--broker", "redis://127.0.0.1:1/0", "--db", "graph.db"], "workers write a shared PostgreSQL graph"),
    (["worker", "--broker", "http://x", "--db", "postgresql://u@h/db"], "--broker wants a Celery broker URL"),
    (["worker", "--broker", "redis://h/0", "--db", "postgresql://u@h/db", "--task-time-limit", "5"],
     "--task-time-limit must be between"),
    (["collect", "--broker", "redis://h/0", "--db", "postgresql://u@h/db"], "go with --org or --accounts-file"),
])
def test_worker_flags_are_checked_in_one_line(argv: list[str], message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_a_task_message_carries_no_secret_and_names_only_run_and_account() -> None:
    from awsgraph.collect.org import AccountTarget
    from awsgraph.workers.messages import MessageError, describe, read_message, task_message

    cfg = InstanceConfig(regions=["us-east-1"], role_arn="arn:aws:iam::123456789012:role/audit",
                         external_id="ext-0123456789", db="postgresql://u:hunter2@db:5432/graph?sslkey=k",
                         endpoint_url="http://user:pw@emulator:4566/?x=y")
    target = AccountTarget("210987654321", "prod", "arn:aws:iam::210987654321:role/member", "member-ext")
    message = task_message(7, cfg.db, target, cfg)
    text = json.dumps(message)
    assert "hunter2" not in text and "sslkey" not in text and "pw@" not in text and "x=y" not in text
    assert describe(message) == "run=7 account=210987654321"
    with pytest.raises(MessageError, match="this worker writes"):
        read_message(message, db="postgresql://u@other:5432/graph", profile=None)
    run, back, unit_cfg, start = read_message(message, db="postgresql://u:pw2@db:5432/graph", profile="audit")
    assert (run, back) == (7, target) and unit_cfg.role_arn is None and unit_cfg.profile == "audit"
    assert (start.role_arn, start.external_id) == (cfg.role_arn, cfg.external_id)
