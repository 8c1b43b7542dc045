"""The run lifecycle, written once for both stores: the writer lease and units (here), merging
what a unit staged into the live graph (:mod:`awsgraph.store.merge`) and the cross-account pass
(:mod:`awsgraph.store.derivation`).

A store mixes :class:`RunWrites` in and provides a few primitives (how to run a statement, a
transaction, a history row, its locks); the SQL here is the dialect both SQLite and PostgreSQL
speak (``INSERT ... ON CONFLICT``, ``UPDATE ... FROM``, ``?`` placeholders that PostgreSQL's store
translates). What must differ stays in each store: SQLite's exclusive write transactions and
process-local locks; PostgreSQL's advisory locks, ``COPY`` into the staging table and its retry
of a transaction that lost a deadlock to another worker.

Where they write the same graph, the two stores write the same rows (a test collects one
organization into both and compares them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from awsgraph.model import Entity
from awsgraph.store.base import VOLATILE_PROPS, VOLATILE_RAW, StepResult, StoreBusy

HEARTBEAT_SECONDS = 15.0
# A run on another host (a shared database) is presumed dead when its heartbeat is this old.
STALE_SECONDS = 600.0
CHUNK = 400  # keys per IN (...) list

COUNT_KEYS = ("created", "updated", "deleted", "rel_created", "rel_updated", "rel_deleted")


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def dumps(obj: Any) -> str:
    """The one JSON text both stores hash and write: sorted keys, no spaces."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def as_text(value: Any) -> str | None:
    """A stored JSON value (SQLite: text; PostgreSQL: decoded jsonb) as the text written back."""
    if value is None or isinstance(value, str):
        return value
    return dumps(value)


def as_doc(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def rel_hash(props: str, mapped: bool) -> str:
    # ``mapped`` is part of what a relationship is: a placeholder end that became a real
    # entity must show as an update even when no property changed.
    return content_hash(props + "\x00mapped" if mapped else props)


def only_volatile(old_props: Any, props: Any, old_raw: Any, raw: Any) -> bool:
    """Whether two versions of an entity differ only in what no derivation reads."""
    def strip(value: Any, keys: frozenset[str]) -> Any:
        data = as_doc(value) if value else {}
        return {k: v for k, v in data.items() if k not in keys} if isinstance(data, dict) else data

    return (strip(old_props, VOLATILE_PROPS) == strip(props, VOLATILE_PROPS)
            and strip(old_raw, VOLATILE_RAW) == strip(raw, VOLATILE_RAW))


def chunks(items: list[Any], n: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def marks(n: int) -> str:
    return ",".join("?" * n)


def new_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


def proc_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            text = fh.read()
        return text.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def when(ts: float | None) -> str:
    if not ts:
        return "an unknown time"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def account_is(account: str | None) -> tuple[str, list[Any]]:
    """SQL for "account is this one (None: none)" that both stores answer from an index."""
    return ("account IS NULL", []) if account is None else ("account = ?", [account])


class Heartbeat(threading.Thread):
    """Marks a run alive every ``HEARTBEAT_SECONDS`` (``store.heartbeat``), so that a run on
    another host is judged by its heartbeat's age."""

    def __init__(self, store: Any, run_id: int) -> None:
        super().__init__(name=f"awsgraph-heartbeat-{run_id}", daemon=True)
        self.store = store
        self.run_id = run_id
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(Exception):
                self.store.heartbeat(self.run_id)


class RunWrites:
    """Runs, units and the merge of staged entities; see the module's docstring for what a store provides."""

    _lock: Any  # a re-entrant lock: one statement sequence of this store object at a time
    _heartbeats: dict[int, Heartbeat]
    _history_rows: dict[str, int]
    _retryable: tuple[type[BaseException], ...] = ()  # errors after which a unit's commit is tried again
    reaped: list[str]
    _null_safe_equals: str
    _write_order: str

    # -- primitives a store provides --------------------------------------------------------------
    def _x(self, sql: str, params: Iterable[Any] = ()) -> Any:
        raise NotImplementedError

    def _xmany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def _stream(self, sql: str, params: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows of a possibly large result, fetched in batches while other statements run."""
        raise NotImplementedError

    def _transaction(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def _history(self, run_id: int, kind: str, key: str, op: str, etype: str | None, props: str | None) -> int:
        """Insert a history row; its id (write order)."""
        raise NotImplementedError

    def _lock_runs(self) -> None:
        """Inside begin_run's transaction: no other writer looks at the runs table until it ends."""

    def _lock_shared_entity(self, key: str) -> None:
        """Inside a unit's commit: the entity several units write (an account's fragments) is merged
        by one of them at a time."""

    def _write_staged(self, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def _rollback_open(self) -> None:
        """Roll back a transaction left open by an interrupted statement sequence."""

    @staticmethod
    def _doc(value: Any) -> Any:
        return as_doc(value)

    def heartbeat(self, run_id: int) -> None:
        raise NotImplementedError

    # -- the writer lease ---------------------------------------------------------------------
    def begin_run(self, config: dict[str, Any], *, wait: float = 0.0,
                  on_wait: Callable[[str], None] | None = None) -> int:
        """Start a run, or raise :class:`StoreBusy` when another live run writes the database.

        With ``wait`` > 0, wait up to that many seconds for it to end (``on_wait`` is told once).
        A run left ``running`` by a process that is gone is cleaned up first: its staged rows
        are dropped (never another live run's) and it is marked aborted.
        """
        deadline = time.monotonic() + max(wait, 0.0)
        told = False
        pid = os.getpid()
        while True:
            with self._transaction():
                self._lock_runs()
                self.reaped += self._reap_dead_runs()
                busy = self._live_run()
                if busy is None:
                    now = time.time()
                    row = self._x(
                        "INSERT INTO runs(started_at, status, config, pid, host, proc_start, heartbeat)"
                        " VALUES(?, 'running', ?, ?, ?, ?, ?) RETURNING id",
                        (now, dumps(config), pid, socket.gethostname(), proc_start(pid), now)).fetchone()
                    run_id = int(row[0])
                    break
            rid, rpid, started = busy
            message = f"database busy: run {rid} by pid {rpid} since {when(started)}"
            if time.monotonic() >= deadline:
                raise StoreBusy(message)
            if on_wait is not None and not told:
                on_wait(f"{message}; waiting for it to finish")
                told = True
            time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
        beat = Heartbeat(self, run_id)
        self._heartbeats[run_id] = beat
        beat.start()
        return run_id

    @staticmethod
    def _run_alive(pid: int | None, host: str | None, started: str | None, heartbeat: float | None) -> bool:
        if host and host != socket.gethostname():
            return heartbeat is not None and time.time() - heartbeat < STALE_SECONDS
        if pid is None:
            return False  # written by a version without leases: its process cannot be checked
        if not pid_alive(pid):
            return False
        return started is None or proc_start(pid) in (None, started)

    def _reap_dead_runs(self) -> list[str]:
        notes = []
        for rid, pid, host, started, beat in self._x(
                "SELECT id, pid, host, proc_start, heartbeat FROM runs WHERE status='running'").fetchall():
            if self._run_alive(pid, host, started, beat):
                continue
            committed = self._x("SELECT count(*) FROM run_units WHERE run_id=? AND status IN"
                                " ('success', 'partial')", (rid,)).fetchone()[0]
            self._x("DELETE FROM staged WHERE run_id=?", (rid,))
            self._x("UPDATE run_units SET status='aborted', reason='the process running it ended'"
                    " WHERE run_id=? AND status='running'", (rid,))
            why = f"pid {pid} is gone" if pid is not None else "left running by an earlier version"
            if host and host != socket.gethostname():
                why = f"no heartbeat from {host} for {STALE_SECONDS / 60:.0f} minutes"
            self._x("UPDATE runs SET status=?, finished_at=?, summary=? WHERE id=?",
                    ("interrupted" if committed else "aborted", time.time(),
                     dumps({"reason": f"abandoned: {why}", "committedAccounts": committed}), rid))
            notes.append(f"cleaned up run {rid}, left running ({why})")
        return notes

    def _live_run(self) -> tuple[int, int | None, float] | None:
        row = self._x("SELECT id, pid, started_at FROM runs WHERE status='running' ORDER BY id LIMIT 1").fetchone()
        return (int(row[0]), row[1], float(row[2])) if row else None

    def run_status(self, run_id: int) -> str | None:
        row = self._x("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
        return str(row[0]) if row else None

    def _stop_heartbeat(self, run_id: int) -> None:
        beat = self._heartbeats.pop(run_id, None)
        if beat is not None:
            beat.stop.set()

    # -- units --------------------------------------------------------------------------------
    def begin_unit(self, run_id: int, unit: str) -> int:
        """Start (or restart) one account of a run: anything it staged before is replaced.
        Returns how many times the unit has been started in this run (1 the first time)."""
        with self._transaction():
            self._x("DELETE FROM staged WHERE run_id=? AND unit=?", (run_id, unit))
            self._x("DELETE FROM steps WHERE run_id=? AND account=?", (run_id, unit))
            row = self._x(
                "INSERT INTO run_units(run_id, unit, status, started_at, pid, host, attempts)"
                " VALUES(?, ?, 'running', ?, ?, ?, 1) ON CONFLICT(run_id, unit) DO UPDATE SET"
                " status=excluded.status, started_at=excluded.started_at, finished_at=NULL, pid=excluded.pid,"
                " host=excluded.host, reason=NULL, summary=NULL, attempts=COALESCE(run_units.attempts, 0) + 1"
                " RETURNING attempts",
                (run_id, unit, time.time(), os.getpid(), socket.gethostname())).fetchone()
        return int(row[0]) if row and row[0] is not None else 1

    def unit_attempts(self, run_id: int, unit: str) -> tuple[str | None, int]:
        """(status, attempts) of one unit of a run: (None, 0) when it never started."""
        row = self._x("SELECT status, attempts FROM run_units WHERE run_id=? AND unit=?", (run_id, unit)).fetchone()
        return (None, 0) if row is None else (str(row[0]), int(row[1] or 0))

    def stage_entities(self, run_id: int, entities: Iterable[Entity], unit: str = "") -> None:
        rows = []
        entities = list(entities)
        incomplete = [e.key for e in entities if e.incomplete]
        known: set[str] = set()
        if incomplete:
            with self._lock:
                for chunk in chunks(incomplete):
                    known.update(r[0] for r in self._x(
                        f"SELECT key FROM entities WHERE deleted_run IS NULL AND key IN ({marks(len(chunk))})",
                        chunk).fetchall())
        for e in entities:
            if e.key in known:
                # A detail call failed this time; keep what the last complete read stored
                # (its scope is partial, so nothing is deleted either).
                continue
            props = dumps(e.to_j1())
            links = dumps(e.link_values) if e.link_values else None
            raw = dumps(e.raw) if e.raw is not None else None
            account = e.props.get("accountId") or unit or None
            rows.append(
                (run_id, unit, e.key, e.fragment, e.type, account,
                 e.scope_region or e.props.get("region") or "global", props, links, raw,
                 content_hash(props + (links or "")), content_hash(raw) if raw else None)
            )
        if rows:
            self._write_staged(rows)

    def record_step(self, run_id: int, result: StepResult) -> None:
        with self._lock:
            self._x(
                "INSERT INTO steps(run_id, step, account, region, service, types, status, reason, entities,"
                " calls, duration, capped) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, result.step, result.account, result.region, result.service, dumps(result.types),
                 result.status, result.reason, result.entities, result.calls, result.duration, result.capped),
            )

    def _finish_unit(self, run_id: int, unit: str, status: str, reason: str | None, summary: str | None) -> None:
        now = time.time()
        self._x(
            "INSERT INTO run_units(run_id, unit, status, started_at, finished_at, pid, host, reason, summary, attempts)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT(run_id, unit) DO UPDATE SET status=excluded.status,"
            " finished_at=excluded.finished_at, pid=excluded.pid, host=excluded.host, reason=excluded.reason,"
            " summary=excluded.summary",
            (run_id, unit, status, now, now, os.getpid(), socket.gethostname(), reason, summary))

    def fail_unit(self, run_id: int, unit: str, status: str, reason: str) -> None:
        """One account could not be collected (AssumeRole refused...): nothing of it is touched."""
        with self._transaction():
            self._x("DELETE FROM staged WHERE run_id=? AND unit=?", (run_id, unit))
            self._finish_unit(run_id, unit, status, reason, None)

    def end_run(self, run_id: int, summary: dict[str, Any], status: str = "finished") -> None:
        self._stop_heartbeat(run_id)
        with self._transaction():
            self._x("DELETE FROM staged WHERE run_id=?", (run_id,))
            self._x("UPDATE runs SET status=?, finished_at=?, summary=? WHERE id=?",
                    (status, time.time(), dumps(summary), run_id))

    def abort_run(self, run_id: int, reason: str) -> None:
        self._stop_heartbeat(run_id)
        with self._lock:
            self._rollback_open()
            with self._transaction():
                self._x("DELETE FROM staged WHERE run_id=?", (run_id,))
                self._x("UPDATE run_units SET status='aborted', reason=? WHERE run_id=? AND status='running'",
                        (reason, run_id))
                committed = self._x("SELECT count(*) FROM run_units WHERE run_id=? AND status IN"
                                    " ('success', 'partial')", (run_id,)).fetchone()[0]
                self._x("UPDATE runs SET status=?, finished_at=?, summary=? WHERE id=?",
                        ("interrupted" if committed else "aborted", time.time(),
                         dumps({"reason": reason, "committedAccounts": committed}), run_id))

    def unit_outcomes(self, run_id: int) -> list[dict[str, Any]]:
        return [{"unit": u, "status": st, "reason": reason or "", "summary": self._doc(summ) if summ else {}}
                for u, st, reason, summ in self._x(
                    "SELECT unit, status, reason, summary FROM run_units WHERE run_id=? ORDER BY unit",
                    (run_id,)).fetchall()]


__all__ = ["CHUNK", "HEARTBEAT_SECONDS", "STALE_SECONDS", "Heartbeat", "RunWrites", "as_doc", "as_text",
           "content_hash", "dumps"]
