"""The store's write path through the real run lifecycle, without AWS: one account of N entities
collected into a fresh database, collected again unchanged, then again with 1 % of them changed.

    .venv/bin/python bench/store_bench.py --entities 20000                 # SQLite
    .venv/bin/python bench/store_bench.py --entities 20000 --url postgresql://...
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/store_bench.py   # another checkout's store

Each phase is begin_run, begin_unit, stage (batches of 500, as the collector's sink hands them
over), commit_unit, the cross-account pass and end_run; the figures are seconds per phase.
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

from awsgraph.collect.run import derive_run
from awsgraph.model import Entity
from awsgraph.store import open_writer

ACCOUNT = "000000000001"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def entities(n: int, version: int, changed: float) -> list[Entity]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        touched = version > 1 and rng.random() < changed
        props: dict[str, Any] = {"accountId": ACCOUNT, "region": REGIONS[i % 3], "name": f"inst-{i}",
                                 "state": "stopped" if touched else "running", "instanceType": "m5.large",
                                 "privateIpAddress": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
                                 "tag.Owner": ("alice", "bob")[i % 2], "createdOn": 1_700_000_000_000 + i}
        out.append(Entity(key=f"arn:aws:ec2:{REGIONS[i % 3]}:{ACCOUNT}:instance/i-{i:08x}", type="aws_instance",
                          classes=("Host",), props=props,
                          raw={"InstanceId": f"i-{i:08x}", "State": {"Name": props["state"]}, "Tags": []}))
    return out


def run_once(target: str, batch: list[Entity]) -> dict[str, float]:
    store = open_writer(target)
    try:
        t0 = time.perf_counter()
        run = store.begin_run({"bench": True})
        store.begin_unit(run, ACCOUNT)
        for i in range(0, len(batch), 500):
            store.stage_entities(run, batch[i:i + 500], unit=ACCOUNT)
        t1 = time.perf_counter()
        store.commit_unit(run, ACCOUNT, [(ACCOUNT, r, "aws_instance") for r in REGIONS], [])
        t2 = time.perf_counter()
        derive_run(store, run)
        t3 = time.perf_counter()
        store.end_run(run, {})
        return {"stage_s": round(t1 - t0, 3), "commit_s": round(t2 - t1, 3), "derive_s": round(t3 - t2, 3),
                "total_s": round(time.perf_counter() - t0, 3)}
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entities", type=int, default=20000)
    ap.add_argument("--url", help="a PostgreSQL database (default: a fresh SQLite file)")
    ap.add_argument("--changed", type=float, default=0.01)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    target = args.url or os.path.join(tempfile.mkdtemp(prefix="awsgraph-store-"), "store.db")
    result: dict[str, Any] = {"entities": args.entities, "load": os.getloadavg()}
    for phase, version in (("new", 1), ("unchanged", 1), ("changed", 2)):
        result[phase] = run_once(target, entities(args.entities, version, args.changed))
    result["load_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(result))
    else:
        for phase in ("new", "unchanged", "changed"):
            print(f"{phase:>10}: {result[phase]}")
        print(f"load {result['load']} -> {result['load_after']}", file=sys.stderr)


if __name__ == "__main__":
    main()
