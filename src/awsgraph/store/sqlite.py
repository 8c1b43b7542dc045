"""SQLite graph store: one database file, written transactionally.

Layout (the query layer compiles J1QL against it):

* ``entities``: every entity ever seen. ``props`` is the entity's JupiterOne JSON object
  (``_key``, ``_type``, ``_class`` list, properties). Live rows have ``deleted_run IS NULL``.
  An ``aws_account`` keeps the fragments its sources wrote (``fragments``; see
  :mod:`awsgraph.model.accounts`) and ``props`` is their merge.
* ``entity_classes``: (class, key) pairs, so ``FIND Host`` is an index lookup.
* ``relationships``: live rows have ``deleted_run IS NULL``; ``verb`` is the ``_class``.
* ``history``: one row per created/updated/deleted object per run, for diffs.
* ``runs``, ``run_units``, ``steps``, ``scopes``: what each run and each of its accounts did,
  which (account, region, type) scopes it completed, and why the others are partial.
* ``staged``: what a unit collected, until the unit commits.
* ``idents``: how other accounts may name each collected entity (key, ARN, VPC id, DNS name...);
  ``xrefs``: which of those identities each account's derivation looked up outside itself;
  ``owned``: which account's derivation asserts each relationship and placeholder;
  ``changed`` and ``dirty``: entities whose identities must be recomputed and accounts whose
  relationships must be derived again. Together they make derivation incremental.

A unit stages entities as it collects them and merges them into the live tables in one
transaction (``commit_unit``), so a crash or Ctrl-C mid-collection leaves the previous graph
intact. Entities are marked deleted only in scopes whose steps completed. Relationships are
derived per account (``derive_pending``) from the accounts marked dirty; an interrupted
derivation leaves them marked, and the next run finishes it.

Opening is explicit (:func:`open_store`): readers open a database read-only and refuse any
file that is not an awsgraph database (left untouched) or is corrupt; only a writer
(``collect``, ``demo``) creates or migrates one. A database is recognised by SQLite's
``application_id`` header field (or, for files written before it was set, by its
``meta.schema_version`` row and tables). The file and its ``-wal``/``-shm`` are 0600.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from awsgraph.model import Entity, Relationship
from awsgraph.model.accounts import ORG, SELF, compose, merge_links
from awsgraph.store.base import (
    VOLATILE_PROPS,
    VOLATILE_RAW,
    DeriveAccountFn,
    IdentityFn,
    RunInfo,
    StepResult,
    StoreBusy,
    StoredEntity,
    StoreError,
    UnitCommit,
)
from awsgraph.store.reads import GraphReads
from awsgraph.store.text_index import ensure_text_index

SCHEMA_VERSION = 1  # the changes since are additive: earlier versions still read these files
APPLICATION_ID = 0x61777367  # "awsg" in SQLite's header: this file is an awsgraph database
_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT, started_at REAL NOT NULL, finished_at REAL,
  status TEXT NOT NULL, config TEXT NOT NULL, summary TEXT);
CREATE TABLE IF NOT EXISTS steps(
  run_id INTEGER NOT NULL, step TEXT NOT NULL, account TEXT, region TEXT, service TEXT,
  types TEXT, status TEXT NOT NULL, reason TEXT, entities INTEGER, calls INTEGER,
  duration REAL, capped TEXT);
CREATE INDEX IF NOT EXISTS steps_run ON steps(run_id);
CREATE TABLE IF NOT EXISTS scopes(
  run_id INTEGER NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, type TEXT NOT NULL,
  complete INTEGER NOT NULL, PRIMARY KEY(run_id, account, region, type));
CREATE TABLE IF NOT EXISTS entities(
  key TEXT PRIMARY KEY, type TEXT NOT NULL, account TEXT, region TEXT,
  props TEXT NOT NULL, links TEXT, raw TEXT, source TEXT NOT NULL DEFAULT 'collector',
  derived TEXT, hash TEXT NOT NULL, first_run INTEGER, last_run INTEGER, updated_run INTEGER,
  deleted_run INTEGER);
CREATE INDEX IF NOT EXISTS entities_type ON entities(type, deleted_run);
CREATE INDEX IF NOT EXISTS entities_scope ON entities(account, region, type);
CREATE TABLE IF NOT EXISTS entity_classes(
  class TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY(class, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_classes_key ON entity_classes(key);
CREATE TABLE IF NOT EXISTS relationships(
  key TEXT PRIMARY KEY, type TEXT NOT NULL, verb TEXT NOT NULL,
  from_key TEXT NOT NULL, to_key TEXT NOT NULL, props TEXT NOT NULL, mapped INTEGER NOT NULL DEFAULT 0,
  hash TEXT NOT NULL, first_run INTEGER, last_run INTEGER, updated_run INTEGER, deleted_run INTEGER);
CREATE INDEX IF NOT EXISTS rel_from ON relationships(from_key, verb);
CREATE INDEX IF NOT EXISTS rel_to ON relationships(to_key, verb);
CREATE INDEX IF NOT EXISTS rel_type ON relationships(type);
CREATE TABLE IF NOT EXISTS history(
  run_id INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, op TEXT NOT NULL,
  type TEXT, props TEXT);
CREATE INDEX IF NOT EXISTS history_run ON history(run_id, kind);
CREATE TABLE IF NOT EXISTS run_units(
  run_id INTEGER NOT NULL, unit TEXT NOT NULL, status TEXT NOT NULL, started_at REAL, finished_at REAL,
  pid INTEGER, host TEXT, reason TEXT, summary TEXT, PRIMARY KEY(run_id, unit));
CREATE TABLE IF NOT EXISTS staged(
  run_id INTEGER NOT NULL, unit TEXT NOT NULL, key TEXT NOT NULL, fragment TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL, account TEXT, region TEXT, props TEXT NOT NULL, links TEXT, raw TEXT, hash TEXT NOT NULL,
  PRIMARY KEY(run_id, unit, key, fragment));
CREATE TABLE IF NOT EXISTS idents(
  kind TEXT NOT NULL, value TEXT NOT NULL, key TEXT NOT NULL, account TEXT NOT NULL,
  PRIMARY KEY(kind, value, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idents_key ON idents(key);
CREATE TABLE IF NOT EXISTS xrefs(
  owner TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(owner, kind, value)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS xrefs_value ON xrefs(kind, value);
CREATE TABLE IF NOT EXISTS owned(
  owner TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY(owner, kind, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS owned_key ON owned(kind, key);
CREATE TABLE IF NOT EXISTS changed(key TEXT PRIMARY KEY, account TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dirty(account TEXT PRIMARY KEY, gen INTEGER NOT NULL);
"""

# Columns later versions added to tables an older database already has (additive only).
_ADDED_COLUMNS = {
    "entities": (("derived", "TEXT"), ("raw_hash", "TEXT"), ("fragments", "TEXT")),
    "runs": (("pid", "INTEGER"), ("host", "TEXT"), ("proc_start", "TEXT"), ("heartbeat", "REAL")),
}

HEARTBEAT_SECONDS = 15.0
# A run on another host (a shared database) is presumed dead when its heartbeat is this old.
STALE_SECONDS = 600.0
_CHUNK = 400  # keys per IN (...) list

COUNT_KEYS = ("created", "updated", "deleted", "rel_created", "rel_updated", "rel_deleted")


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _rel_hash(props: str, mapped: bool) -> str:
    # ``mapped`` is part of what a relationship is: a placeholder end that became a real
    # entity must show as an update even when no property changed.
    return _hash(props + "\x00mapped" if mapped else props)


def _only_volatile(old_props: str, props: str, old_raw: str | None, raw: str | None) -> bool:
    """Whether two versions of an entity differ only in what no derivation reads."""
    def strip(text: str | None, keys: frozenset[str]) -> Any:
        data = json.loads(text) if text else {}
        return {k: v for k, v in data.items() if k not in keys} if isinstance(data, dict) else data

    return (strip(old_props, VOLATILE_PROPS) == strip(props, VOLATILE_PROPS)
            and strip(old_raw, VOLATILE_RAW) == strip(raw, VOLATILE_RAW))


def _chunks(items: list[Any], n: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


def _proc_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            text = fh.read()
        return text.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _when(ts: float | None) -> str:
    if not ts:
        return "an unknown time"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


DeriveFn = Callable[["SQLiteStore"], tuple[Iterable[Entity], Iterable[Relationship]]]

__all__ = ["SQLiteStore", "StoreBusy", "StoreError", "open_store"]


class _Heartbeat(threading.Thread):
    def __init__(self, store: SQLiteStore, run_id: int) -> None:
        super().__init__(name=f"awsgraph-heartbeat-{run_id}", daemon=True)
        self.store = store
        self.run_id = run_id
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(sqlite3.Error):
                self.store.heartbeat(self.run_id)


class SQLiteStore(GraphReads):
    """The embedded default store. ``write=True`` creates or migrates the file (collectors only);
    ``write=False`` opens an existing awsgraph database read-only."""

    def __init__(self, path: str, *, write: bool = True) -> None:
        self.path = path
        self.writable = write
        self._lock = threading.RLock()
        self._derive_lock = threading.Lock()
        self._history_rows: dict[str, int] = {}
        self._heartbeats: dict[int, _Heartbeat] = {}
        self.reaped: list[str] = []  # what begin_run cleaned up after dead runs, for the user
        self._db = _open_for_writing(path) if write else _open_for_reading(path)
        # another writer may hold the lock for a while: wait for it rather than fail at once
        self._db.execute("PRAGMA busy_timeout=60000")

    @property
    def connection(self) -> sqlite3.Connection:
        return self._db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

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
            with self._transaction() as db:
                self.reaped += self._reap_dead_runs()
                busy = self._live_run()
                if busy is None:
                    now = time.time()
                    cur = db.execute(
                        "INSERT INTO runs(started_at, status, config, pid, host, proc_start, heartbeat)"
                        " VALUES(?, 'running', ?, ?, ?, ?, ?)",
                        (now, _dumps(config), pid, socket.gethostname(), _proc_start(pid), now))
                    run_id = int(cur.lastrowid or 0)
                    break
            rid, rpid, started = busy
            message = f"database busy: run {rid} by pid {rpid} since {_when(started)}"
            if time.monotonic() >= deadline:
                raise StoreBusy(message)
            if on_wait is not None and not told:
                on_wait(f"{message}; waiting for it to finish")
                told = True
            time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
        beat = _Heartbeat(self, run_id)
        self._heartbeats[run_id] = beat
        beat.start()
        return run_id

    def _run_alive(self, pid: int | None, host: str | None, proc_start: str | None,
                   heartbeat: float | None) -> bool:
        if host and host != socket.gethostname():
            return heartbeat is not None and time.time() - heartbeat < STALE_SECONDS
        if pid is None:
            return False  # written by a version without leases: its process cannot be checked
        if not _pid_alive(pid):
            return False
        return proc_start is None or _proc_start(pid) in (None, proc_start)

    def _reap_dead_runs(self) -> list[str]:
        db = self._db
        notes = []
        for rid, pid, host, proc_start, beat in db.execute(
                "SELECT id, pid, host, proc_start, heartbeat FROM runs WHERE status='running'").fetchall():
            if self._run_alive(pid, host, proc_start, beat):
                continue
            committed = db.execute("SELECT count(*) FROM run_units WHERE run_id=? AND status IN"
                                   " ('success', 'partial')", (rid,)).fetchone()[0]
            db.execute("DELETE FROM staged WHERE run_id=?", (rid,))
            db.execute("UPDATE run_units SET status='aborted', reason='the process running it ended'"
                       " WHERE run_id=? AND status='running'", (rid,))
            why = f"pid {pid} is gone" if pid is not None else "left running by an earlier version"
            db.execute("UPDATE runs SET status=?, finished_at=?, summary=? WHERE id=?",
                       ("interrupted" if committed else "aborted", time.time(),
                        _dumps({"reason": f"abandoned: {why}", "committedAccounts": committed}), rid))
            notes.append(f"cleaned up run {rid}, left running ({why})")
        return notes

    def _live_run(self) -> tuple[int, int | None, float] | None:
        row = self._db.execute(
            "SELECT id, pid, started_at FROM runs WHERE status='running' ORDER BY id LIMIT 1").fetchone()
        return (int(row[0]), row[1], float(row[2])) if row else None

    def heartbeat(self, run_id: int) -> None:
        with self._lock:
            self._db.execute("UPDATE runs SET heartbeat=? WHERE id=? AND status='running'", (time.time(), run_id))

    def _stop_heartbeat(self, run_id: int) -> None:
        beat = self._heartbeats.pop(run_id, None)
        if beat is not None:
            beat.stop.set()

    # -- units --------------------------------------------------------------------------------
    def begin_unit(self, run_id: int, unit: str) -> None:
        """Start (or restart) one account of a run: anything it staged before is replaced."""
        with self._transaction() as db:
            db.execute("DELETE FROM staged WHERE run_id=? AND unit=?", (run_id, unit))
            db.execute("DELETE FROM steps WHERE run_id=? AND account=?", (run_id, unit))
            db.execute(
                "INSERT OR REPLACE INTO run_units(run_id, unit, status, started_at, pid, host)"
                " VALUES(?, ?, 'running', ?, ?, ?)", (run_id, unit, time.time(), os.getpid(), socket.gethostname()))

    def stage_entities(self, run_id: int, entities: Iterable[Entity], unit: str = "") -> None:
        rows = []
        entities = list(entities)
        incomplete = [e.key for e in entities if e.incomplete]
        known: set[str] = set()
        if incomplete:
            with self._lock:
                for chunk in _chunks(incomplete):
                    known.update(r[0] for r in self._db.execute(
                        f"SELECT key FROM entities WHERE deleted_run IS NULL AND key IN ({','.join('?' * len(chunk))})",
                        chunk))
        for e in entities:
            if e.key in known:
                # A detail call failed this time; keep what the last complete read stored
                # (its scope is partial, so nothing is deleted either).
                continue
            props = _dumps(e.to_j1())
            links = _dumps(e.link_values) if e.link_values else None
            raw = _dumps(e.raw) if e.raw is not None else None
            account = e.props.get("accountId") or unit or None
            rows.append(
                (run_id, unit, e.key, e.fragment, e.type, account,
                 e.scope_region or e.props.get("region") or "global", props, links, raw,
                 _hash(props + (links or "")))
            )
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO staged(run_id, unit, key, fragment, type, account, region, props, links,"
                    " raw, hash) VALUES(?,?,?,?,?,?,?,?,?,?,?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def record_step(self, run_id: int, result: StepResult) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO steps(run_id, step, account, region, service, types, status, reason, entities,"
                " calls, duration, capped) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, result.step, result.account, result.region, result.service, _dumps(result.types),
                 result.status, result.reason, result.entities, result.calls, result.duration, result.capped),
            )

    def commit_unit(self, run_id: int, unit: str, complete_scopes: Iterable[tuple[str, str, str]],
                    partial_scopes: Iterable[tuple[str, str, str]],
                    summary: dict[str, Any] | None = None) -> UnitCommit:
        """Merge one unit's staged entities into the live graph in one transaction.

        Entities of its complete scopes that it did not see are marked deleted; accounts an
        Organizations listing it completed no longer names are marked deleted. The entities that
        changed are queued for :meth:`derive_pending`. Other units of the same run may commit
        before or after; a unit committed twice (a redelivered task) replaces nothing twice.
        """
        counts = _counts()
        complete = sorted(set(complete_scopes))
        partial = sorted(set(partial_scopes))
        self._history_rows = {}
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO scopes(run_id, account, region, type, complete) VALUES(?,?,?,?,1)",
                [(run_id, *s) for s in complete])
            db.executemany(
                "INSERT OR REPLACE INTO scopes(run_id, account, region, type, complete) VALUES(?,?,?,?,0)",
                [(run_id, *s) for s in partial])
            listing = self._merge_staged(run_id, unit, counts)
            self._delete_unseen(run_id, complete, counts)
            left: list[str] = []
            if any(t == "aws_organization" for (_a, _r, t) in complete) and listing.org_ids:
                left = self._left_organization(run_id, listing, counts)
            db.execute("DELETE FROM staged WHERE run_id=? AND unit=?", (run_id, unit))
            status = "partial" if partial else "success"
            db.execute(
                "INSERT OR REPLACE INTO run_units(run_id, unit, status, started_at, finished_at, pid, host, summary)"
                " VALUES(?, ?, ?, COALESCE((SELECT started_at FROM run_units WHERE run_id=? AND unit=?), ?),"
                " ?, ?, ?, ?)",
                (run_id, unit, status, run_id, unit, time.time(), time.time(), os.getpid(), socket.gethostname(),
                 _dumps({**(summary or {}), "changes": counts})))
        return UnitCommit(counts, left)

    def fail_unit(self, run_id: int, unit: str, status: str, reason: str) -> None:
        """One account could not be collected (AssumeRole refused...): nothing of it is touched."""
        with self._transaction() as db:
            db.execute("DELETE FROM staged WHERE run_id=? AND unit=?", (run_id, unit))
            db.execute(
                "INSERT OR REPLACE INTO run_units(run_id, unit, status, started_at, finished_at, pid, host, reason)"
                " VALUES(?, ?, ?, COALESCE((SELECT started_at FROM run_units WHERE run_id=? AND unit=?), ?),"
                " ?, ?, ?, ?)",
                (run_id, unit, status, run_id, unit, time.time(), time.time(), os.getpid(), socket.gethostname(),
                 reason))

    def end_run(self, run_id: int, summary: dict[str, Any], status: str = "finished") -> None:
        self._stop_heartbeat(run_id)
        with self._transaction() as db:
            db.execute("DELETE FROM staged WHERE run_id=?", (run_id,))
            db.execute("UPDATE runs SET status=?, finished_at=?, summary=? WHERE id=?",
                       (status, time.time(), _dumps(summary), run_id))

    def abort_run(self, run_id: int, reason: str) -> None:
        self._stop_heartbeat(run_id)
        with self._lock:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._db.execute("DELETE FROM staged WHERE run_id=?", (run_id,))
            self._db.execute("UPDATE run_units SET status='aborted', reason=? WHERE run_id=? AND status='running'",
                             (reason, run_id))
            committed = self._db.execute("SELECT count(*) FROM run_units WHERE run_id=? AND status IN"
                                         " ('success', 'partial')", (run_id,)).fetchone()[0]
            self._db.execute(
                "UPDATE runs SET status=?, finished_at=?, summary=? WHERE id=?",
                ("interrupted" if committed else "aborted", time.time(),
                 _dumps({"reason": reason, "committedAccounts": committed}), run_id),
            )

    def finish_run(
        self,
        run_id: int,
        complete_scopes: Iterable[tuple[str, str, str]],
        partial_scopes: Iterable[tuple[str, str, str]],
        derive: DeriveFn | None,
        summary: dict[str, Any],
    ) -> dict[str, int]:
        """One unit and a whole-graph derivation in one transaction: ``derive(store)`` returns
        every relationship and placeholder the graph should have; the others are deleted.

        The collector uses :meth:`commit_unit` and :meth:`derive_pending`; this remains for
        callers that build a graph by hand (fixtures, imports).
        """
        counts = _counts()
        self._history_rows = {}
        self._stop_heartbeat(run_id)
        with self._transaction() as db:
            complete = sorted(set(complete_scopes))
            db.executemany(
                "INSERT OR REPLACE INTO scopes(run_id, account, region, type, complete) VALUES(?,?,?,?,1)",
                [(run_id, *s) for s in complete],
            )
            db.executemany(
                "INSERT OR REPLACE INTO scopes(run_id, account, region, type, complete) VALUES(?,?,?,?,0)",
                [(run_id, *s) for s in set(partial_scopes)],
            )
            self._merge_staged(run_id, None, counts)
            self._delete_unseen(run_id, complete, counts)
            if derive is not None:
                extra_entities, rels = derive(self)
                self._merge_derived(run_id, "", list(extra_entities), list(rels), counts, everything=True)
            db.execute("DELETE FROM staged WHERE run_id=?", (run_id,))
            summary = {**summary, "changes": counts}
            db.execute(
                "UPDATE runs SET status='finished', finished_at=?, summary=? WHERE id=?",
                (time.time(), _dumps(summary), run_id),
            )
        return counts

    # -- merging entities ---------------------------------------------------------------------
    def _upsert_entity(self, run_id: int, row: tuple[Any, ...], source: str, counts: dict[str, int],
                       fragments: str | None = None) -> str:
        """Write one entity; returns created | updated | raw (only its raw record changed) | volatile
        (only what no derivation reads changed) | same."""
        key, etype, account, region, props, links, raw, h = row
        rh = _hash(raw) if raw else None
        db = self._db
        old = db.execute("SELECT hash, deleted_run, raw_hash, props, raw FROM entities WHERE key=?",
                         (key,)).fetchone()
        if old is None or old[1] is not None:
            db.execute(
                "INSERT OR REPLACE INTO entities(key, type, account, region, props, links, raw, source, hash,"
                " raw_hash, fragments, first_run, last_run, updated_run, deleted_run)"
                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)",
                (key, etype, account, region, props, links, raw, source, h, rh, fragments, run_id, run_id, run_id),
            )
            self._write_classes(key, props)
            cur = db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                             (run_id, "entity", key, "created", etype, props))
            self._history_rows[key] = int(cur.lastrowid or 0)
            counts["created"] += 1
            return "created"
        if old[0] != h:
            db.execute(
                "UPDATE entities SET type=?, account=?, region=?, props=?, links=?, raw=?, source=?, hash=?,"
                " raw_hash=?, fragments=COALESCE(?, fragments), last_run=?, updated_run=?, derived=NULL WHERE key=?",
                (etype, account, region, props, links, raw, source, h, rh, fragments, run_id, run_id, key),
            )
            self._write_classes(key, props)
            cur = db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                             (run_id, "entity", key, "updated", etype, props))
            self._history_rows[key] = int(cur.lastrowid or 0)
            counts["updated"] += 1
            return "volatile" if _only_volatile(old[3], props, old[4], raw) else "updated"
        if old[2] != rh:
            db.execute("UPDATE entities SET last_run=?, raw=?, raw_hash=?, fragments=COALESCE(?, fragments)"
                       " WHERE key=?", (run_id, raw, rh, fragments, key))
            return "volatile" if _only_volatile(old[3], props, old[4], raw) else "raw"
        db.execute("UPDATE entities SET last_run=?, fragments=COALESCE(?, fragments) WHERE key=?",
                   (run_id, fragments, key))
        return "same"

    def _write_classes(self, key: str, props: str) -> None:
        self._db.execute("DELETE FROM entity_classes WHERE key=?", (key,))
        self._db.executemany(
            "INSERT OR IGNORE INTO entity_classes(class, key) VALUES(?,?)",
            [(c, key) for c in json.loads(props).get("_class", [])],
        )

    def _note_changed(self, key: str, account: str | None) -> None:
        acct = account or ""
        self._db.execute("INSERT OR REPLACE INTO changed(key, account) VALUES(?, ?)", (key, acct))
        self._db.execute("INSERT INTO dirty(account, gen) VALUES(?, 1) ON CONFLICT(account) DO UPDATE SET gen=gen+1",
                         (acct,))

    class _Listing:
        def __init__(self) -> None:
            self.org_ids: set[str] = set()
            self.listed: set[str] = set()  # account keys an Organizations listing named

    def _merge_staged(self, run_id: int, unit: str | None, counts: dict[str, int]) -> SQLiteStore._Listing:
        listing = SQLiteStore._Listing()
        where, params = ("run_id=?", [run_id]) if unit is None else ("run_id=? AND unit=?", [run_id, unit])
        cur = self._db.cursor()
        cur.execute("SELECT key, fragment, type, account, region, props, links, raw, hash FROM staged"
                    f" WHERE {where} ORDER BY key, fragment", params)
        group: list[tuple[Any, ...]] = []  # the fragments of one key, merged before one write

        def flush() -> None:
            key, fragment, etype, account, region, props, links, raw, h = group[-1]
            fragments = None
            if fragment:
                parts = {row[1]: (row[5], row[6], row[7]) for row in group}
                props, links, raw, h, fragments = self._merge_fragments(key, parts)
                if ORG in parts:
                    listing.listed.add(key)
            if etype == "aws_organization":
                org_id = json.loads(props).get("organizationId")
                if org_id:
                    listing.org_ids.add(str(org_id))
            outcome = self._upsert_entity(run_id, (key, etype, account, region, props, links, raw, h),
                                          "collector", counts, fragments)
            if outcome not in ("same", "volatile"):
                self._note_changed(key, account)
            group.clear()

        while True:
            batch = cur.fetchmany(500)
            if not batch:
                break
            for row in batch:
                if group and (row[0] != group[-1][0] or not row[1]):
                    flush()
                group.append(tuple(row))
        if group:
            flush()
        return listing

    def _merge_fragments(self, key: str, parts: dict[str, tuple[str, str | None, str | None]]
                         ) -> tuple[str, str | None, str | None, str, str]:
        """Sources' views of a shared entity (``parts``: fragment -> props, links, raw), merged
        with what the other sources said before."""
        row = self._db.execute("SELECT fragments, props, links, raw, deleted_run FROM entities WHERE key=?",
                               (key,)).fetchone()
        frs: dict[str, Any] = {}
        raw: str | None = None
        if row is not None and row[4] is None:
            raw = row[3]
            if row[0]:
                frs = json.loads(row[0])
            else:  # written before fragments existed: an Organizations stub names its email/status
                old = json.loads(row[1])
                frs = {ORG if ("email" in old or "status" in old) else SELF:
                       {"props": old, "links": json.loads(row[2]) if row[2] else {}}}
        for fragment, (props, links, part_raw) in parts.items():
            frs[fragment] = {"props": json.loads(props), "links": json.loads(links) if links else {}}
            if fragment == SELF or SELF not in frs or raw is None:
                raw = part_raw  # the account's own run read the richer record
        merged = compose({name: f["props"] for name, f in frs.items()})
        merged_links = merge_links({name: f.get("links") or {} for name, f in frs.items()})
        props_text = _dumps(merged)
        links_text = _dumps(merged_links) if merged_links else None
        return props_text, links_text, raw, _hash(props_text + (links_text or "")), _dumps(frs)

    def _delete_unseen(self, run_id: int, complete: list[tuple[str, str, str]], counts: dict[str, int]) -> None:
        db = self._db
        for account, region, etype in complete:
            rows = db.execute(
                "SELECT key, props FROM entities WHERE account IS ? AND region IS ? AND type=? AND source='collector'"
                " AND deleted_run IS NULL AND last_run < ?",
                (account, region, etype, run_id),
            ).fetchall()
            for key, props in rows:
                self._mark_deleted(run_id, "entity", key, etype, props)
                self._note_changed(key, account)
                counts["deleted"] += 1

    def _left_organization(self, run_id: int, listing: SQLiteStore._Listing, counts: dict[str, int]) -> list[str]:
        """Accounts an organization listed before and a complete listing no longer names."""
        left = []
        for key, account, props, fragments in self._db.execute(
                "SELECT key, account, props, fragments FROM entities WHERE type='aws_account'"
                " AND deleted_run IS NULL AND fragments IS NOT NULL").fetchall():
            org = (json.loads(fragments).get(ORG) or {}).get("props") or {}
            if str(org.get("organizationId")) not in listing.org_ids or key in listing.listed:
                continue
            self._mark_deleted(run_id, "entity", key, "aws_account", props)
            self._db.execute("UPDATE entities SET fragments=NULL WHERE key=?", (key,))
            self._note_changed(key, account)
            counts["deleted"] += 1
            left.append(str(account or key.rsplit(":", 1)[-1]))
        return sorted(left)

    def _mark_deleted(self, run_id: int, kind: str, key: str, etype: str, props: str) -> None:
        table = "entities" if kind == "entity" else "relationships"
        self._db.execute(f"UPDATE {table} SET deleted_run=? WHERE key=?", (run_id, key))
        if kind == "entity":
            self._db.execute("DELETE FROM entity_classes WHERE key=?", (key,))
        self._db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                         (run_id, kind, key, "deleted", etype, props))

    # -- derivation -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def derive_lock(self) -> Iterator[None]:
        """One derivation at a time. In SQLite every write transaction is already exclusive, and
        only the run holding the writer lease derives; the lock covers threads of this process.
        (A shared store takes an advisory lock here, so that workers committing accounts never
        derive at the same time.)"""
        with self._derive_lock:
            yield

    def derive_pending(self, run_id: int, derive_account: DeriveAccountFn, identities: IdentityFn, *,
                       version: str = "", progress: Callable[[int, int, str], None] | None = None
                       ) -> dict[str, int]:
        """Derive the relationships of every account marked dirty.

        1. The identities of the entities that changed are recomputed; every account whose
           derivation looked up one of those identities (old or new) is marked dirty too: its
           relationships cross into what changed.
        2. Each dirty account is derived alone (its own entities, and lookups into the others),
           and what it asserts replaces what it asserted before, in one transaction per account.

        Cost: O(changed entities + Σ over dirty accounts of their entities and relationships), and
        memory for the largest account; accounts that did not change are not read at all.
        """
        counts = _counts()
        self._history_rows = {}
        with self.derive_lock():
            self._check_derive_version(version)
            self._refresh_identities(identities, progress)
            pending = self._db.execute("SELECT account, gen FROM dirty ORDER BY account").fetchall()
            for i, (account, gen) in enumerate(pending):
                if progress is not None:
                    progress(i, len(pending), account)
                derived = derive_account(self, account)
                with self._transaction() as db:
                    self._merge_derived(run_id, account, derived.entities, derived.relationships, counts,
                                        local_keys=derived.local_keys)
                    self._replace_references(account, derived.references)
                    db.execute("DELETE FROM dirty WHERE account=? AND gen=?", (account, gen))
            if progress is not None:
                progress(len(pending), len(pending), "")
        counts["derived_accounts"] = len(pending)
        return counts

    def dirty_accounts(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT account FROM dirty ORDER BY account")]

    def _check_derive_version(self, version: str) -> None:
        """A new derivation (another awsgraph version, or a database from before incremental
        derivation) re-derives everything once."""
        row = self._db.execute("SELECT value FROM meta WHERE key='derive_version'").fetchone()
        if row is not None and row[0] == version:
            return
        with self._transaction() as db:
            if not db.execute("SELECT 1 FROM owned LIMIT 1").fetchone():
                # relationships written by whole-graph derivation: each belongs to its from-end's account
                db.execute(
                    "INSERT OR IGNORE INTO owned(owner, kind, key) SELECT COALESCE(e.account, ''), 'r', r.key"
                    " FROM relationships r LEFT JOIN entities e ON e.key = r.from_key WHERE r.deleted_run IS NULL")
                db.execute(
                    "INSERT OR IGNORE INTO owned(owner, kind, key) SELECT o.owner, 'e', m.key FROM entities m"
                    " JOIN relationships r ON r.deleted_run IS NULL AND (r.to_key = m.key OR r.from_key = m.key)"
                    " JOIN owned o ON o.kind = 'r' AND o.key = r.key"
                    " WHERE m.source = 'mapper' AND m.deleted_run IS NULL")
                db.execute(
                    "INSERT OR IGNORE INTO owned(owner, kind, key) SELECT '', 'e', key FROM entities"
                    " WHERE source = 'mapper' AND deleted_run IS NULL")
            db.execute("DELETE FROM idents")
            db.execute("INSERT OR REPLACE INTO changed(key, account) SELECT key, COALESCE(account, '') FROM entities"
                       " WHERE deleted_run IS NULL AND source = 'collector'")
            db.execute("INSERT INTO dirty(account, gen) SELECT DISTINCT owner, 1 FROM owned WHERE true"
                       " ON CONFLICT(account) DO UPDATE SET gen=gen+1")
            db.execute("INSERT INTO dirty(account, gen) SELECT DISTINCT account, 1 FROM changed WHERE true"
                       " ON CONFLICT(account) DO UPDATE SET gen=gen+1")
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('derive_version', ?)", (version,))

    def _refresh_identities(self, identities: IdentityFn,
                            progress: Callable[[int, int, str], None] | None) -> None:
        db = self._db
        while True:
            batch = db.execute("SELECT key FROM changed LIMIT 500").fetchall()
            if not batch:
                return
            keys = [r[0] for r in batch]
            marks = ",".join("?" * len(keys))
            with self._transaction():
                delta = set(db.execute(f"SELECT kind, value FROM idents WHERE key IN ({marks})", keys).fetchall())
                db.execute(f"DELETE FROM idents WHERE key IN ({marks})", keys)
                new_rows = []
                for key, etype, account, props, raw in db.execute(
                        f"SELECT key, type, account, props, raw FROM entities WHERE key IN ({marks})"
                        " AND deleted_run IS NULL AND source = 'collector'", keys).fetchall():
                    for kind, value in identities(key, etype, json.loads(props), json.loads(raw) if raw else {}):
                        new_rows.append((kind, value, key, account or ""))
                db.executemany("INSERT OR IGNORE INTO idents(kind, value, key, account) VALUES(?,?,?,?)", new_rows)
                delta.update((k, v) for k, v, _key, _acct in new_rows)
                self._dirty_referrers(delta)
                db.execute(f"DELETE FROM changed WHERE key IN ({marks})", keys)

    def _dirty_referrers(self, delta: set[tuple[str, str]]) -> None:
        """Mark dirty every account that looked up one of these identities."""
        if not delta:
            return
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS delta(kind TEXT NOT NULL, value TEXT NOT NULL)")
        db.execute("DELETE FROM delta")
        db.executemany("INSERT INTO delta(kind, value) VALUES(?, ?)", sorted(delta))
        db.execute("INSERT INTO dirty(account, gen) SELECT DISTINCT x.owner, 1 FROM delta d"
                   " JOIN xrefs x ON x.kind = d.kind AND x.value = d.value WHERE true"
                   " ON CONFLICT(account) DO UPDATE SET gen=gen+1")
        db.execute("DELETE FROM delta")

    def _replace_references(self, owner: str, refs: set[tuple[str, str]]) -> None:
        db = self._db
        old = set(db.execute("SELECT kind, value FROM xrefs WHERE owner=?", (owner,)).fetchall())
        db.executemany("DELETE FROM xrefs WHERE owner=? AND kind=? AND value=?",
                       [(owner, k, v) for k, v in old - refs])
        db.executemany("INSERT OR IGNORE INTO xrefs(owner, kind, value) VALUES(?,?,?)",
                       [(owner, k, v) for k, v in refs - old])

    def _live_keys(self, keys: Iterable[str], *, source: str | None = None) -> dict[str, str]:
        """key -> source of the live entities among ``keys``."""
        out: dict[str, str] = {}
        wanted = sorted(set(keys))
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            sql = (f"SELECT key, source FROM entities WHERE deleted_run IS NULL AND key IN ({marks})"
                   + (" AND source=?" if source else ""))
            for key, src in self._db.execute(sql, [*chunk, *([source] if source else [])]):
                out[key] = src
        return out

    def _merge_derived(self, run_id: int, owner: str, entities: list[Entity], rels: list[Relationship],
                       counts: dict[str, int], *, everything: bool = False, local_keys: set[str] | None = None
                       ) -> None:
        """Replace what ``owner``'s derivation asserted (``everything``: what any derivation did)."""
        db = self._db
        merges: dict[str, dict[str, Any]] = {}
        placeholders: dict[str, Entity] = {}
        for e in entities:
            if e.raw and e.raw.get("__merge__"):
                merges.setdefault(e.key, {}).update({k: v for k, v in e.props.items() if not k.startswith("_")})
            elif e.key not in placeholders:
                placeholders[e.key] = e
        real = set(self._live_keys(placeholders, source="collector"))
        kept: set[str] = set()
        for key, e in placeholders.items():
            if key in real:
                continue  # a real entity always wins over a placeholder
            kept.add(key)
            props = _dumps(e.to_j1())
            row = (key, e.type, e.props.get("accountId"), e.props.get("region"), props, None, None, _hash(props))
            self._upsert_entity(run_id, row, "mapper", counts)
        self._merge_derived_props(run_id, merges, counts, None if everything else owner)

        # relationships: each end must be live; "mapped" only while an end is a placeholder
        known = (local_keys or set()) | kept
        unknown = {k for r in rels for k in (r.from_key, r.to_key) if k not in known}
        sources = self._live_keys(unknown)
        mapper_ends = kept | {k for k, s in sources.items() if s == "mapper"}
        seen: dict[str, tuple[Relationship, bool]] = {}
        for rel in rels:
            if rel.key in seen:
                continue
            if not all(k in known or k in sources for k in (rel.from_key, rel.to_key)):
                continue
            mapped = rel.mapped and (rel.from_key in mapper_ends or rel.to_key in mapper_ends)
            seen[rel.key] = (rel, mapped)
        old: dict[str, tuple[str, int | None]] = {}
        for chunk in _chunks(sorted(seen)):
            for key, h, deleted in db.execute(
                    f"SELECT key, hash, deleted_run FROM relationships WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk):
                old[key] = (h, deleted)
        created: list[tuple[Any, ...]] = []
        updated: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        unchanged: list[tuple[int, str]] = []
        for key, (rel, mapped) in seen.items():
            props = _dumps(rel.to_j1())
            h = _rel_hash(props, mapped)
            prev = old.get(key)
            if prev is None or prev[1] is not None:
                created.append((key, rel.type, rel.verb, rel.from_key, rel.to_key, props, int(mapped), h,
                                run_id, run_id, run_id))
                history.append((run_id, "relationship", key, "created", rel.type, props))
                counts["rel_created"] += 1
            elif prev[0] != h:
                updated.append((props, h, run_id, run_id, int(mapped), key))
                history.append((run_id, "relationship", key, "updated", rel.type, props))
                counts["rel_updated"] += 1
            else:
                unchanged.append((run_id, key))
        db.executemany(
            "INSERT OR REPLACE INTO relationships(key, type, verb, from_key, to_key, props, mapped, hash,"
            " first_run, last_run, updated_run, deleted_run) VALUES(?,?,?,?,?,?,?,?,?,?,?,NULL)", created)
        db.executemany(
            "UPDATE relationships SET props=?, hash=?, last_run=?, updated_run=?, mapped=? WHERE key=?", updated)
        db.executemany("UPDATE relationships SET last_run=? WHERE key=?", unchanged)
        db.executemany("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)", history)
        self._settle_ownership(run_id, owner, "r", set(seen), counts, everything)
        self._settle_ownership(run_id, owner, "e", kept, counts, everything)

    def _settle_ownership(self, run_id: int, owner: str, kind: str, now: set[str], counts: dict[str, int],
                          everything: bool) -> None:
        """Record what ``owner`` asserts now; what nobody asserts any more is deleted."""
        db = self._db
        if everything:
            if kind == "r":
                before = {r[0] for r in db.execute("SELECT key FROM relationships WHERE deleted_run IS NULL")}
            else:
                before = {r[0] for r in db.execute(
                    "SELECT key FROM entities WHERE source='mapper' AND deleted_run IS NULL")}
            db.execute("DELETE FROM owned WHERE kind=?", (kind,))
            db.executemany("INSERT OR IGNORE INTO owned(owner, kind, key) VALUES(?,?,?)",
                           [(owner, kind, k) for k in now])
            orphans = before - now
        else:
            before = {r[0] for r in db.execute("SELECT key FROM owned WHERE owner=? AND kind=?", (owner, kind))}
            db.executemany("INSERT OR IGNORE INTO owned(owner, kind, key) VALUES(?,?,?)",
                           [(owner, kind, k) for k in now - before])
            gone = sorted(before - now)
            db.executemany("DELETE FROM owned WHERE owner=? AND kind=? AND key=?", [(owner, kind, k) for k in gone])
            still: set[str] = set()
            for chunk in _chunks(gone):
                still.update(r[0] for r in db.execute(
                    f"SELECT DISTINCT key FROM owned WHERE kind=? AND key IN ({','.join('?' * len(chunk))})",
                    [kind, *chunk]))
            orphans = set(gone) - still
        for chunk in _chunks(sorted(orphans)):
            marks = ",".join("?" * len(chunk))
            if kind == "r":
                rows = db.execute(f"SELECT key, type, props FROM relationships WHERE deleted_run IS NULL"
                                  f" AND key IN ({marks})", chunk).fetchall()
            else:
                rows = db.execute(f"SELECT key, type, props FROM entities WHERE deleted_run IS NULL"
                                  f" AND source='mapper' AND key IN ({marks})", chunk).fetchall()
            for key, etype, props in rows:
                self._mark_deleted(run_id, "relationship" if kind == "r" else "entity", key, etype, props)
                counts["rel_deleted" if kind == "r" else "deleted"] += 1

    def _merge_derived_props(self, run_id: int, merges: dict[str, dict[str, Any]], counts: dict[str, int],
                             owner: str | None) -> None:
        """Properties analysers set on collected entities (``raw={"__merge__": True}``).

        They live in their own column so a re-collected entity is compared on what the
        collector saw, and the analysis props are replaced, not accumulated, each time its
        account is derived (``owner``: only that account's entities; None: every entity).
        """
        db = self._db
        scope = "" if owner is None else " AND COALESCE(account, '')=?"
        params: list[Any] = [] if owner is None else [owner]
        rows = db.execute("SELECT key, type, props, derived FROM entities WHERE deleted_run IS NULL"
                          f" AND derived IS NOT NULL{scope}", params).fetchall()
        current = {r[0]: r for r in rows}
        for key in set(merges) | set(current):
            new = merges.get(key, {})
            row = current.get(key) or db.execute(
                f"SELECT key, type, props, derived FROM entities WHERE key=? AND deleted_run IS NULL{scope}",
                [key, *params]).fetchone()
            if row is None:
                continue
            old = json.loads(row[3]) if row[3] else {}
            if old == new:
                continue
            props = json.loads(row[2])
            for k in old:
                props.pop(k, None)
            props.update(new)
            text = _dumps(props)
            db.execute("UPDATE entities SET props=?, derived=?, updated_run=? WHERE key=?",
                       (text, _dumps(new) if new else None, run_id, key))
            # An entity already created or updated in this run: amend that history row.
            rowid = self._history_rows.get(key)
            if not rowid:
                found = db.execute("SELECT rowid FROM history WHERE key=? AND run_id=? AND kind='entity'"
                                   " AND op IN ('created', 'updated') ORDER BY rowid DESC LIMIT 1",
                                   (key, run_id)).fetchone()
                rowid = int(found[0]) if found else 0
            if rowid:
                db.execute("UPDATE history SET props=? WHERE rowid=?", (text, rowid))
            else:
                cur = db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                                 (run_id, "entity", key, "updated", row[1], text))
                self._history_rows[key] = int(cur.lastrowid or 0)
                counts["updated"] += 1

    # -- reading ------------------------------------------------------------------------
    def iter_entities(self, types: Iterable[str] | None = None, *, with_raw: bool = False,
                      source: str | None = None, account: str | None = None) -> Iterator[StoredEntity]:
        """Live entities, optionally only of ``types``, only from ``source`` (collector / mapper),
        or only of one ``account`` ("" = entities without one)."""
        cols = "key, type, account, region, props, links" + (", raw" if with_raw else "")
        where = "deleted_run IS NULL"
        params: list[Any] = []
        if source is not None:
            where += " AND source=?"
            params.append(source)
        if account is not None:
            where += " AND account IS ?"
            params.append(account or None)
        if types is not None:
            tl = list(types)
            where += f" AND type IN ({','.join('?' * len(tl))})"
            params.extend(tl)
        cur = self._db.execute(f"SELECT {cols} FROM entities WHERE {where} ORDER BY key", params)
        for row in cur:
            props = json.loads(row[4])
            if with_raw and row[6]:
                props = {**props, "__raw__": json.loads(row[6])}
            yield StoredEntity(row[0], row[1], row[2], row[3], props, json.loads(row[5]) if row[5] else {})

    def find_identity(self, kind: str, value: str) -> list[StoredEntity]:
        """Live collected entities that ``value`` names as a ``kind`` identity (see ``idents``)."""
        out = []
        for key, etype, account, region, props, links in self._db.execute(
                "SELECT e.key, e.type, e.account, e.region, e.props, e.links FROM idents i JOIN entities e"
                " ON e.key = i.key WHERE i.kind=? AND i.value=? AND e.deleted_run IS NULL ORDER BY e.key",
                (kind, value)):
            out.append(StoredEntity(key, etype, account, region, json.loads(props),
                                    json.loads(links) if links else {}))
        return out

    def unit_outcomes(self, run_id: int) -> list[dict[str, Any]]:
        return [{"unit": u, "status": st, "reason": reason or "", "summary": json.loads(summ) if summ else {}}
                for u, st, reason, summ in self._db.execute(
                    "SELECT unit, status, reason, summary FROM run_units WHERE run_id=? ORDER BY unit", (run_id,))]

    def raw_record(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT raw FROM entities WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def relationships(self) -> Iterator[dict[str, Any]]:
        for (props,) in self._db.execute(
            "SELECT props FROM relationships WHERE deleted_run IS NULL ORDER BY key"
        ):
            yield json.loads(props)

    def runs(self) -> list[RunInfo]:
        out = []
        for rid, started, finished, status, config, summary in self._db.execute(
            "SELECT id, started_at, finished_at, status, config, summary FROM runs ORDER BY id"
        ):
            out.append(RunInfo(rid, started, finished, status, json.loads(config),
                               json.loads(summary) if summary else {}))
        return out

    def steps(self, run_id: int) -> list[StepResult]:
        out = []
        for row in self._db.execute(
            "SELECT step, account, region, service, types, status, reason, entities, calls, duration, capped"
            " FROM steps WHERE run_id=? ORDER BY step, account, region", (run_id,)
        ):
            out.append(StepResult(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), row[5], row[6] or "",
                                  row[7] or 0, row[8] or 0, row[9] or 0.0, row[10] or ""))
        return out

    def partial_types(self, run_id: int) -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT type FROM scopes WHERE run_id=? AND complete=0 ORDER BY type", (run_id,))]

    def counts_by_type(self) -> tuple[dict[str, int], dict[str, int]]:
        ents = dict(self._db.execute(
            "SELECT type, count(*) FROM entities WHERE deleted_run IS NULL GROUP BY type ORDER BY type").fetchall())
        rels = dict(self._db.execute(
            "SELECT type, count(*) FROM relationships WHERE deleted_run IS NULL GROUP BY type ORDER BY type"
        ).fetchall())
        return ents, rels

    def close(self) -> None:
        for run_id in list(self._heartbeats):
            self._stop_heartbeat(run_id)
        with self._lock:
            self._db.close()


def open_store(path: str, *, write: bool = False, must_exist: bool = True) -> SQLiteStore:
    """Open the graph database at ``path``.

    Read-only by default: the file must exist and be an awsgraph database, and nothing in it
    or beside it changes. ``write=True`` (``collect``, ``demo``) creates the file (0600) or
    migrates an existing awsgraph database; it never adopts someone else's file or follows a
    symlink. Problems raise :class:`StoreError` with a one-line message.
    """
    if write:
        return SQLiteStore(path, write=True)
    if not must_exist and not os.path.exists(path):
        raise StoreError(f"database {path!r} does not exist")
    return SQLiteStore(path, write=False)


_MISSING = "does not exist (run `awsgraph collect` or `awsgraph demo` first)"


def _uri(path: str, **options: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in options.items())
    return f"file:{quote(os.path.abspath(path))}?{query}"


def _recognise(path: str) -> str:
    """``"ours"``, ``"legacy"`` (ours, from before the header mark) or raise: what the file is,
    judged without changing it or creating anything beside it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except IsADirectoryError:
        raise StoreError(f"{path!r} is a directory, not an awsgraph database") from None
    except OSError as exc:
        raise StoreError(f"cannot read {path!r}: {exc.strerror or exc}") from None
    if not head.startswith(_SQLITE_MAGIC):
        raise StoreError(f"{path!r} is not an awsgraph database (not an SQLite file)")
    if len(head) < 100:
        raise StoreError(f"{path!r} is not a usable awsgraph database (truncated or corrupt)")
    app_id = int.from_bytes(head[68:72], "big")
    if app_id == APPLICATION_ID:
        return "ours"
    if app_id != 0:
        raise StoreError(f"{path!r} is not an awsgraph database (it belongs to another application)")
    # No mark: an awsgraph database from before the mark, or someone else's. Look without
    # locking or a WAL index (immutable), so nothing is created beside a foreign file.
    try:
        probe = sqlite3.connect(_uri(path, mode="ro", immutable="1"), uri=True)
        try:
            tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            version = (probe.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                       if "meta" in tables else None)
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path!r} is not a usable awsgraph database: {exc}") from None
    if version is None or not {"entities", "relationships", "runs"} <= tables:
        raise StoreError(f"{path!r} is not an awsgraph database")
    return "legacy"


def _check_version(db: sqlite3.Connection, path: str) -> None:
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    try:
        version = int(row[0]) if row else 0
    except (TypeError, ValueError):
        version = 0
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path!r} was written by a newer awsgraph (schema {version}); upgrade awsgraph to read it")


def _open_for_reading(path: str) -> sqlite3.Connection:
    if not os.path.exists(path):
        raise StoreError(f"database {path!r} {_MISSING}")
    _recognise(path)
    try:
        db = sqlite3.connect(_uri(path, mode="ro"), uri=True, check_same_thread=False, isolation_level=None)
        try:
            _check_version(db, path)
            db.execute("SELECT count(*) FROM runs").fetchone()  # touch the pages a reader needs first
        except BaseException:
            db.close()
            raise
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path!r} is not a usable awsgraph database: {exc}") from None
    return db


def _open_for_writing(path: str) -> sqlite3.Connection:
    for p in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        if os.path.islink(p):
            raise StoreError(f"refusing to write the database through a symlink: {p!r}")
    fresh = not os.path.exists(path) or os.path.getsize(path) == 0
    if fresh:
        try:
            # O_NOFOLLOW: a symlink planted meanwhile is not followed; 0600 is set below whatever the umask
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
            os.close(fd)
        except OSError as exc:
            raise StoreError(f"cannot create database {path!r}: {exc.strerror or exc}") from None
    else:
        _recognise(path)
    try:
        os.chmod(path, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot make {path!r} private: {exc.strerror or exc}") from None
    try:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:  # pragma: no cover - depends on the filesystem
        raise StoreError(f"cannot open database {path!r}: {exc}") from exc
    try:
        if not fresh:
            _check_version(db, path)
        store_schema(db)
        if fresh:
            # The header (application_id) and the tables sit in the WAL until a checkpoint; another
            # process opening the file meanwhile (a second `collect`: "database busy") must
            # recognise it from the main file, so it goes there now.
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"{path!r} is not a usable awsgraph database: {exc}") from None
    except BaseException:
        db.close()
        raise
    for p in (f"{path}-wal", f"{path}-shm"):  # SQLite copies the file's mode; make sure of it
        if os.path.exists(p) and not os.path.islink(p):
            os.chmod(p, 0o600)
    return db


def store_schema(db: sqlite3.Connection) -> None:
    """Create what is missing (additive changes only) and mark the file as an awsgraph database."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=OFF")
    db.executescript(_SCHEMA)
    db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', ?)", (str(SCHEMA_VERSION),))
    # Databases written before a column existed gain it (additive changes only).
    for table, added in _ADDED_COLUMNS.items():
        columns = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        for name, decl in added:
            if name not in columns:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
    # the staging table of earlier versions had one row per (run, key): only dead runs' rows are left
    db.execute("DROP TABLE IF EXISTS staging")
    # `diff` looks up each object's history by key; readers cannot create this index.
    db.execute("CREATE INDEX IF NOT EXISTS history_key ON history(key, kind, run_id)")
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    ensure_text_index(db)  # J1QL full-text search, kept in step by triggers
