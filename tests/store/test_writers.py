"""Two writers on one database, and a run left behind by a killed process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsgraph.model import Entity
from awsgraph.store.base import StoreBusy
from awsgraph.store.sqlite import SQLiteStore

BUSY = re.compile(r"^database busy: run (\d+) by pid (\d+) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")


def queue(n: int) -> Entity:
    return Entity(key=f"q-{n}", type="aws_sqs_queue", classes=("Queue",),
                  props={"name": f"q{n}", "accountId": "111111111111", "region": "us-east-1"})


def staged(path: str, run_id: int) -> int:
    store = SQLiteStore(path)
    try:
        return int(store.connection.execute("SELECT count(*) FROM staged WHERE run_id=?", (run_id,)).fetchone()[0])
    finally:
        store.close()


def test_a_second_writer_is_refused_in_one_line_and_deletes_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    first, second = SQLiteStore(path), SQLiteStore(path)
    try:
        run = first.begin_run({})
        first.begin_unit(run, "111111111111")
        first.stage_entities(run, [queue(i) for i in range(50)], unit="111111111111")
        with pytest.raises(StoreBusy) as refused:
            second.begin_run({})
        match = BUSY.match(str(refused.value))
        assert match and int(match.group(1)) == run and int(match.group(2)) == os.getpid()
        assert staged(path, run) == 50  # the refused run touched nothing of the first
        first.commit_unit(run, "111111111111", [("111111111111", "us-east-1", "aws_sqs_queue")], [])
        first.end_run(run, {})
        assert len(list(second.iter_entities())) == 50
    finally:
        first.close()
        second.close()


def test_a_second_writer_can_wait_for_the_first(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    first, second = SQLiteStore(path), SQLiteStore(path)
    try:
        run = first.begin_run({})
        told: list[str] = []
        timer = threading.Timer(0.5, lambda: first.end_run(run, {}))
        timer.start()
        started = time.monotonic()
        later = second.begin_run({}, wait=30, on_wait=told.append)
        assert later > run and time.monotonic() - started >= 0.4
        assert len(told) == 1 and "waiting for it to finish" in told[0] and f"run {run}" in told[0]
        second.end_run(later, {})
        timer.join()
    finally:
        first.close()
        second.close()


def test_a_redelivered_unit_replaces_what_it_staged(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "u.db"))
    try:
        run = store.begin_run({})
        store.begin_unit(run, "111111111111")
        store.stage_entities(run, [queue(i) for i in range(10)], unit="111111111111")
        store.begin_unit(run, "111111111111")  # the task again, from the start
        store.stage_entities(run, [queue(i) for i in range(3)], unit="111111111111")
        result = store.commit_unit(run, "111111111111", [("111111111111", "us-east-1", "aws_sqs_queue")], [])
        assert result.counts["created"] == 3
        assert sorted(e.key for e in store.iter_entities()) == ["q-0", "q-1", "q-2"]
        store.end_run(run, {})
    finally:
        store.close()


HOLDER = """
import sys, time
from awsgraph.model import Entity
from awsgraph.store.sqlite import SQLiteStore
store = SQLiteStore(sys.argv[1])
run = store.begin_run({"holder": True})
store.begin_unit(run, "111111111111")
store.stage_entities(run, [Entity(key=f"held-{i}", type="aws_sqs_queue", classes=("Queue",),
                                  props={"accountId": "111111111111"}) for i in range(20)], unit="111111111111")
print(run, flush=True)
time.sleep(600)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], int]]:
    path = str(tmp_path / "cli.db")
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run = int(proc.stdout.readline())
    try:
        yield path, proc, run
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_two_collect_processes_then_the_killed_one_is_cleaned_up(
        aws: None, holder: tuple[str, subprocess.Popen[str], int], capsys: pytest.CaptureFixture[str]) -> None:
    from awsgraph.cli import main

    path, proc, run = holder
    args = ["collect", "--regions", "us-east-1", "--services", "iam", "--db", path, "--workers", "4", "--json"]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert BUSY.match(err.removeprefix("awsgraph: error: ")), err
    assert f"by pid {proc.pid}" in err
    assert staged(path, run) == 20  # nothing of the live run was deleted

    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert any(f"cleaned up run {run}" in note and f"pid {proc.pid} is gone" in note for note in out["notes"])
    store = SQLiteStore(path)
    try:
        status, summary = store.connection.execute("SELECT status, summary FROM runs WHERE id=?", (run,)).fetchone()
        assert status == "aborted" and "abandoned" in json.loads(summary)["reason"]
        assert staged(path, run) == 0
        assert not [e for e in store.iter_entities() if e.key.startswith("held-")]  # never committed
    finally:
        store.close()


def test_only_a_role_last_used_changing_does_not_re_derive_its_account(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "v.db"))
    scope = [("111111111111", "global", "aws_iam_role")]

    def role(last_used: str, path: str = "/") -> Entity:
        return Entity(key="arn:aws:iam::111111111111:role/audit", type="aws_iam_role", classes=("AccessRole",),
                      props={"accountId": "111111111111", "lastUsedOn": last_used, "path": path},
                      raw={"RoleLastUsed": {"LastUsedDate": last_used}, "Path": path}, scope_region="global")

    try:
        for last_used, path, dirty in (("1", "/", True), ("2", "/", False), ("3", "/ops/", True)):
            run = store.begin_run({})
            store.begin_unit(run, "111111111111")
            store.stage_entities(run, [role(last_used, path)], unit="111111111111")
            store.commit_unit(run, "111111111111", scope, [])
            assert store.dirty_accounts() == (["111111111111"] if dirty else []), last_used
            store.connection.execute("DELETE FROM dirty")
            store.end_run(run, {})
        props = next(store.iter_entities()).props
        assert props["lastUsedOn"] == "3" and props["path"] == "/ops/"  # the entity itself is current
    finally:
        store.close()
