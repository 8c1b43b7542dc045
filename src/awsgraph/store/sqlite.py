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
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from awsgraph.model import Entity, Relationship
from awsgraph.store.base import RunInfo, StepResult, StoreBusy, StoredEntity, StoreError
from awsgraph.store.derivation import DeriveWrites
from awsgraph.store.reads import GraphReads
from awsgraph.store.runs import HEARTBEAT_SECONDS, STALE_SECONDS, Heartbeat
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
  pid INTEGER, host TEXT, reason TEXT, summary TEXT, attempts INTEGER, PRIMARY KEY(run_id, unit));
CREATE TABLE IF NOT EXISTS staged(
  run_id INTEGER NOT NULL, unit TEXT NOT NULL, key TEXT NOT NULL, fragment TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL, account TEXT, region TEXT, props TEXT NOT NULL, links TEXT, raw TEXT, hash TEXT NOT NULL,
  raw_hash TEXT, PRIMARY KEY(run_id, unit, key, fragment));
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
# Columns later versions added to tables an older database already has (additive only).
_ADDED_COLUMNS = {
    "entities": (("derived", "TEXT"), ("raw_hash", "TEXT"), ("fragments", "TEXT")),
    "runs": (("pid", "INTEGER"), ("host", "TEXT"), ("proc_start", "TEXT"), ("heartbeat", "REAL")),
    "run_units": (("attempts", "INTEGER"),),
    "staged": (("raw_hash", "TEXT"),),
}

DeriveFn = Callable[["SQLiteStore"], tuple[Iterable[Entity], Iterable[Relationship]]]

__all__ = ["HEARTBEAT_SECONDS", "STALE_SECONDS", "SQLiteStore", "StoreBusy", "StoreError", "open_store"]


class SQLiteStore(DeriveWrites, GraphReads):
    """The embedded default store. ``write=True`` creates or migrates the file (collectors only);
    ``write=False`` opens an existing awsgraph database read-only.

    The run lifecycle is :class:`~awsgraph.store.runs.RunWrites` and
    :class:`~awsgraph.store.derivation.DeriveWrites`; here is how SQLite runs their statements:
    every write transaction is exclusive (``BEGIN IMMEDIATE``), and one lock keeps the threads of
    an organization run to one statement sequence at a time."""

    def __init__(self, path: str, *, write: bool = True) -> None:
        self.path = path
        self.writable = write
        self._lock = threading.RLock()
        self._derive_lock = threading.Lock()
        self._history_rows: dict[str, int] = {}
        self._heartbeats: dict[int, Heartbeat] = {}
        self.reaped: list[str] = []  # what begin_run cleaned up after dead runs, for the user
        self._db = _open_for_writing(path) if write else _open_for_reading(path)
        # another writer may hold the lock for a while: wait for it rather than fail at once
        self._db.execute("PRAGMA busy_timeout=60000")

    @property
    def connection(self) -> sqlite3.Connection:
        return self._db

    # -- the primitives of RunWrites ----------------------------------------------------------------
    def _x(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)  # type: ignore[arg-type]

    def _xmany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._db.executemany(sql, rows)

    def _stream(self, sql: str, params: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        cur = self._db.cursor()
        cur.execute(sql, params)  # type: ignore[arg-type]
        while True:
            batch = cur.fetchmany(500)
            if not batch:
                return
            yield from batch

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

    def _history(self, run_id: int, kind: str, key: str, op: str, etype: str | None, props: str | None) -> int:
        cur = self._db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                               (run_id, kind, key, op, etype, props))
        return int(cur.lastrowid or 0)

    def _write_staged(self, rows: list[tuple[Any, ...]]) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO staged(run_id, unit, key, fragment, type, account, region, props, links,"
                    " raw, hash, raw_hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rollback_open(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def heartbeat(self, run_id: int) -> None:
        with self._lock:
            self._db.execute("UPDATE runs SET heartbeat=? WHERE id=? AND status='running'", (time.time(), run_id))

    @contextlib.contextmanager
    def derive_lock(self) -> Iterator[None]:
        """One derivation at a time. In SQLite every write transaction is already exclusive, and
        only the run holding the writer lease derives; the lock covers threads of this process."""
        with self._derive_lock:
            yield

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
