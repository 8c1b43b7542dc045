"""Query benchmark: 1,000,000 entities and 2,000,000 relationships in a store-schema SQLite file.

Not a unit test. Usage: ``python bench/query_bench.py [--db PATH] [--keep] [--commit N]``. The graph
is written straight to SQLite (bulk insert, same schema as ``awsgraph.store``, so the full-text
index's triggers fill ``entity_text`` as rows go in), then each query is planned, compiled and
timed (best of five runs, after one warm-up). It reports the full-text index's size, and with
``--commit N`` what the index adds to a store run's commit of N new, then N changed entities.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator

from awsgraph.model import Entity
from awsgraph.query import execute, parse, plan, tune
from awsgraph.store import SQLiteStore
from awsgraph.store.text_index import TRIGGER_NAMES

ENTITIES = 1_000_000
RELATIONSHIPS = 2_000_000
ACCOUNTS = 20
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]

QUERIES = {
    "typed filter": "FIND aws_instance WITH instanceType = 'p4d.24xlarge' AND state = 'running' "
                    "RETURN aws_instance.name, aws_instance.region",
    "two-hop + relationship property filter": (
        "FIND aws_instance AS i THAT PROTECTS aws_security_group AS sg THAT ALLOWS AS rule Internet "
        "WHERE rule.ingress = true AND rule.fromPort <= 22 AND rule.toPort >= 22 "
        "RETURN i.name, sg.groupId, rule.fromPort, rule.toPort"),
    "two-hop, every match counted": (
        "FIND aws_instance AS i THAT PROTECTS aws_security_group AS sg THAT ALLOWS AS rule Internet "
        "WHERE rule.ingress = true AND rule.fromPort <= 22 AND rule.toPort >= 22 RETURN count(i)"),
    "count aggregate": "FIND Account AS a THAT HAS User AS u RETURN a.name, count(u)",
    "full-text, selective term": 'FIND "sg-00003039"',
    "full-text, several words": 'FIND "aws_lambda_function-123456"',
    "full-text with a class filter": "FIND \"sg-00003039\" WITH _class = 'Firewall'",
    "full-text starting a traversal": 'FIND "sg-00003039" THAT PROTECTS aws_instance AS i RETURN i.name',
    "full-text, common word, first 250": 'FIND "running"',
}

# (type, classes, share of the million)
_MIX = [
    ("aws_iam_user", ["User"], 0.05),
    ("aws_instance", ["Host"], 0.20),
    ("aws_security_group", ["Firewall"], 0.05),
    ("aws_subnet", ["Network"], 0.01),
    ("aws_ebs_volume", ["DataStore", "Disk"], 0.20),
    ("aws_s3_bucket", ["DataStore"], 0.09),
    ("aws_cloudwatch_log_group", ["Logs"], 0.20),
    ("aws_lambda_function", ["Function"], 0.20),
]


def _entity_rows(rng: random.Random) -> Iterator[tuple[str, str, str, str, str, str]]:
    for i in range(ACCOUNTS):
        key = f"arn:aws:iam::{i:012d}:root"
        yield _row(key, "aws_account", ["Account"], f"{i:012d}", "global", {"name": f"account-{i}"})
    yield _row("global:internet", "internet", ["Internet"], None, None, {"name": "Internet"})
    for etype, classes, _share in _MIX:
        for n in range(_count(etype)):
            acct = f"{n % ACCOUNTS:012d}"
            region = REGIONS[n % len(REGIONS)]
            props: dict[str, object] = {"name": f"{etype}-{n}", "createdOn": 1_700_000_000_000 + n}
            if etype == "aws_instance":
                props["state"] = rng.choice(["running", "running", "stopped"])
                props["instanceType"] = "p4d.24xlarge" if rng.random() < 0.001 else rng.choice(
                    ["t3.micro", "m5.large", "c5.xlarge"])
            elif etype == "aws_security_group":
                props["groupId"] = f"sg-{n:08x}"
            elif etype in ("aws_ebs_volume", "aws_s3_bucket"):
                props["encrypted"] = rng.random() < 0.8
                props["tag.Owner"] = rng.choice(["alice", "bob", "carol"])
            yield _row(f"{etype}:{n}", etype, classes, acct, region, props)


def _row(key: str, etype: str, classes: list[str], acct: str | None, region: str | None,
         props: dict[str, object]) -> tuple[str, str, str, str, str, str]:
    full = {"_key": key, "_type": etype, "_class": classes, "displayName": props.get("name"), **props}
    if acct:
        full["accountId"] = acct
    return (key, etype, acct or "", region or "", json.dumps(full, separators=(",", ":")), "x")


def _count(etype: str) -> int:
    remaining = ENTITIES - ACCOUNTS - 1
    if etype == _MIX[-1][0]:  # the last type takes what rounding left, for exactly ENTITIES
        return remaining - sum(int(remaining * s) for _, _, s in _MIX[:-1])
    return int(remaining * next(s for t, _, s in _MIX if t == etype))


def _rel_rows(rng: random.Random) -> Iterator[tuple[str, str, str, str, str, str, str]]:
    n_users, n_inst, n_sg = _count("aws_iam_user"), _count("aws_instance"), _count("aws_security_group")
    n_subnet, n_vol = _count("aws_subnet"), _count("aws_ebs_volume")
    made = 0

    Row = tuple[str, str, str, str, str, str, str]

    def rel(a: str, verb: str, b: str, rtype: str, **props: object) -> Row:
        nonlocal made
        made += 1
        key = f"{a}|{verb.lower()}|{b}"
        full = {"_key": key, "_type": rtype, "_class": verb, "_fromEntityKey": a, "_toEntityKey": b, **props}
        return (key, rtype, verb, a, b, json.dumps(full, separators=(",", ":")), "x")

    def acct(n: int) -> str:
        return f"arn:aws:iam::{n % ACCOUNTS:012d}:root"

    for n in range(n_users):
        yield rel(acct(n), "HAS", f"aws_iam_user:{n}", "aws_account_has_iam_user")
    for n in range(n_inst):
        yield rel(f"aws_subnet:{n % n_subnet}", "HAS", f"aws_instance:{n}", "aws_subnet_has_instance")
        yield rel(f"aws_security_group:{n % n_sg}", "PROTECTS", f"aws_instance:{n}",
                  "aws_security_group_protects_instance")
        yield rel(f"aws_instance:{n}", "USES", f"aws_ebs_volume:{n % n_vol}", "aws_instance_uses_ebs_volume")
    for n in range(n_sg):
        port = rng.choice([22, 80, 443, 3389, 5432, 8080])
        wide = rng.random() < 0.02
        yield rel("global:internet", "ALLOWS", f"aws_security_group:{n}", "internet_allows_security_group",
                  ingress=True, egress=False, ipProtocol="tcp", fromPort=0 if wide else port,
                  toPort=65535 if wide else port)
        yield rel(f"aws_security_group:{(n + 1) % n_sg}", "ALLOWS", f"aws_security_group:{n}",
                  "aws_security_group_allows_security_group", ingress=True, egress=False, ipProtocol="tcp",
                  fromPort=5432, toPort=5432)
    # Accounts HAS everything else (a hub, as in real estates), then functions LOGS log groups.
    for etype in [t for t, _, _ in _MIX if t != "aws_iam_user"]:
        for n in range(_count(etype)):
            if made >= RELATIONSHIPS:
                return
            yield rel(acct(n), "HAS", f"{etype}:{n}", f"aws_account_has_{etype[4:]}")
    n_fn, n_logs = _count("aws_lambda_function"), _count("aws_cloudwatch_log_group")
    k = 0
    while made < RELATIONSHIPS:
        for n in range(n_fn):
            if made >= RELATIONSHIPS:
                return
            yield rel(f"aws_lambda_function:{n}", "LOGS", f"aws_cloudwatch_log_group:{(n + k) % n_logs}",
                      "aws_lambda_function_logs_cloudwatch_log_group")
        k += 1


def build(path: str) -> None:
    SQLiteStore(path).close()  # the store's own schema and indexes
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=DELETE")  # one bulk transaction: no point staging it in a WAL
    db.execute("PRAGMA synchronous=OFF")
    rng = random.Random(7)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO entities(key, type, account, region, props, hash, first_run, last_run, updated_run)"
        " VALUES(?,?,?,?,?,?,1,1,1)", _entity_rows(rng))
    db.execute("INSERT INTO entity_classes(class, key) SELECT j.value, e.key FROM entities e,"
               " json_each(e.props, '$._class') j")
    db.executemany(
        "INSERT INTO relationships(key, type, verb, from_key, to_key, props, hash, first_run, last_run,"
        " updated_run) VALUES(?,?,?,?,?,?,?,1,1,1)", _rel_rows(rng))
    db.execute("INSERT INTO runs(id, started_at, finished_at, status, config)"
               " VALUES(1, 0, 0, 'finished', '{}')")
    db.execute("COMMIT")
    db.close()


def index_size(conn: sqlite3.Connection) -> tuple[int, int]:
    """Bytes of the full-text index (its FTS5 shadow tables) and of the whole file."""
    fts = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'entity_text%'").fetchone()[0] or 0
    total = conn.execute("SELECT sum(pgsize) FROM dbstat").fetchone()[0] or 0
    return int(fts), int(total)


_TRIGGERS = TRIGGER_NAMES


def commit_cost(n: int, directory: str) -> None:
    """Time a store run's commit (finish_run) of n new entities, then of n changed ones, with and without
    the index's triggers, each in a fresh database."""
    rng = random.Random(11)

    def batch(version: int) -> list[Entity]:
        out = []
        for i in range(n):
            props: dict[str, object] = {"accountId": "000000000001", "region": REGIONS[i % 5], "name": f"inst-{i}",
                                        "state": rng.choice(["running", "stopped"]), "version": version,
                                        "privateIpAddress": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
                                        "tag.Owner": rng.choice(["alice", "bob"]), "createdOn": 1_700_000_000_000 + i}
            out.append(Entity(key=f"i-{i:08x}", type="aws_instance", classes=("Host",),
                              props=props))  # type: ignore[arg-type]
        return out

    for with_index in (False, True):
        path = os.path.join(directory, f"commit-{with_index}.db")
        store = SQLiteStore(path)
        if not with_index:
            for name in _TRIGGERS:
                store.connection.execute(f"DROP TRIGGER {name}")
        timings = []
        for version in (1, 2):
            run_id = store.begin_run({})
            store.stage_entities(run_id, batch(version))
            t0 = time.perf_counter()
            store.finish_run(run_id, [("000000000001", r, "aws_instance") for r in REGIONS], [], None, {})
            timings.append(time.perf_counter() - t0)
        fts, total = index_size(store.connection)
        store.close()
        label = "with the index   " if with_index else "without the index"
        print(f"commit of {n:,} entities {label}: new {timings[0]:6.2f} s, changed {timings[1]:6.2f} s;"
              f" file {total / 1e6:6.1f} MB, index {fts / 1e6:5.1f} MB")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", help="reuse or create this file (default: a temporary file)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary database")
    ap.add_argument("--commit", type=int, metavar="N", help="only time a run's commit of N entities with and "
                    "without the full-text index")
    args = ap.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"({os.cpu_count()} CPUs, shared machine)")
    if args.commit:
        commit_cost(args.commit, tempfile.mkdtemp(prefix="awsgraph-commit-"))
        return
    path = args.db or os.path.join(tempfile.mkdtemp(prefix="awsgraph-bench-"), "bench.db")
    if not os.path.exists(path):
        t0 = time.perf_counter()
        build(path)
        print(f"built {path} in {time.perf_counter() - t0:.1f} s ({os.path.getsize(path) / 1e6:.0f} MB)")
    conn = sqlite3.connect(path)
    tune(conn)  # what run_query does on a database path
    n_ent = conn.execute("SELECT count(*) FROM entities WHERE deleted_run IS NULL").fetchone()[0]
    n_rel = conn.execute("SELECT count(*) FROM relationships WHERE deleted_run IS NULL").fetchone()[0]
    print(f"graph: {n_ent:,} entities, {n_rel:,} relationships")
    fts, total = index_size(conn)
    print(f"full-text index: {fts / 1e6:.0f} MB of {total / 1e6:.0f} MB")
    for name, text in QUERIES.items():
        execute(conn, plan(conn, parse(text)), text)  # warm-up: the page cache
        times, cpu = [], []
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()  # parse + plan + run, as `awsgraph query`
            rows = execute(conn, plan(conn, parse(text)), text)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        # CPU time too: on a shared machine wall-clock time also measures the neighbours.
        print(f"{name:34s} {min(times) * 1000:7.1f} ms wall {min(cpu) * 1000:7.1f} ms cpu"
              f"  ({len(rows)} rows)  {text}")
    conn.close()
    if not args.db and not args.keep:
        os.remove(path)


if __name__ == "__main__":
    main()
