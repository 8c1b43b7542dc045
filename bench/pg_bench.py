"""PostgreSQL vs SQLite on the query benchmark's graph: 1,000,000 entities and 2,000,000 relationships.

Not a unit test. Usage: ``python bench/pg_bench.py [--sqlite PATH] [--url postgresql://...] [--keep]``.
Builds the graph of ``bench/query_bench.py`` (same generator, same seed) in SQLite (its bulk insert) and in
PostgreSQL (``COPY`` into the store's schema, then its indexes, then ANALYZE), reports each load's time and
size, then times every query of ``query_bench.QUERIES`` on both stores (parse + plan + run, best of five
after a warm-up; wall and CPU time of this process, which on PostgreSQL leaves out the server's own CPU).
Without ``--url`` it starts a private PostgreSQL server (as the tests do) and stops it at the end.

Then (``--resync``) every account is collected again through each store's run lifecycle with 1 % of the
entities changed (:func:`resync`), and the queries are timed again on the graph it left.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import query_bench
from awsgraph.model import Entity
from awsgraph.query import execute, parse, plan, tune
from awsgraph.store import PostgresStore, open_store, open_writer
from awsgraph.store.postgres import ensure_schema

# Built after the rows are in: maintaining them row by row during COPY is slower.
_INDEXES = ("entities_type", "entities_scope", "entities_props", "entities_text", "entity_classes_key",
            "rel_from", "rel_to", "rel_type")
_SERVER = ("-c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB"
           " -c max_parallel_maintenance_workers=1 -c effective_cache_size=4GB")


def load_postgres(url: str) -> dict[str, float]:
    """COPY the benchmark graph into ``url`` (an empty database); seconds per phase."""
    import psycopg

    times: dict[str, float] = {}
    rng = random.Random(7)  # query_bench.build's seed: the same graph
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_schema(conn)
        for name in _INDEXES:
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        t0 = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy("COPY entities(key, type, account, region, props, hash, first_run, last_run, updated_run)"
                          " FROM STDIN") as copy:
                for key, etype, acct, region, props, h in query_bench._entity_rows(rng):
                    copy.write_row((key, etype, acct, region, props, h, 1, 1, 1))
            cur.execute("INSERT INTO entity_classes(class, key) SELECT c, key FROM entities,"
                        " jsonb_array_elements_text(props -> '_class') c")
            with cur.copy("COPY relationships(key, type, verb, from_key, to_key, props, hash, first_run, last_run,"
                          " updated_run) FROM STDIN") as copy:
                for row in query_bench._rel_rows(rng):
                    copy.write_row((*row, 1, 1, 1))
            cur.execute("INSERT INTO runs(id, started_at, finished_at, status, config)"
                        " VALUES(1, 0, 0, 'finished', '{}')")
            cur.execute("SELECT setval('runs_id_seq', 1)")  # the next run is 2
        times["copy"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        ensure_schema(conn, force=True)  # creates the indexes dropped above
        times["indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        times["analyze"] = time.perf_counter() - t0
        times["size_mb"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6  # type: ignore[index]
        times["text_index_mb"] = conn.execute("SELECT pg_relation_size('entities_text')").fetchone()[0] / 1e6  # type: ignore[index]
        times["props_index_mb"] = conn.execute("SELECT pg_relation_size('entities_props')").fetchone()[0] / 1e6  # type: ignore[index]
    return times


def _loaded(url: str) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('entities') IS NOT NULL").fetchone()
        return bool(exists and exists[0] and conn.execute("SELECT 1 FROM entities LIMIT 1").fetchone())


def _as_entity(e: Any, changed: bool) -> Entity:
    props = {k: v for k, v in e.props.items() if not k.startswith("_")}
    if changed:
        props["name"] = f"{props.get('name')}-changed"
    return Entity(key=e.key, type=e.type, classes=tuple(e.props.get("_class") or ()), props=props,
                  scope_region=e.region)


def prepare_resync(target: str) -> float:
    """Make the loaded graph what this version's collector would have written (the loaders store a dummy
    hash, and no derivation has run): each entity's content hash, and the derivation version. Seconds."""
    import awsgraph.collect.run  # noqa: F401 - the catalog first (it and collect.convert import each other)
    from awsgraph.collect.resolve import DERIVE_VERSION
    from awsgraph.store.runs import content_hash, dumps

    t0 = time.perf_counter()
    store = open_writer(target)
    try:
        hashes = []
        for e in store.iter_entities(source="collector"):
            props = dumps(_as_entity(e, False).to_j1())
            hashes.append((e.key, content_hash(props)))
        db = store.connection
        if isinstance(store, PostgresStore):
            with db.transaction(), db.cursor() as cur:
                cur.execute("CREATE TEMP TABLE fix(key text COLLATE \"C\" PRIMARY KEY, hash text) ON COMMIT DROP")
                with cur.copy("COPY fix(key, hash) FROM STDIN") as copy:
                    for row in hashes:
                        copy.write_row(row)
                cur.execute("UPDATE entities e SET hash = f.hash FROM fix f WHERE e.key = f.key")
                cur.execute("INSERT INTO meta(key, value) VALUES('derive_version', %s)"
                            " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [DERIVE_VERSION])
            db.execute("VACUUM ANALYZE entities")
        else:
            db.execute("BEGIN")
            db.executemany("UPDATE entities SET hash = ? WHERE key = ?", [(h, k) for k, h in hashes])
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('derive_version', ?)", (DERIVE_VERSION,))
            db.execute("COMMIT")
    finally:
        store.close()
    return time.perf_counter() - t0


def resync(target: str, fraction: float = 0.01) -> dict[str, float]:
    """Re-collect every account of the loaded graph through the store's run lifecycle, with ``fraction`` of
    the entities changed: one run, one unit per account (begin_unit, stage in batches of 500 as the
    collector's sink does, commit_unit with the account's scopes complete), the cross-account pass, end_run.
    Seconds per phase (reading the graph back to re-stage it is left out)."""
    from awsgraph.collect.run import derive_run

    rng = random.Random(3)
    store = open_writer(target)
    times = {"stage_s": 0.0, "commit_s": 0.0, "derive_s": 0.0}
    counts: dict[str, int] = {}
    try:
        accounts = [f"{i:012d}" for i in range(query_bench.ACCOUNTS)]
        t_all = time.perf_counter()
        run = store.begin_run({"bench": "resync"})
        for account in accounts:
            batch = [_as_entity(e, rng.random() < fraction) for e in store.iter_entities(account=account)]
            scopes = sorted({(account, e.scope_region or "global", e.type) for e in batch})
            t0 = time.perf_counter()
            store.begin_unit(run, account)
            for i in range(0, len(batch), 500):
                store.stage_entities(run, batch[i:i + 500], unit=account)
            t1 = time.perf_counter()
            result = store.commit_unit(run, account, scopes, [])
            times["stage_s"] += t1 - t0
            times["commit_s"] += time.perf_counter() - t1
            for k, v in result.counts.items():
                counts[k] = counts.get(k, 0) + v
        t0 = time.perf_counter()
        derived = derive_run(store, run)
        times["derive_s"] = time.perf_counter() - t0
        store.end_run(run, {})
        times["total_with_reading_s"] = time.perf_counter() - t_all
    finally:
        store.close()
    print(f"  re-sync: {counts}, derived accounts {derived.get('derived_accounts')}")
    return {**{k: round(v, 2) for k, v in times.items()}, **{f"n_{k}": v for k, v in counts.items()}}


def time_queries(conn: Any) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, text in query_bench.QUERIES.items():
        execute(conn, plan(conn, parse(text)), text)  # warm-up: the caches
        wall, cpu = [], []
        rows: list[Any] = []
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            rows = execute(conn, plan(conn, parse(text)), text)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        out[name] = {"wall_ms": min(wall) * 1000, "cpu_ms": min(cpu) * 1000, "rows": len(rows)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sqlite", help="reuse or create this SQLite file (default: a temporary file)")
    ap.add_argument("--url", help="a PostgreSQL database: loaded when empty, reused when it holds the graph "
                    "(default: a private server)")
    ap.add_argument("--keep", action="store_true", help="keep the SQLite file")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--scale", type=float, default=1.0, help="a fraction of the graph, for a quick trial")
    ap.add_argument("--resync", action="store_true", help="also re-sync 1 %% changed entities on both stores")
    args = ap.parse_args()
    query_bench.ENTITIES = int(query_bench.ENTITIES * args.scale)
    query_bench.RELATIONSHIPS = int(query_bench.RELATIONSHIPS * args.scale)
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs, shared machine)")
    result: dict[str, Any] = {"load_before": load}

    path = args.sqlite or os.path.join(tempfile.mkdtemp(prefix="awsgraph-pgbench-"), "bench.db")
    if not os.path.exists(path):
        t0 = time.perf_counter()
        query_bench.build(path)
        result["sqlite_load_s"] = time.perf_counter() - t0
        print(f"SQLite: built {path} in {result['sqlite_load_s']:.1f} s ({os.path.getsize(path) / 1e6:.0f} MB)")
    result["sqlite_size_mb"] = os.path.getsize(path) / 1e6

    server = None
    url = args.url
    if url is None:
        from tests.servers import start_postgres

        server = start_postgres(_SERVER)
        url = server.database("bench")
    try:
        if _loaded(url):
            print(f"PostgreSQL: reusing the graph already in {url.rsplit('/', 1)[1]}")
        else:
            t0 = time.perf_counter()
            result["postgres_load"] = load_postgres(url)
            result["postgres_load_s"] = time.perf_counter() - t0
            pl = result["postgres_load"]
            print(f"PostgreSQL: loaded in {result['postgres_load_s']:.1f} s (COPY {pl['copy']:.1f} s, indexes "
                  f"{pl['indexes']:.1f} s, VACUUM ANALYZE {pl['analyze']:.1f} s); {pl['size_mb']:.0f} MB, of which "
                  f"the text index {pl['text_index_mb']:.0f} MB and the props index {pl['props_index_mb']:.0f} MB")
        result["load_after_loading"] = os.getloadavg()
        stores = {"sqlite": open_store(path), "postgresql": PostgresStore(url)}
        tune(stores["sqlite"].connection)
        timings = {kind: time_queries(store) for kind, store in stores.items()}
        for store in stores.values():
            store.close()
        result["queries"] = timings
        print(f"{'query':36s} {'SQLite wall/CPU ms':>20s} {'PostgreSQL wall/CPU ms':>24s}  rows")
        for name in query_bench.QUERIES:
            lite, pg = timings["sqlite"][name], timings["postgresql"][name]
            print(f"{name:36s} {lite['wall_ms']:9.1f} / {lite['cpu_ms']:7.1f} {pg['wall_ms']:11.1f} / "
                  f"{pg['cpu_ms']:8.1f}  {lite['rows']}/{pg['rows']}")
        if args.resync:
            for kind, target in (("sqlite", path), ("postgresql", url)):
                result[f"{kind}_resync_prepare_s"] = round(prepare_resync(target), 1)
                result[f"{kind}_load_before_resync"] = os.getloadavg()
                result[f"{kind}_resync"] = resync(target)
                print(f"{kind}: re-sync {result[f'{kind}_resync']} (load {os.getloadavg()[0]:.2f})", flush=True)
            stores = {"sqlite": open_store(path), "postgresql": PostgresStore(url)}
            tune(stores["sqlite"].connection)
            result["queries_after_resync"] = {kind: time_queries(store) for kind, store in stores.items()}
            for store in stores.values():
                store.close()
            for name in query_bench.QUERIES:
                lite, pg = (result["queries_after_resync"][k][name] for k in ("sqlite", "postgresql"))
                print(f"after re-sync {name:36s} {lite['wall_ms']:9.1f} {pg['wall_ms']:11.1f}  "
                      f"{lite['rows']}/{pg['rows']}")
        result["load_after"] = os.getloadavg()
        print(f"load average at the end: {result['load_after'][0]:.2f}")
    finally:
        if server is not None:
            server.drop_databases()
            server.stop()
        if not args.sqlite and not args.keep:
            os.remove(path)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
