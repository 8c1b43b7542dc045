"""PostgreSQL graph store: the shared store, for graphs that several machines read and write.

The tables are SQLite's (:mod:`awsgraph.store.sqlite`) in PostgreSQL's own types, so the query
layer compiles J1QL against either from one plan:

* ``entities``: ``props``, ``links``, ``raw`` and ``derived`` are ``jsonb``. Live rows have
  ``deleted_run IS NULL``. Indexes: ``(type, deleted_run)``; ``(account, region, type)``; a GIN
  ``jsonb_path_ops`` index on live ``props`` (J1QL equality filters compile to ``props @> {...}``);
  and the full-text index, a GIN index over ``awsgraph_text(props)``: a ``tsvector`` of the words of
  the entity's property values (see :class:`~awsgraph.query.dialect.PostgresDialect` for the rule).
* ``entity_classes``, ``relationships`` (``props jsonb``), ``history`` (``id`` gives the write order),
  keys, types, classes and verbs in the "C" collation (byte order, as SQLite compares them, whatever
  the database's locale),
  ``runs`` (``config``/``summary`` ``jsonb``), ``steps``, ``scopes`` (``complete boolean``).
* The run lifecycle's tables, as SQLite's: ``run_units`` (one row per account a run commits as a
  unit, with its attempts), ``staged`` (an UNLOGGED table of JSON text: what a unit collected until it
  commits; a server crash only loses work that is redone anyway), and the incremental-derivation tables
  ``idents``, ``xrefs``, ``owned``, ``changed``, ``dirty``.

Readers open a database read-only (``default_transaction_read_only``) and refuse one that is not
an awsgraph database. ``write=True`` creates what is missing and writes runs: the lifecycle of
:mod:`awsgraph.store.runs` and :mod:`awsgraph.store.derivation`, with PostgreSQL's locks (see
:class:`PostgresStore`). :meth:`PostgresStore.load` writes one finished run with ``COPY`` (tests,
benchmarks), and :func:`copy_sqlite` copies an SQLite graph.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from awsgraph.store.base import RunInfo, StepResult, StoredEntity, StoreError
from awsgraph.store.derivation import DeriveWrites
from awsgraph.store.reads import GraphReads
from awsgraph.store.runs import Heartbeat

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import psycopg

    from awsgraph.model import Entity, Relationship

SCHEMA_VERSION = 1
URL_SCHEMES = ("postgresql://", "postgres://")
_APPLICATION = "awsgraph"

# The words of a JSON document's string and number values, ASCII-lower-cased, split at ASCII
# spaces, punctuation and symbols (every non-ASCII character counts as part of a word, whatever
# the server's locale). Words over 256 characters are left out (a tsvector lexeme is at most 2 kB).
TEXT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION awsgraph_text(doc jsonb) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT array_to_tsvector(coalesce(array_agg(DISTINCT w), '{}'))
  FROM jsonb_path_query(doc, 'strict $.**') AS v,
       regexp_split_to_table(translate(v #>> '{}', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
                             '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+') AS w
  WHERE jsonb_typeof(v) IN ('string', 'number') AND w <> '' AND length(w) <= 256
$fn$;
"""

# Epoch milliseconds of an ISO 8601 text (NULL when it is not one), as SQLite's julianday reads it:
# a time without an offset is UTC.
ISO_FUNCTION = r"""
CREATE OR REPLACE FUNCTION awsgraph_iso_ms(t text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET timezone = 'UTC' AS $fn$
BEGIN
  IF t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$' THEN
    RETURN NULL;
  END IF;
  RETURN round(extract(epoch FROM t::timestamptz) * 1000);
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$fn$;
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key text PRIMARY KEY, value text);
CREATE TABLE IF NOT EXISTS runs(
  id bigserial PRIMARY KEY, started_at double precision NOT NULL, finished_at double precision,
  status text NOT NULL, config jsonb NOT NULL DEFAULT '{}', summary jsonb,
  pid integer, host text, proc_start text, heartbeat double precision);
CREATE TABLE IF NOT EXISTS run_units(
  run_id bigint NOT NULL, unit text NOT NULL, status text NOT NULL, started_at double precision,
  finished_at double precision, pid integer, host text, reason text, summary jsonb, attempts integer,
  PRIMARY KEY(run_id, unit));
ALTER TABLE run_units ADD COLUMN IF NOT EXISTS attempts integer;
CREATE TABLE IF NOT EXISTS steps(
  run_id bigint NOT NULL, step text COLLATE "C" NOT NULL, account text COLLATE "C", region text COLLATE "C",
  service text, types jsonb, status text NOT NULL, reason text, entities integer, calls integer,
  duration double precision, capped text);
CREATE INDEX IF NOT EXISTS steps_run ON steps(run_id);
CREATE TABLE IF NOT EXISTS scopes(
  run_id bigint NOT NULL, account text COLLATE "C" NOT NULL, region text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL, complete boolean NOT NULL, PRIMARY KEY(run_id, account, region, type));
CREATE TABLE IF NOT EXISTS entities(
  key text COLLATE "C" PRIMARY KEY, type text COLLATE "C" NOT NULL, account text COLLATE "C",
  region text COLLATE "C",
  props jsonb NOT NULL, links jsonb, raw jsonb, source text NOT NULL DEFAULT 'collector',
  derived jsonb, hash text NOT NULL, raw_hash text, fragments jsonb,
  first_run bigint, last_run bigint, updated_run bigint, deleted_run bigint);
CREATE INDEX IF NOT EXISTS entities_type ON entities(type, deleted_run);
CREATE INDEX IF NOT EXISTS entities_scope ON entities(account, region, type);
CREATE INDEX IF NOT EXISTS entities_props ON entities USING gin (props jsonb_path_ops) WHERE deleted_run IS NULL;
CREATE INDEX IF NOT EXISTS entities_text ON entities USING gin (awsgraph_text(props)) WHERE deleted_run IS NULL;
CREATE TABLE IF NOT EXISTS entity_classes(class text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
  PRIMARY KEY(class, key));
CREATE INDEX IF NOT EXISTS entity_classes_key ON entity_classes(key);
-- Every class counted exactly by ANALYZE (the whole narrow table is sampled): a rare class (20
-- accounts among a million entities) is otherwise estimated at one row, and a plan built on that
-- repeats a whole join per account (the count aggregate of bench/pg_bench.py: 28 s instead of 2 s).
ALTER TABLE entity_classes ALTER COLUMN class SET STATISTICS 10000;
CREATE TABLE IF NOT EXISTS relationships(
  key text COLLATE "C" PRIMARY KEY, type text COLLATE "C" NOT NULL, verb text COLLATE "C" NOT NULL,
  from_key text COLLATE "C" NOT NULL, to_key text COLLATE "C" NOT NULL, props jsonb NOT NULL,
  mapped boolean NOT NULL DEFAULT false,
  hash text NOT NULL, first_run bigint, last_run bigint, updated_run bigint, deleted_run bigint);
CREATE INDEX IF NOT EXISTS rel_from ON relationships(from_key, verb);
CREATE INDEX IF NOT EXISTS rel_to ON relationships(to_key, verb);
CREATE INDEX IF NOT EXISTS rel_type ON relationships(type);
CREATE TABLE IF NOT EXISTS history(
  id bigserial PRIMARY KEY, run_id bigint NOT NULL, kind text NOT NULL, key text COLLATE "C" NOT NULL,
  op text NOT NULL,
  type text, props jsonb);
CREATE INDEX IF NOT EXISTS history_run ON history(run_id, kind);
CREATE INDEX IF NOT EXISTS history_key ON history(key, kind, run_id);
DO $$ BEGIN  -- the first shape of staged (jsonb, no raw_hash) never held rows: no writer used it
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
             AND table_name = 'staged' AND column_name = 'props' AND data_type = 'jsonb') THEN
    DROP TABLE staged;
  END IF;
END $$;
CREATE UNLOGGED TABLE IF NOT EXISTS staged(
  run_id bigint NOT NULL, unit text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
  fragment text COLLATE "C" NOT NULL DEFAULT '', type text NOT NULL, account text, region text,
  props text NOT NULL, links text, raw text, hash text NOT NULL, raw_hash text,
  PRIMARY KEY(run_id, unit, key, fragment));
CREATE TABLE IF NOT EXISTS idents(
  kind text NOT NULL, value text NOT NULL, key text NOT NULL, account text NOT NULL, PRIMARY KEY(kind, value, key));
CREATE INDEX IF NOT EXISTS idents_key ON idents(key);
CREATE TABLE IF NOT EXISTS xrefs(owner text NOT NULL, kind text NOT NULL, value text NOT NULL,
  PRIMARY KEY(owner, kind, value));
CREATE INDEX IF NOT EXISTS xrefs_value ON xrefs(kind, value);
CREATE TABLE IF NOT EXISTS owned(owner text NOT NULL, kind text NOT NULL, key text NOT NULL,
  PRIMARY KEY(owner, kind, key));
CREATE INDEX IF NOT EXISTS owned_key ON owned(kind, key);
CREATE TABLE IF NOT EXISTS changed(key text PRIMARY KEY, account text NOT NULL);
CREATE TABLE IF NOT EXISTS dirty(account text PRIMARY KEY, gen bigint NOT NULL);
"""

_SCHEMA_LOCK = 0x61777367  # advisory lock key ("awsg"): one writer creates or migrates the schema at a time
# Advisory locks of the run lifecycle, in the two-key space (which never meets the one-key space above):
_RUNS_LOCK = 0x61777301  # (this, 0): begin_run's look at the runs table
_DERIVE_LOCK = 0x61777302  # (this, 0): one cross-account pass at a time
_ENTITY_LOCK = 0x61777303  # (this, hashtext(key)): one unit at a time merges an entity several units write
_STAGED_COLUMNS = "run_id, unit, key, fragment, type, account, region, props, links, raw, hash, raw_hash"
_CURSORS = itertools.count()
_SQL: dict[str, str] = {}


def _pg_sql(sql: str) -> str:
    """The shared SQL (``?`` placeholders) in psycopg's spelling (``%s``)."""
    out = _SQL.get(sql)
    if out is None:
        if len(_SQL) > 2000:  # statements with IN lists of every length: keep the cache bounded
            _SQL.clear()
        out = _SQL[sql] = sql.replace("%", "%%").replace("?", "%s")
    return out


def is_url(target: str) -> bool:
    """``target`` names a PostgreSQL database (a ``postgresql://`` URL), not a file."""
    return target.startswith(URL_SCHEMES)


def display_url(url: str) -> str:
    """The URL without its password or query (they may carry secrets), for messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "postgresql://…"
    user = f"{parts.username}@" if parts.username else ""
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _sorted_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return dict(sorted(pairs))


def _loads_sorted(text: str | bytes) -> Any:
    """jsonb keeps an object's keys in its own order (shortest first); SQLite's store keeps them sorted,
    and so do the objects read back here, so both stores print the same rows."""
    return json.loads(text, object_pairs_hook=_sorted_object)


_DDL_STAMP = hashlib.blake2b((TEXT_FUNCTION + ISO_FUNCTION + SCHEMA).encode(), digest_size=8).hexdigest()


def ensure_schema(conn: psycopg.Connection[Any], *, force: bool = False) -> None:
    """Create what is missing (idempotent, additive), under an advisory lock so that concurrent
    writers do not race each other's CREATE statements.

    A database this version already set up (its ``meta`` row ``schema_ddl``) is left alone unless
    ``force``: DDL takes locks that would wait for, and deadlock with, workers committing accounts."""
    import psycopg

    if not force:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_ddl'").fetchone()
        except psycopg.errors.UndefinedTable:
            row = None
        if row is not None and row[0] == _DDL_STAMP:
            return
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
        conn.execute(TEXT_FUNCTION)
        conn.execute(ISO_FUNCTION)
        conn.execute(SCHEMA)
        conn.execute("INSERT INTO meta(key, value) VALUES('schema_version', %s) ON CONFLICT (key) DO NOTHING",
                     [str(SCHEMA_VERSION)])
        conn.execute("INSERT INTO meta(key, value) VALUES('schema_ddl', %s)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [_DDL_STAMP])


def connect(url: str, *, read_only: bool) -> psycopg.Connection[Any]:
    """An autocommit connection (statements outside an explicit transaction commit at once)."""
    import psycopg
    from psycopg.types.json import set_json_loads

    # No JIT: J1QL's statements are short and many; compiling them cost more than it saved (bench/README.md).
    options = "-c jit=off" + (" -c default_transaction_read_only=on" if read_only else "")
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=15, application_name=_APPLICATION,
                               options=options)
        set_json_loads(_loads_sorted, conn)
        return conn
    except psycopg.Error as exc:
        raise StoreError(f"cannot open {display_url(url)}: {_first_line(exc)}") from None
    except ValueError as exc:  # a malformed URL
        raise StoreError(f"not a usable PostgreSQL URL {display_url(url)}: {_first_line(exc)}") from None


class PostgresStore(DeriveWrites, GraphReads):
    """The shared store. ``write=False`` (every read command) opens an existing awsgraph database
    read-only; ``write=True`` creates its tables when they are missing, and writes runs.

    The run lifecycle is :class:`~awsgraph.store.runs.RunWrites` and
    :class:`~awsgraph.store.derivation.DeriveWrites`, as in SQLite; what PostgreSQL does its own
    way is here. Several processes (workers) write one database: each unit commits in a
    transaction of its own, row locks keep them apart, and the entities two units both write (an
    account's fragments) are merged under a transaction-level advisory lock on the key; a commit
    that loses a deadlock is tried again. One run holds the database at a time (an advisory lock
    around ``begin_run``'s look at the runs table), and one derivation (a session-level advisory
    lock for the whole cross-account pass). Staging is ``COPY``.
    """

    kind = "postgresql"
    _null_safe_equals = "IS NOT DISTINCT FROM"
    _write_order = "id"
    _false = False

    def __init__(self, url: str, *, write: bool = False) -> None:
        import psycopg

        self.url = url
        self.path = display_url(url)  # what messages and page titles show
        self.writable = write
        self._lock = threading.RLock()
        self._history_rows: dict[str, int] = {}
        self._heartbeats: dict[int, Heartbeat] = {}
        self.reaped: list[str] = []
        self._retryable = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
        self._db = connect(url, read_only=not write)
        try:
            if write:
                ensure_schema(self._db)
            self._check()
        except psycopg.Error as exc:
            self._db.close()
            raise StoreError(f"{self.path} is not a usable awsgraph database: {_first_line(exc)}") from None
        except BaseException:
            self._db.close()
            raise

    def _check(self) -> None:
        import psycopg

        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except psycopg.errors.UndefinedTable:
            raise StoreError(f"{self.path} is not an awsgraph database"
                             ) from None
        try:
            version = int(row[0]) if row else 0
        except (TypeError, ValueError):
            version = 0
        if version == 0:
            raise StoreError(f"{self.path} is not an awsgraph database")
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer awsgraph (schema {version}); upgrade awsgraph "
                             "to read it")

    @property
    def connection(self) -> psycopg.Connection[Any]:
        return self._db

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Iterable[tuple[Any, ...]]:
        return self._db.execute(_pg_sql(sql), list(params))

    @staticmethod
    def _doc(value: Any) -> Any:
        return value  # jsonb comes back decoded

    def close(self) -> None:
        for run_id in list(self._heartbeats):
            self._stop_heartbeat(run_id)
        with self._lock:
            self._db.close()

    def end_run(self, run_id: int, summary: dict[str, Any], status: str = "finished") -> None:
        super().end_run(run_id, summary, status)
        self._tidy()

    def _tidy(self) -> None:
        """``VACUUM (ANALYZE)`` the tables a run rewrites, once it has ended. A run marks every entity it
        saw, which in PostgreSQL leaves a dead version of each row; until autovacuum catches up, index
        scans visit them too (on the 1M-entity benchmark graph a typed filter took 21.6 ms after a
        re-sync, 1.1 ms once vacuumed, 0.8 ms before). Best effort: the run is already recorded; a
        failure here is only logged."""
        import psycopg

        started = time.monotonic()
        try:
            with self._lock:
                self._db.execute("VACUUM (ANALYZE) entities, relationships, entity_classes")
        except psycopg.Error as exc:
            log.warning("after the run, VACUUM (ANALYZE) failed: %s", _first_line(exc))
        else:
            log.debug("VACUUM (ANALYZE) after the run took %.1f s", time.monotonic() - started)

    # -- the primitives of RunWrites ------------------------------------------------------------------
    def _x(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self._db.execute(_pg_sql(sql), list(params))

    def _xmany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self._db.cursor() as cur:
                cur.executemany(_pg_sql(sql), rows)

    def _stream(self, sql: str, params: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        # A server-side cursor (inside the caller's transaction): a large unit arrives in batches.
        with self._db.cursor(name=f"awsgraph_stream_{next(_CURSORS)}") as cur:
            cur.itersize = 500
            cur.execute(_pg_sql(sql), list(params))
            yield from cur

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock, self._db.transaction():
            yield self._db

    def _history(self, run_id: int, kind: str, key: str, op: str, etype: str | None, props: str | None) -> int:
        row = self._db.execute("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(%s,%s,%s,%s,%s,%s)"
                               " RETURNING id", [run_id, kind, key, op, etype, props]).fetchone()
        return int(row[0]) if row else 0

    def _lock_runs(self) -> None:
        self._db.execute("SELECT pg_advisory_xact_lock(%s, 0)", [_RUNS_LOCK])

    def _lock_shared_entity(self, key: str) -> None:
        self._db.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_ENTITY_LOCK, key])

    def _write_staged(self, rows: list[tuple[Any, ...]]) -> None:
        latest = {(r[0], r[1], r[2], r[3]): r for r in rows}  # a key staged twice in one batch: the last
        with self._transaction(), self._db.cursor() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS staged_in (LIKE staged) ON COMMIT DELETE ROWS")
            with cur.copy(f"COPY staged_in({_STAGED_COLUMNS}) FROM STDIN") as copy:
                for row in latest.values():
                    copy.write_row(row)
            cur.execute(f"INSERT INTO staged({_STAGED_COLUMNS}) SELECT {_STAGED_COLUMNS} FROM staged_in"
                        " ON CONFLICT(run_id, unit, key, fragment) DO UPDATE SET type=excluded.type,"
                        " account=excluded.account, region=excluded.region, props=excluded.props,"
                        " links=excluded.links, raw=excluded.raw, hash=excluded.hash, raw_hash=excluded.raw_hash")

    def heartbeat(self, run_id: int) -> None:
        # its own short connection: the store's may be inside a unit's transaction
        with connect(self.url, read_only=False) as conn:
            conn.execute("UPDATE runs SET heartbeat = %s WHERE id = %s AND status = 'running'", [time.time(), run_id])

    @contextlib.contextmanager
    def derive_lock(self) -> Iterator[None]:
        """One derivation at a time across every process writing the database (workers, a second
        run): a session-level advisory lock, released when the pass ends or the connection drops."""
        with self._lock:
            self._db.execute("SELECT pg_advisory_lock(%s, 0)", [_DERIVE_LOCK])
            try:
                yield
            finally:
                self._db.execute("SELECT pg_advisory_unlock(%s, 0)", [_DERIVE_LOCK])

    # -- reading ----------------------------------------------------------------------------------
    def iter_entities(self, types: Iterable[str] | None = None, *, with_raw: bool = False,
                      source: str | None = None, account: str | None = None) -> Iterator[StoredEntity]:
        """Live entities in key order, optionally only of ``types``, ``source`` or ``account``."""
        cols = "key, type, account, region, props, links" + (", raw" if with_raw else "")
        where = ["deleted_run IS NULL"]
        params: list[Any] = []
        if source is not None:
            where.append("source = %s")
            params.append(source)
        if account:
            where.append("account = %s")
            params.append(account)
        elif account is not None:  # "": the entities without an account
            where.append("account IS NULL")
        if types is not None:
            where.append("type = ANY(%s)")
            params.append(list(types))
        # A server-side cursor: a million entities stream in batches instead of arriving at once.
        with self._lock, self._db.transaction(), self._db.cursor(name="awsgraph_entities") as cur:
            cur.itersize = 2000
            cur.execute(f"SELECT {cols} FROM entities WHERE {' AND '.join(where)} ORDER BY key", params)
            for row in cur:
                props = row[4]
                if with_raw and row[6]:
                    props = {**props, "__raw__": row[6]}
                yield StoredEntity(row[0], row[1], row[2], row[3], props, row[5] or {})

    def raw_record(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT raw FROM entities WHERE key = %s", [key]).fetchone()
        return row[0] if row and row[0] else None

    def relationships(self) -> Iterator[dict[str, Any]]:
        with self._lock, self._db.transaction(), self._db.cursor(name="awsgraph_relationships") as cur:
            cur.itersize = 5000
            cur.execute("SELECT props FROM relationships WHERE deleted_run IS NULL ORDER BY key")
            for (props,) in cur:
                yield props

    def runs(self) -> list[RunInfo]:
        return [RunInfo(rid, started, finished, status, config or {}, summary or {})
                for rid, started, finished, status, config, summary in self._db.execute(
                    "SELECT id, started_at, finished_at, status, config, summary FROM runs ORDER BY id")]

    def steps(self, run_id: int) -> list[StepResult]:
        return [StepResult(r[0], r[1], r[2], r[3], tuple(r[4] or ()), r[5], r[6] or "", r[7] or 0, r[8] or 0,
                           r[9] or 0.0, r[10] or "")
                for r in self._db.execute(
                    "SELECT step, account, region, service, types, status, reason, entities, calls, duration, capped"
                    " FROM steps WHERE run_id = %s ORDER BY step, account, region", [run_id])]

    def partial_types(self, run_id: int) -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT type FROM scopes WHERE run_id = %s AND NOT complete ORDER BY type", [run_id])]

    def counts_by_type(self) -> tuple[dict[str, int], dict[str, int]]:
        ents = dict(self._db.execute(
            "SELECT type, count(*) FROM entities WHERE deleted_run IS NULL GROUP BY type ORDER BY type").fetchall())
        rels = dict(self._db.execute(
            "SELECT type, count(*) FROM relationships WHERE deleted_run IS NULL GROUP BY type ORDER BY type"
        ).fetchall())
        return ents, rels

    # -- bulk loading (tests, benchmarks) --------------------------------------------------------------
    def load(self, entities: Iterable[Entity], relationships: Iterable[Relationship], *,
             config: dict[str, Any] | None = None, steps: Sequence[StepResult] = (),
             complete_scopes: Iterable[tuple[str, str, str]] = (),
             partial_scopes: Iterable[tuple[str, str, str]] = (), summary: dict[str, Any] | None = None) -> int:
        """Write one finished run holding ``entities`` and ``relationships`` with ``COPY``, in one transaction.

        Every object is recorded as created by the run (``history``); a relationship whose ends are not
        among the live entities is left out, as a run's merge leaves it out. Not the run lifecycle: a
        graph is loaded into an empty database, or added to one; nothing is updated or deleted.
        """
        if not self.writable:
            raise StoreError(f"{self.path} is open read-only")
        now = time.time()
        counts = {"created": 0, "rel_created": 0}
        db = self._db
        with db.transaction():
            run_id = int(db.execute(
                "INSERT INTO runs(started_at, finished_at, status, config) VALUES(%s, %s, 'running', %s) RETURNING id",
                [now, now, _dumps(config or {})]).fetchone()[0])  # type: ignore[index]
            keys: set[str] = {r[0] for r in db.execute("SELECT key FROM entities WHERE deleted_run IS NULL")}
            with db.cursor() as cur:
                with cur.copy("COPY entities(key, type, account, region, props, links, raw, hash, first_run,"
                              " last_run, updated_run) FROM STDIN") as copy:
                    classes: list[tuple[str, str]] = []
                    history: list[tuple[str, str, str]] = []
                    for e in entities:
                        if e.key in keys:
                            continue
                        keys.add(e.key)
                        j1 = e.to_j1()
                        props = _dumps(j1)
                        links = _dumps(e.link_values) if e.link_values else None
                        copy.write_row((e.key, e.type, e.props.get("accountId"),
                                        e.scope_region or e.props.get("region") or "global", props, links,
                                        _dumps(e.raw) if e.raw is not None else None, _hash(props + (links or "")),
                                        run_id, run_id, run_id))
                        classes += [(c, e.key) for c in dict.fromkeys(j1.get("_class", []))]
                        history.append((e.key, e.type, props))
                        counts["created"] += 1
                with cur.copy("COPY entity_classes(class, key) FROM STDIN") as copy:
                    for row in classes:
                        copy.write_row(row)
                rel_history: list[tuple[str, str, str]] = []
                with cur.copy("COPY relationships(key, type, verb, from_key, to_key, props, mapped, hash, first_run,"
                              " last_run, updated_run) FROM STDIN") as copy:
                    seen: set[str] = set()
                    for rel in relationships:
                        if rel.key in seen or rel.from_key not in keys or rel.to_key not in keys:
                            continue
                        seen.add(rel.key)
                        props = _dumps(rel.to_j1())
                        copy.write_row((rel.key, rel.type, rel.verb, rel.from_key, rel.to_key, props, rel.mapped,
                                        _hash(props), run_id, run_id, run_id))
                        rel_history.append((rel.key, rel.type, props))
                        counts["rel_created"] += 1
                with cur.copy("COPY history(run_id, kind, key, op, type, props) FROM STDIN") as copy:
                    for kind, rows in (("entity", history), ("relationship", rel_history)):
                        for key, rtype, props in rows:
                            copy.write_row((run_id, kind, key, "created", rtype, props))
                with cur.copy("COPY steps(run_id, step, account, region, service, types, status, reason, entities,"
                              " calls, duration, capped) FROM STDIN") as copy:
                    for s in steps:
                        copy.write_row((run_id, s.step, s.account, s.region, s.service, _dumps(s.types), s.status,
                                        s.reason, s.entities, s.calls, s.duration, s.capped))
                scopes = {**{s: False for s in partial_scopes}, **{s: True for s in complete_scopes}}
                with cur.copy("COPY scopes(run_id, account, region, type, complete) FROM STDIN") as copy:
                    for (account, region, etype), complete in sorted(scopes.items()):
                        copy.write_row((run_id, account, region, etype, complete))
            db.execute("UPDATE runs SET status = 'finished', finished_at = %s, summary = %s WHERE id = %s",
                       [time.time(), _dumps({**(summary or {}), "changes": counts}), run_id])
        db.execute("ANALYZE entities, entity_classes, relationships")
        return run_id


# Tables and columns an SQLite graph shares with this schema, in the order they are copied: the graph,
# its history, and the derivation's index (without it the next run into the copy would not know which
# other accounts' entities refer to what it changes).
_SHARED_TABLES = {
    "runs": "id, started_at, finished_at, status, config, summary",
    "run_units": "run_id, unit, status, started_at, finished_at, reason, summary, attempts",
    "steps": "run_id, step, account, region, service, types, status, reason, entities, calls, duration, capped",
    "scopes": "run_id, account, region, type, complete",
    "entities": "key, type, account, region, props, links, raw, source, derived, hash, raw_hash, fragments,"
                " first_run, last_run, updated_run, deleted_run",
    "entity_classes": "class, key",
    "relationships": "key, type, verb, from_key, to_key, props, mapped, hash, first_run, last_run, updated_run,"
                     " deleted_run",
    "history": "run_id, kind, key, op, type, props",
    "idents": "kind, value, key, account",
    "xrefs": "owner, kind, value",
    "owned": "owner, kind, key",
    "changed": "key, account",
    "dirty": "account, gen",
}
_BOOLEAN = {("scopes", 4), ("relationships", 6)}  # SQLite's 0/1 columns that are booleans here
_COPIED_META = ("derive_version",)
COPY_PROGRESS_ROWS = 200_000


def copy_sqlite(path: str, url: str, progress: Callable[[str, int, bool], None] | None = None) -> dict[str, int]:
    """Copy the graph of the SQLite database ``path`` (runs, steps, scopes, entities, history and the
    derivation's index) into the empty PostgreSQL database ``url`` with ``COPY``: the same graph, read by
    either store, and collected into again as if it had always been there.

    The source is read in one snapshot (a run committing meanwhile is not half copied); a source with a
    run in progress is refused. ``progress(table, rows, done)`` is called every
    :data:`COPY_PROGRESS_ROWS` rows of a table and once it is copied. Nothing is written to the target
    unless everything is (one transaction).
    """
    import sqlite3

    from awsgraph.store import sqlite as _sqlite

    _sqlite.open_store(path).close()  # an awsgraph graph of a version this release reads, or StoreError
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    counts: dict[str, int] = {}
    try:
        source.execute("BEGIN")  # one read snapshot for every table
        running = source.execute("SELECT id FROM runs WHERE status = 'running' ORDER BY id LIMIT 1").fetchone()
        if running:
            raise StoreError(f"{path}: run {running[0]} is still in progress; copy once it has ended")
        target = PostgresStore(url, write=True)
        try:
            db = target.connection
            with db.transaction(), db.cursor() as cur:
                if db.execute("SELECT 1 FROM runs LIMIT 1").fetchone():
                    raise StoreError(f"{target.path} already holds a graph: copy into an empty database")
                for table, cols in _SHARED_TABLES.items():
                    order = " ORDER BY rowid" if table == "history" else ""
                    n = 0
                    with cur.copy(f"COPY {table}({cols}) FROM STDIN") as copy:
                        for row in source.execute(f"SELECT {cols} FROM {table}{order}"):
                            copy.write_row([bool(v) if (table, i) in _BOOLEAN and v is not None else v
                                            for i, v in enumerate(row)])
                            n += 1
                            if progress and n % COPY_PROGRESS_ROWS == 0:
                                progress(table, n, False)
                    counts[table] = n
                    if progress:
                        progress(table, n, True)
                for key, value in source.execute(
                        f"SELECT key, value FROM meta WHERE key IN ({', '.join('?' * len(_COPIED_META))})",
                        _COPIED_META):
                    db.execute("INSERT INTO meta(key, value) VALUES(%s, %s) ON CONFLICT (key) DO UPDATE"
                               " SET value = excluded.value", [key, value])
                db.execute("SELECT setval('runs_id_seq', GREATEST((SELECT max(id) FROM runs), 1))")
            db.execute("ANALYZE")
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot be read ({exc})") from exc
    finally:
        source.close()
    return counts
