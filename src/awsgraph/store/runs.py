"""The run lifecycle, written once for both stores: the writer lease, units, and merging what a
unit staged into the live graph.

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
from awsgraph.model.accounts import ORG, SELF, compose, merge_links
from awsgraph.store.base import VOLATILE_PROPS, VOLATILE_RAW, StepResult, StoreBusy, UnitCommit

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


class Listing:
    """What an Organizations listing a unit committed named."""

    def __init__(self) -> None:
        self.org_ids: set[str] = set()
        self.listed: set[str] = set()  # account keys an Organizations listing named


class EntityWrites:
    """Entity writes queued by a merge, sent in batches (``executemany``: one round trip per batch on
    PostgreSQL, one prepared statement on SQLite). Each key appears once per batch."""

    def __init__(self) -> None:
        self.created: list[tuple[Any, ...]] = []
        self.updated: list[tuple[Any, ...]] = []
        self.raw: list[tuple[Any, ...]] = []
        self.seen: list[tuple[Any, ...]] = []
        self.drop_classes: list[tuple[str]] = []
        self.add_classes: list[tuple[str, str]] = []
        self.history: list[tuple[Any, ...]] = []
        self.changed: dict[str, str] = {}  # key -> account ("" = none): to derive again

    def __len__(self) -> int:
        return len(self.created) + len(self.updated) + len(self.raw) + len(self.seen)

    def classes(self, key: str, props: str, *, replace: bool) -> None:
        if replace:
            self.drop_classes.append((key,))
        self.add_classes += [(c, key) for c in dict.fromkeys(json.loads(props).get("_class", []))]

    def flush(self, store: RunWrites) -> None:
        store._xmany(
            "INSERT INTO entities(key, type, account, region, props, links, raw, source, hash,"
            " raw_hash, fragments, first_run, last_run, updated_run, deleted_run)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL) ON CONFLICT(key) DO UPDATE SET type=excluded.type,"
            " account=excluded.account, region=excluded.region, props=excluded.props, links=excluded.links,"
            " raw=excluded.raw, source=excluded.source, hash=excluded.hash, raw_hash=excluded.raw_hash,"
            " fragments=excluded.fragments, first_run=excluded.first_run, last_run=excluded.last_run,"
            " updated_run=excluded.updated_run, deleted_run=NULL, derived=NULL", self.created)
        store._xmany(
            "UPDATE entities SET type=?, account=?, region=?, props=?, links=?, raw=?, source=?, hash=?,"
            " raw_hash=?, fragments=COALESCE(?, fragments), last_run=?, updated_run=?, derived=NULL WHERE key=?",
            self.updated)
        store._xmany("UPDATE entities SET last_run=?, raw=?, raw_hash=?, fragments=COALESCE(?, fragments)"
                     " WHERE key=?", self.raw)
        store._xmany("UPDATE entities SET last_run=?, fragments=COALESCE(?, fragments) WHERE key=?", self.seen)
        store._xmany("DELETE FROM entity_classes WHERE key=?", self.drop_classes)
        store._xmany("INSERT INTO entity_classes(class, key) VALUES(?,?) ON CONFLICT DO NOTHING", self.add_classes)
        store._xmany("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)", self.history)
        if self.changed:
            store._xmany("INSERT INTO changed(key, account) VALUES(?, ?)"
                         " ON CONFLICT(key) DO UPDATE SET account=excluded.account", sorted(self.changed.items()))
            store._xmany("INSERT INTO dirty(account, gen) VALUES(?, 1) ON CONFLICT(account) DO UPDATE SET"
                         " gen=dirty.gen+1", [(a,) for a in sorted(set(self.changed.values()))])
        self.__init__()  # type: ignore[misc]


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

    def commit_unit(self, run_id: int, unit: str, complete_scopes: Iterable[tuple[str, str, str]],
                    partial_scopes: Iterable[tuple[str, str, str]],
                    summary: dict[str, Any] | None = None) -> UnitCommit:
        """Merge one unit's staged entities into the live graph in one transaction.

        Entities of its complete scopes that it did not see are marked deleted; accounts an
        Organizations listing it completed no longer names are marked deleted. The entities that
        changed are queued for :meth:`derive_pending`. Other units of the same run may commit
        before, after or (PostgreSQL) at the same time; a unit committed twice (a redelivered
        task) replaces nothing twice.
        """
        complete = sorted(set(complete_scopes))
        partial = sorted(set(partial_scopes))
        for attempt in range(5):
            counts = new_counts()
            self._history_rows = {}
            try:
                with self._transaction():
                    self._write_scopes(run_id, complete, partial)
                    listing = self._merge_staged(run_id, unit, counts)
                    self._delete_unseen(run_id, complete, counts)
                    left: list[str] = []
                    if any(t == "aws_organization" for (_a, _r, t) in complete) and listing.org_ids:
                        left = self._left_organization(run_id, listing, counts)
                    self._x("DELETE FROM staged WHERE run_id=? AND unit=?", (run_id, unit))
                    self._finish_unit(run_id, unit, "partial" if partial else "success", None,
                                      dumps({**(summary or {}), "changes": counts}))
                return UnitCommit(counts, left)
            except self._retryable:
                if attempt == 4:
                    raise
                time.sleep(0.1 * (attempt + 1))  # another worker's commit held what this one needs
        raise AssertionError("unreachable")

    def _write_scopes(self, run_id: int, complete: list[tuple[str, str, str]],
                      partial: Iterable[tuple[str, str, str]]) -> None:
        sql = ("INSERT INTO scopes(run_id, account, region, type, complete) VALUES(?,?,?,?,?)"
               " ON CONFLICT(run_id, account, region, type) DO UPDATE SET complete=excluded.complete")
        self._xmany(sql, [(run_id, *s, True) for s in complete])
        self._xmany(sql, [(run_id, *s, False) for s in partial])

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

    def finish_run(
        self,
        run_id: int,
        complete_scopes: Iterable[tuple[str, str, str]],
        partial_scopes: Iterable[tuple[str, str, str]],
        derive: Any,
        summary: dict[str, Any],
    ) -> dict[str, int]:
        """One unit and a whole-graph derivation in one transaction: ``derive(store)`` returns
        every relationship and placeholder the graph should have; the others are deleted.

        The collector uses :meth:`commit_unit` and :meth:`derive_pending`; this remains for
        callers that build a graph by hand (fixtures, imports).
        """
        counts = new_counts()
        self._history_rows = {}
        self._stop_heartbeat(run_id)
        with self._transaction():
            complete = sorted(set(complete_scopes))
            self._write_scopes(run_id, complete, set(partial_scopes))
            self._merge_staged(run_id, None, counts)
            self._delete_unseen(run_id, complete, counts)
            if derive is not None:
                extra_entities, rels = derive(self)
                self._merge_derived(run_id, "", list(extra_entities), list(rels), counts,  # type: ignore[attr-defined]
                                    everything=True)
            self._x("DELETE FROM staged WHERE run_id=?", (run_id,))
            self._x("UPDATE runs SET status='finished', finished_at=?, summary=? WHERE id=?",
                    (time.time(), dumps({**summary, "changes": counts}), run_id))
        return counts

    def unit_outcomes(self, run_id: int) -> list[dict[str, Any]]:
        return [{"unit": u, "status": st, "reason": reason or "", "summary": self._doc(summ) if summ else {}}
                for u, st, reason, summ in self._x(
                    "SELECT unit, status, reason, summary FROM run_units WHERE run_id=? ORDER BY unit",
                    (run_id,)).fetchall()]

    # -- merging entities ---------------------------------------------------------------------
    def _upsert_entity(self, run_id: int, row: tuple[Any, ...], source: str, counts: dict[str, int],
                       fragments: str | None = None, rh: str | None = None) -> str:
        """Write one entity now; returns what :meth:`_plan_entity` says."""
        writes = EntityWrites()
        old = self._x("SELECT hash, deleted_run, raw_hash, props, raw FROM entities WHERE key=?", (row[0],)).fetchone()
        outcome = self._plan_entity(run_id, row, source, counts, writes, old, fragments, rh)
        writes.flush(self)
        return outcome

    def _plan_entity(self, run_id: int, row: tuple[Any, ...], source: str, counts: dict[str, int],
                     writes: EntityWrites, old: tuple[Any, ...] | None, fragments: str | None = None,
                     rh: str | None = None) -> str:
        """Queue the writes of one entity, given its stored row ``old`` (hash, deleted_run, raw_hash, props,
        raw; None: never stored); returns created | updated | raw (only its raw record changed) | volatile
        (only what no derivation reads changed) | same."""
        key, etype, account, region, props, links, raw, h = row
        if rh is None and raw:
            rh = content_hash(raw)
        if old is None or old[1] is not None:
            writes.created.append((key, etype, account, region, props, links, raw, source, h, rh, fragments,
                                   run_id, run_id, run_id))
            writes.classes(key, props, replace=old is not None)
            writes.history.append((run_id, "entity", key, "created", etype, props))
            counts["created"] += 1
            return "created"
        if old[0] != h:
            writes.updated.append((etype, account, region, props, links, raw, source, h, rh, fragments, run_id,
                                   run_id, key))
            writes.classes(key, props, replace=True)
            writes.history.append((run_id, "entity", key, "updated", etype, props))
            counts["updated"] += 1
            return "volatile" if only_volatile(old[3], props, old[4], raw) else "updated"
        if old[2] != rh:
            writes.raw.append((run_id, raw, rh, fragments, key))
            return "volatile" if only_volatile(old[3], props, old[4], raw) else "raw"
        writes.seen.append((run_id, fragments, key))
        return "same"

    def _merge_staged(self, run_id: int, unit: str | None, counts: dict[str, int]) -> Listing:
        listing = Listing()
        where, params = ("s.run_id=?", [run_id]) if unit is None else ("s.run_id=? AND s.unit=?", [run_id, unit])
        # What is staged as it is stored (same hashes) only marks the entity seen: one statement
        # for all of them; the rest is read with what is stored of it, and written in batches.
        same = ("{e}.key = s.key AND {e}.deleted_run IS NULL AND {e}.hash = s.hash"
                f" AND {{e}}.raw_hash {self._null_safe_equals} s.raw_hash AND s.fragment = ''")
        self._x(f"UPDATE entities SET last_run=? FROM staged s WHERE {where} AND {same.format(e='entities')}",
                [run_id, *params])
        group: list[tuple[Any, ...]] = []  # the fragments of one key, merged before one write
        writes = EntityWrites()

        def flush() -> None:
            key, fragment, etype, account, region, props, links, raw, h, rh = group[-1][:10]
            old = group[-1][10:] if group[-1][10] is not None else None  # entities.hash is never NULL
            fragments = None
            if fragment:
                parts = {row[1]: (row[5], row[6], row[7]) for row in group}
                self._lock_shared_entity(key)  # then read it again: another unit may have merged it meanwhile
                props, links, raw, h, fragments = self._merge_fragments(key, parts)
                rh = None
                old = self._x("SELECT hash, deleted_run, raw_hash, props, raw FROM entities WHERE key=?",
                              (key,)).fetchone()
                if ORG in parts:
                    listing.listed.add(key)
            outcome = self._plan_entity(run_id, (key, etype, account, region, props, links, raw, h),
                                        "collector", counts, writes, old, fragments, rh)
            if outcome not in ("same", "volatile"):
                writes.changed[key] = account or ""
            group.clear()
            if len(writes) >= 500:
                writes.flush(self)

        for row in self._stream(
                "SELECT s.key, s.fragment, s.type, s.account, s.region, s.props, s.links, s.raw, s.hash, s.raw_hash,"
                " e.hash, e.deleted_run, e.raw_hash, e.props, e.raw FROM staged s LEFT JOIN entities e ON e.key = s.key"
                f" WHERE {where} AND NOT EXISTS(SELECT 1 FROM entities x WHERE {same.format(e='x')})"
                " ORDER BY s.key, s.fragment", params):
            if group and (row[0] != group[-1][0] or not row[1]):
                flush()
            group.append(tuple(row))
        if group:
            flush()
        writes.flush(self)
        for (props,) in self._x(f"SELECT s.props FROM staged s WHERE {where} AND s.type = 'aws_organization'",
                                params).fetchall():
            org_id = as_doc(props).get("organizationId")
            if org_id:
                listing.org_ids.add(str(org_id))
        return listing

    def _note_changed(self, key: str, account: str | None) -> None:
        writes = EntityWrites()
        writes.changed[key] = account or ""
        writes.flush(self)

    def _merge_fragments(self, key: str, parts: dict[str, tuple[str, str | None, str | None]]
                         ) -> tuple[str, str | None, str | None, str, str]:
        """Sources' views of a shared entity (``parts``: fragment -> props, links, raw), merged
        with what the other sources said before."""
        row = self._x("SELECT fragments, props, links, raw, deleted_run FROM entities WHERE key=?",
                      (key,)).fetchone()
        frs: dict[str, Any] = {}
        raw: str | None = None
        if row is not None and row[4] is None:
            raw = as_text(row[3])
            if row[0]:
                frs = as_doc(row[0])
            else:  # written before fragments existed: an Organizations stub names its email/status
                old = as_doc(row[1])
                frs = {ORG if ("email" in old or "status" in old) else SELF:
                       {"props": old, "links": as_doc(row[2]) if row[2] else {}}}
        for fragment, (props, links, part_raw) in parts.items():
            frs[fragment] = {"props": json.loads(props), "links": json.loads(links) if links else {}}
            if fragment == SELF or SELF not in frs or raw is None:
                raw = part_raw  # the account's own run read the richer record
        merged = compose({name: f["props"] for name, f in frs.items()})
        merged_links = merge_links({name: f.get("links") or {} for name, f in frs.items()})
        props_text = dumps(merged)
        links_text = dumps(merged_links) if merged_links else None
        return props_text, links_text, raw, content_hash(props_text + (links_text or "")), dumps(frs)

    def _delete_unseen(self, run_id: int, complete: list[tuple[str, str, str]], counts: dict[str, int]) -> None:
        for account, region, etype in complete:
            acct_sql, acct_params = account_is(account)
            region_sql = "region IS NULL" if region is None else "region = ?"
            rows = self._x(
                f"SELECT key, props FROM entities WHERE {acct_sql} AND {region_sql} AND type=? AND source='collector'"
                " AND deleted_run IS NULL AND last_run < ?",
                (*acct_params, *([] if region is None else [region]), etype, run_id),
            ).fetchall()
            for key, props in rows:
                self._mark_deleted(run_id, "entity", key, etype, as_text(props))
                self._note_changed(key, account)
                counts["deleted"] += 1

    def _left_organization(self, run_id: int, listing: Listing, counts: dict[str, int]) -> list[str]:
        """Accounts an organization listed before and a complete listing no longer names."""
        left = []
        for key, account, props, fragments in self._x(
                "SELECT key, account, props, fragments FROM entities WHERE type='aws_account'"
                " AND deleted_run IS NULL AND fragments IS NOT NULL").fetchall():
            org = (as_doc(fragments).get(ORG) or {}).get("props") or {}
            if str(org.get("organizationId")) not in listing.org_ids or key in listing.listed:
                continue
            self._mark_deleted(run_id, "entity", key, "aws_account", as_text(props))
            self._x("UPDATE entities SET fragments=NULL WHERE key=?", (key,))
            self._note_changed(key, account)
            counts["deleted"] += 1
            left.append(str(account or key.rsplit(":", 1)[-1]))
        return sorted(left)

    def _mark_deleted(self, run_id: int, kind: str, key: str, etype: str, props: str | None) -> None:
        table = "entities" if kind == "entity" else "relationships"
        self._x(f"UPDATE {table} SET deleted_run=? WHERE key=?", (run_id, key))
        if kind == "entity":
            self._x("DELETE FROM entity_classes WHERE key=?", (key,))
        self._history(run_id, kind, key, "deleted", etype, props)


__all__ = ["CHUNK", "HEARTBEAT_SECONDS", "STALE_SECONDS", "EntityWrites", "Heartbeat", "RunWrites", "as_doc",
           "as_text", "content_hash", "dumps"]
