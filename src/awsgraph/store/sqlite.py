"""SQLite graph store: one database file, written transactionally.

Layout (the query layer compiles J1QL against it):

* ``entities``: every entity ever seen. ``props`` is the entity's JupiterOne JSON object
  (``_key``, ``_type``, ``_class`` list, properties). Live rows have ``deleted_run IS NULL``.
* ``entity_classes``: (class, key) pairs, so ``FIND Host`` is an index lookup.
* ``relationships``: live rows have ``deleted_run IS NULL``; ``verb`` is the ``_class``.
* ``history``: one row per created/updated/deleted object per run, for diffs.
* ``runs``, ``steps``, ``scopes``: what each run did, which (account, region, type)
  scopes it completed, and why the others are partial.

A run stages entities as it collects them and merges them into the live tables in one
transaction at the end, so a crash or Ctrl-C mid-run leaves the previous graph intact.
Entities are marked deleted only in scopes whose steps completed in this run.

Opening is explicit (:func:`open_store`): readers open a database read-only and refuse any
file that is not an awsgraph database (left untouched) or is corrupt; only a writer
(``collect``, ``demo``) creates or migrates one. A database is recognised by SQLite's
``application_id`` header field (or, for files written before it was set, by its
``meta.schema_version`` row and tables). The file and its ``-wal``/``-shm`` are 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from awsgraph.model import Entity, Relationship
from awsgraph.store.base import RunInfo, StepResult, StoredEntity, StoreError
from awsgraph.store.reads import GraphReads
from awsgraph.store.text_index import ensure_text_index

SCHEMA_VERSION = 1
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
CREATE TABLE IF NOT EXISTS staging(
  run_id INTEGER NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, account TEXT, region TEXT,
  props TEXT NOT NULL, links TEXT, raw TEXT, hash TEXT NOT NULL, PRIMARY KEY(run_id, key));
"""


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


DeriveFn = Callable[["SQLiteStore"], tuple[Iterable[Entity], Iterable[Relationship]]]


class SQLiteStore(GraphReads):
    """The embedded default store. ``write=True`` creates or migrates the file (collectors only);
    ``write=False`` opens an existing awsgraph database read-only."""

    def __init__(self, path: str, *, write: bool = True) -> None:
        self.path = path
        self.writable = write
        self._lock = threading.Lock()
        self._history_rows: dict[str, int] = {}
        self._db = _open_for_writing(path) if write else _open_for_reading(path)

    @property
    def connection(self) -> sqlite3.Connection:
        return self._db

    # -- runs ---------------------------------------------------------------------------
    def begin_run(self, config: dict[str, Any]) -> int:
        with self._lock:
            # A run that never finished (crash, kill -9) leaves staged rows: drop them.
            stale = [r[0] for r in self._db.execute("SELECT id FROM runs WHERE status='running'")]
            for rid in stale:
                self._db.execute("DELETE FROM staging WHERE run_id=?", (rid,))
                self._db.execute("UPDATE runs SET status='aborted' WHERE id=?", (rid,))
            cur = self._db.execute(
                "INSERT INTO runs(started_at, status, config) VALUES(?, 'running', ?)",
                (time.time(), _dumps(config)),
            )
            return int(cur.lastrowid or 0)

    def stage_entities(self, run_id: int, entities: Iterable[Entity]) -> None:
        rows = []
        entities = list(entities)
        incomplete = [e.key for e in entities if e.incomplete]
        known: set[str] = set()
        if incomplete:
            with self._lock:
                for i in range(0, len(incomplete), 500):
                    chunk = incomplete[i:i + 500]
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
            rows.append(
                (run_id, e.key, e.type, e.props.get("accountId"), e.scope_region or e.props.get("region") or "global",
                 props, links, raw,
                 _hash(props + (links or "")))
            )
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO staging(run_id, key, type, account, region, props, links, raw, hash)"
                " VALUES(?,?,?,?,?,?,?,?,?)",
                rows,
            )
            self._db.execute("COMMIT")

    def record_step(self, run_id: int, result: StepResult) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO steps(run_id, step, account, region, service, types, status, reason, entities,"
                " calls, duration, capped) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, result.step, result.account, result.region, result.service, _dumps(result.types),
                 result.status, result.reason, result.entities, result.calls, result.duration, result.capped),
            )

    def abort_run(self, run_id: int, reason: str) -> None:
        with self._lock:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._db.execute("DELETE FROM staging WHERE run_id=?", (run_id,))
            self._db.execute(
                "UPDATE runs SET status='aborted', finished_at=?, summary=? WHERE id=?",
                (time.time(), _dumps({"reason": reason}), run_id),
            )

    def finish_run(
        self,
        run_id: int,
        complete_scopes: Iterable[tuple[str, str, str]],
        partial_scopes: Iterable[tuple[str, str, str]],
        derive: DeriveFn | None,
        summary: dict[str, Any],
    ) -> dict[str, int]:
        """Merge the staged entities, derive relationships, and commit, all at once."""
        counts = {"created": 0, "updated": 0, "deleted": 0, "rel_created": 0, "rel_updated": 0,
                  "rel_deleted": 0}
        self._history_rows = {}  # entity key -> its history row written by this run
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                complete = sorted(set(complete_scopes))
                db.executemany(
                    "INSERT OR REPLACE INTO scopes(run_id, account, region, type, complete) VALUES(?,?,?,?,1)",
                    [(run_id, *s) for s in complete],
                )
                db.executemany(
                    "INSERT OR REPLACE INTO scopes(run_id, account, region, type, complete) VALUES(?,?,?,?,0)",
                    [(run_id, *s) for s in set(partial_scopes)],
                )
                self._merge_staged(run_id, counts)
                self._delete_unseen(run_id, complete, counts)
                if derive is not None:
                    extra_entities, rels = derive(self)
                    self._merge_mapper_entities(run_id, extra_entities, counts)
                    self._merge_relationships(run_id, rels, counts)
                db.execute("DELETE FROM staging WHERE run_id=?", (run_id,))
                summary = {**summary, "changes": counts}
                db.execute(
                    "UPDATE runs SET status='finished', finished_at=?, summary=? WHERE id=?",
                    (time.time(), _dumps(summary), run_id),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return counts

    # -- merging ------------------------------------------------------------------------
    def _upsert_entity(self, run_id: int, row: tuple[Any, ...], source: str, counts: dict[str, int]) -> None:
        key, etype, account, region, props, links, raw, h = row
        db = self._db
        old = db.execute("SELECT hash, deleted_run FROM entities WHERE key=?", (key,)).fetchone()
        if old is None or old[1] is not None:
            db.execute(
                "INSERT OR REPLACE INTO entities(key, type, account, region, props, links, raw, source, hash,"
                " first_run, last_run, updated_run, deleted_run) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,NULL)",
                (key, etype, account, region, props, links, raw, source, h, run_id, run_id, run_id),
            )
            db.execute("DELETE FROM entity_classes WHERE key=?", (key,))
            db.executemany(
                "INSERT OR IGNORE INTO entity_classes(class, key) VALUES(?,?)",
                [(c, key) for c in json.loads(props).get("_class", [])],
            )
            cur = db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                             (run_id, "entity", key, "created", etype, props))
            self._history_rows[key] = int(cur.lastrowid or 0)
            counts["created"] += 1
        elif old[0] != h:
            db.execute(
                "UPDATE entities SET type=?, account=?, region=?, props=?, links=?, raw=?, source=?, hash=?,"
                " last_run=?, updated_run=?, derived=NULL WHERE key=?",
                (etype, account, region, props, links, raw, source, h, run_id, run_id, key),
            )
            db.execute("DELETE FROM entity_classes WHERE key=?", (key,))
            db.executemany(
                "INSERT OR IGNORE INTO entity_classes(class, key) VALUES(?,?)",
                [(c, key) for c in json.loads(props).get("_class", [])],
            )
            cur = db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                             (run_id, "entity", key, "updated", etype, props))
            self._history_rows[key] = int(cur.lastrowid or 0)
            counts["updated"] += 1
        else:
            db.execute("UPDATE entities SET last_run=?, raw=? WHERE key=?", (run_id, raw, key))

    def _merge_staged(self, run_id: int, counts: dict[str, int]) -> None:
        cur = self._db.execute(
            "SELECT key, type, account, region, props, links, raw, hash FROM staging WHERE run_id=?", (run_id,)
        )
        for row in cur.fetchall():
            self._upsert_entity(run_id, tuple(row), "collector", counts)

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
                counts["deleted"] += 1

    def _mark_deleted(self, run_id: int, kind: str, key: str, etype: str, props: str) -> None:
        table = "entities" if kind == "entity" else "relationships"
        self._db.execute(f"UPDATE {table} SET deleted_run=? WHERE key=?", (run_id, key))
        if kind == "entity":
            self._db.execute("DELETE FROM entity_classes WHERE key=?", (key,))
        self._db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                         (run_id, kind, key, "deleted", etype, props))

    def _merge_derived_props(self, run_id: int, merges: dict[str, dict[str, Any]], counts: dict[str, int]) -> None:
        """Properties analysers set on collected entities (``raw={"__merge__": True}``).

        They live in their own column so a re-collected entity is compared on what the
        collector saw, and the analysis props are replaced, not accumulated, each run.
        """
        db = self._db
        rows = db.execute("SELECT key, type, props, derived FROM entities WHERE deleted_run IS NULL"
                          " AND (derived IS NOT NULL)").fetchall()
        current = {r[0]: r for r in rows}
        for key in set(merges) | set(current):
            new = merges.get(key, {})
            row = current.get(key) or db.execute(
                "SELECT key, type, props, derived FROM entities WHERE key=? AND deleted_run IS NULL", (key,)
            ).fetchone()
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
            if rowid:
                db.execute("UPDATE history SET props=? WHERE rowid=?", (text, rowid))
            else:
                db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                           (run_id, "entity", key, "updated", row[1], text))
                counts["updated"] += 1

    def _merge_mapper_entities(self, run_id: int, entities: Iterable[Entity], counts: dict[str, int]) -> None:
        seen: set[str] = set()
        merges: dict[str, dict[str, Any]] = {}
        live_collector = {r[0] for r in self._db.execute("SELECT key FROM entities WHERE deleted_run IS NULL"
                                                           " AND source='collector'")}
        for e in entities:
            if e.raw and e.raw.get("__merge__"):
                merges.setdefault(e.key, {}).update(
                    {k: v for k, v in e.props.items() if not k.startswith("_")})
                continue
            if e.key in seen or e.key in live_collector:
                continue  # a real entity always wins over a placeholder
            seen.add(e.key)
            props = _dumps(e.to_j1())
            row = (e.key, e.type, e.props.get("accountId"), e.props.get("region"), props, None, None, _hash(props))
            self._upsert_entity(run_id, row, "mapper", counts)
        self._merge_derived_props(run_id, merges, counts)
        for key, etype, props in self._db.execute(
            "SELECT key, type, props FROM entities WHERE source='mapper' AND deleted_run IS NULL"
        ).fetchall():
            if key not in seen:
                self._mark_deleted(run_id, "entity", key, etype, props)
                counts["deleted"] += 1

    def _merge_relationships(self, run_id: int, rels: Iterable[Relationship], counts: dict[str, int]) -> None:
        db = self._db
        live_keys = {r[0] for r in db.execute("SELECT key FROM entities WHERE deleted_run IS NULL")}
        old = {r[0]: (r[1], r[2]) for r in db.execute("SELECT key, hash, deleted_run FROM relationships")}
        seen: set[str] = set()
        # written in batches: one executemany per statement rather than a call per row
        created: list[tuple[Any, ...]] = []
        updated: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        unchanged: list[tuple[int, str]] = []
        for rel in rels:
            key = rel.key
            if key in seen or rel.from_key not in live_keys or rel.to_key not in live_keys:
                continue
            seen.add(key)
            props = _dumps(rel.to_j1())
            h = _hash(props)
            prev = old.get(key)
            if prev is None or prev[1] is not None:
                created.append((key, rel.type, rel.verb, rel.from_key, rel.to_key, props, int(rel.mapped), h,
                                run_id, run_id, run_id))
                history.append((run_id, "relationship", key, "created", rel.type, props))
                counts["rel_created"] += 1
            elif prev[0] != h:
                updated.append((props, h, run_id, run_id, int(rel.mapped), key))
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
        for key, rtype, props in db.execute(
            "SELECT key, type, props FROM relationships WHERE deleted_run IS NULL"
        ).fetchall():
            if key not in seen:
                self._mark_deleted(run_id, "relationship", key, rtype, props)
                counts["rel_deleted"] += 1

    # -- reading ------------------------------------------------------------------------
    def iter_entities(self, types: Iterable[str] | None = None, *, with_raw: bool = False,
                      source: str | None = None) -> Iterator[StoredEntity]:
        """Live entities, optionally only of ``types`` or only from ``source`` (collector / mapper)."""
        cols = "key, type, account, region, props, links" + (", raw" if with_raw else "")
        where = "deleted_run IS NULL"
        params: list[Any] = []
        if source is not None:
            where += " AND source=?"
            params.append(source)
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
    columns = {r[1] for r in db.execute("PRAGMA table_info(entities)")}
    if "derived" not in columns:
        db.execute("ALTER TABLE entities ADD COLUMN derived TEXT")
    # `diff` looks up each object's history by key; readers cannot create this index.
    db.execute("CREATE INDEX IF NOT EXISTS history_key ON history(key, kind, run_id)")
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    ensure_text_index(db)  # J1QL full-text search, kept in step by triggers
