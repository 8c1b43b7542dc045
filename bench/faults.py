"""Fault runs: awsgraph must lose nothing under throttling, 5xx, denied services and kill -9.

    .venv/bin/python bench/faults.py                     # sample estate, all scenarios
    .venv/bin/python bench/faults.py --estate scale --scale 0.05 --only throttle

Scenarios (each prints PASS/FAIL; the exit code is the number of failures):

1. ``throttle``: a clean run and a run under 25 % throttling plus 5 % 5xx, each into a fresh
   database; the exported graphs (``awsgraph export --format jsonl``) must be identical,
   ignoring volatile fields, and no step may be partial.
2. ``deny``: a clean run, then a run with one service denied (AccessDenied from the proxy) into
   the same database: exit 0, that service's steps reported partial, and every entity and
   relationship the first run knew is still live. Repeated per service, and for a denied region.
3. ``kill``: ``kill -9`` of a second run at several points (early, mid-way, after its last
   request); the database must pass ``PRAGMA integrity_check`` and still hold the first run's
   graph (``SELECT count(*) FROM entities WHERE deleted_run IS NULL``); a following run completes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import proxy as bench_proxy

# Fields that may differ between two collections of an unchanged estate. ``lastUsedOn``: the
# tools' own credentials come from assuming a role in the estate, and moto stamps its last use.
VOLATILE = re.compile(r"(?i)^(_?(collected|lastSeen|fetched|observed|lastUsed)(On|At)?|_?runId|_?version)$")


class Checks:
    def __init__(self) -> None:
        self.rows: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.rows.append((name, ok, detail))
        print(f"  {'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    @property
    def failures(self) -> int:
        return sum(1 for _, ok, _ in self.rows if not ok)


# -- graph snapshots ---------------------------------------------------------------------------
def export_graph(db: Path, out: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    subprocess.run([str(harness.AWSGRAPH), "export", "--db", str(db), "--format", "jsonl", "--out", str(out)],
                   check=True, capture_output=True, text=True)

    def load(name: str) -> dict[str, dict[str, Any]]:
        rows = {}
        for line in (out / name).read_text().splitlines():
            obj = json.loads(line)
            rows[obj["_key"]] = {k: v for k, v in obj.items() if not VOLATILE.match(k)}
        return rows

    return load("entities.jsonl"), load("relationships.jsonl")


def diff_graphs(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]], limit: int = 5) -> list[str]:
    out = [f"missing {k}" for k in sorted(a.keys() - b.keys())[:limit]]
    out += [f"extra {k}" for k in sorted(b.keys() - a.keys())[:limit]]
    for key in sorted(a.keys() & b.keys()):
        if a[key] != b[key] and len(out) < 3 * limit:
            fields = sorted(f for f in a[key].keys() | b[key].keys() if a[key].get(f) != b[key].get(f))
            out.append(f"changed {key}: {fields[:6]}")
    return out


def live_keys(db: Path) -> tuple[set[str], set[str]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        ents = {r[0] for r in con.execute("SELECT key FROM entities WHERE deleted_run IS NULL")}
        rels = {r[0] for r in con.execute("SELECT key FROM relationships WHERE deleted_run IS NULL")}
        return ents, rels
    finally:
        con.close()


def partial_steps(summary: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [s for s in (summary or {}).get("steps", []) if s.get("status") != "success"]


# -- scenarios -----------------------------------------------------------------------------------
Args = argparse.Namespace


def scenario_throttle(c: Checks, px: str, estate: harness.Estate, work: Path, args: Args) -> None:
    print("\n[1] 25 % throttling + 5 % 5xx vs clean runs", flush=True)
    bench_proxy.configure(px, throttle_rate=0, error_rate=0, deny_services=[], deny_regions=[])
    clean = harness.ours_collect(px, estate, work / "clean.db", services=args.services,
                                 out_prefix=work / "clean")
    c.check("clean run exits 0", clean.rc == 0, clean.stderr[-300:] if clean.rc else f"{clean.wall_s:.1f} s")
    bench_proxy.configure(px, throttle_rate=args.throttle_rate, error_rate=args.error_rate, seed=11)
    bench_proxy.reset_stats(px)
    faulty = harness.ours_collect(px, estate, work / "faulty.db", services=args.services,
                                  out_prefix=work / "faulty")
    stats = bench_proxy.fetch_stats(px)
    bench_proxy.configure(px, throttle_rate=0, error_rate=0)
    # A second clean run after the faulty one: what differs between the two clean runs is the
    # estate changing by itself (moto advances ECS task states, stamps role last use), not loss.
    clean2 = harness.ours_collect(px, estate, work / "clean2.db", services=args.services,
                                  out_prefix=work / "clean2")
    injected = {k: v for k, v in stats["outcomes"].items() if k in ("throttle", "server")}
    c.check("faulty run exits 0", faulty.rc == 0 and clean2.rc == 0,
            f"{faulty.wall_s:.1f} s, {stats['requests']} requests, injected {injected}")

    def step_states(m: harness.Measured) -> dict[tuple[str, str], str]:
        summary = harness.json_tail(m.stdout) or {}
        return {(s["step"], s["region"]): s["status"] for s in summary.get("steps", [])}

    base, hit = step_states(clean), step_states(faulty)
    worse = sorted(k for k, v in hit.items() if v != "success" and base.get(k) == "success")
    unsupported = sum(1 for v in base.values() if v != "success")
    c.check("no step partial under faults that succeeds in a clean run", not worse and set(hit) == set(base),
            f"{len(hit)} steps; {unsupported} partial in both (calls moto lacks)"
            + (f"; worse: {worse[:5]}" if worse else ""))
    ents_a, rels_a = export_graph(work / "clean.db", work / "export-clean")
    ents_b, rels_b = export_graph(work / "faulty.db", work / "export-faulty")
    ents_c, rels_c = export_graph(work / "clean2.db", work / "export-clean2")
    for label, a, b, cc in (("entities", ents_a, ents_b, ents_c), ("relationships", rels_a, rels_b, rels_c)):
        d = [x for x in diff_graphs(a, b, limit=50) if x not in set(diff_graphs(a, cc, limit=50))]
        moved = len(diff_graphs(a, cc, limit=50))
        c.check(f"{label} identical to a clean run", not d,
                f"{len(a)} clean vs {len(b)} under faults; {moved} objects the estate itself changed between "
                f"the clean runs ignored" + (f"; {'; '.join(d[:6])}" if d else ""))


def scenario_deny(c: Checks, px: str, estate: harness.Estate, work: Path, args: Args) -> None:
    print("\n[2] a denied service (or region) keeps what the previous run knew", flush=True)
    targets = [("service", s) for s in args.deny] + [("region", r) for r in args.deny_region]
    for kind, name in targets:
        db = work / f"deny-{name}.db"
        bench_proxy.configure(px, throttle_rate=0, error_rate=0, deny_services=[], deny_regions=[])
        first = harness.ours_collect(px, estate, db, services=args.services,
                                     out_prefix=work / f"deny-{name}-1")
        before = live_keys(db)
        if kind == "service":
            bench_proxy.configure(px, deny_services=[name])
        else:
            bench_proxy.configure(px, deny_regions=[name])
        bench_proxy.reset_stats(px)
        second = harness.ours_collect(px, estate, db, services=args.services,
                                      out_prefix=work / f"deny-{name}-2")
        denied = bench_proxy.fetch_stats(px)["outcomes"].get("denied", 0)
        bench_proxy.configure(px, deny_services=[], deny_regions=[])
        after = live_keys(db)
        summary = harness.json_tail(second.stdout)
        steps = partial_steps(summary)
        c.check(f"{kind} {name} denied: first run ok, second exits 0", first.rc == 0 and second.rc == 0,
                f"rc {first.rc}/{second.rc}, {denied} requests denied")
        if kind == "service":
            hit = [s for s in steps if s.get("service") == name or name in s.get("step", "")]
        else:
            hit = [s for s in steps if s.get("region") == name]
        c.check(f"{kind} {name} reported partial", bool(hit) and denied > 0,
                f"{len(hit)} partial steps, e.g. " + ", ".join(f"{s['step']}@{s['region']}" for s in hit[:3]))
        lost_e, lost_r = before[0] - after[0], before[1] - after[1]
        c.check(f"{kind} {name}: nothing the first run knew was deleted", not lost_e and not lost_r,
                f"{len(before[0])} entities / {len(before[1])} relationships before; lost {len(lost_e)} / "
                f"{len(lost_r)}" + (f", e.g. {sorted(lost_e or lost_r)[:3]}" if lost_e or lost_r else ""))


def scenario_kill(c: Checks, px: str, estate: harness.Estate, work: Path, args: Args) -> None:
    print("\n[3] kill -9 during a run leaves the previous run intact", flush=True)
    bench_proxy.configure(px, throttle_rate=0, error_rate=0, deny_services=[], deny_regions=[])
    db = work / "kill.db"
    bench_proxy.reset_stats(px)
    first = harness.ours_collect(px, estate, db, services=args.services, out_prefix=work / "kill-0")
    total = bench_proxy.fetch_stats(px)["requests"]
    n_ent, n_rel = (len(x) for x in live_keys(db))
    c.check("first run completes", first.rc == 0,
            f"{n_ent} entities, {n_rel} relationships, {total} requests")
    for frac in args.kill_at:
        bench_proxy.reset_stats(px)
        argv = [str(harness.AWSGRAPH), "collect", "--endpoint-url", px, "--regions", ",".join(estate.regions),
                "--db", str(db), "--json"]
        if args.services:
            argv += ["--services", ",".join(args.services)]
        proc = subprocess.Popen(argv, env=harness.tool_env(estate), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        target = max(1, int(total * frac))
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            if bench_proxy.fetch_stats(px)["requests"] >= target:
                break
            time.sleep(0.005)
        if frac >= 1.0:
            time.sleep(args.kill_delay)  # past the last request: resolving relationships / merging
        finished_first = proc.poll() is not None
        if not finished_first:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        seen = bench_proxy.fetch_stats(px)["requests"]
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
            live = con.execute("SELECT count(*) FROM entities WHERE deleted_run IS NULL").fetchone()[0]
            live_rel = con.execute(
                "SELECT count(*) FROM relationships WHERE deleted_run IS NULL").fetchone()[0]
        finally:
            con.close()
        when = f"after {seen}/{total} requests" + (" (the run had finished)" if finished_first else "")
        c.check(f"kill -9 at {frac:.0%}: db readable and intact", integrity == "ok" and live == n_ent
                and live_rel == n_rel, f"{when}; integrity {integrity}; live {live}/{n_ent} entities, "
                f"{live_rel}/{n_rel} relationships")
    again = harness.ours_collect(px, estate, db, services=args.services, out_prefix=work / "kill-after")
    n2 = len(live_keys(db)[0])
    c.check("a run after the kills completes with the same graph", again.rc == 0 and n2 == n_ent,
            f"rc {again.rc}, {n2}/{n_ent} entities")


SCENARIOS = {"throttle": scenario_throttle, "deny": scenario_deny, "kill": scenario_kill}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--estate", choices=("sample", "scale"), default="sample")
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--only", help="comma-separated: throttle,deny,kill")
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--throttle-rate", type=float, default=0.25)
    ap.add_argument("--error-rate", type=float, default=0.05)
    ap.add_argument("--deny", default="iam,s3,ec2,kms", help="services to deny, one run each")
    ap.add_argument("--deny-region", default="eu-west-1", help="regions to deny, one run each")
    ap.add_argument("--kill-at", default="0.3,0.7,1.0", help="fractions of a run's requests")
    ap.add_argument("--kill-delay", type=float, default=0.3, help="seconds after the last request (1.0)")
    ap.add_argument("--services", help="limit awsgraph to these service groups")
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args(argv)
    harness.stop_on_sigterm()
    args.deny = [s for s in args.deny.split(",") if s]
    args.deny_region = [r for r in args.deny_region.split(",") if r]
    args.kill_at = [float(x) for x in args.kill_at.split(",") if x]
    args.services = args.services.split(",") if args.services else None
    only = args.only.split(",") if args.only else list(SCENARIOS)

    work = Path(tempfile.mkdtemp(prefix="awsgraph-faults-"))
    checks = Checks()
    with harness.start_moto() as moto:
        estate = harness.seed_estate(moto.url, args.estate, args.scale)
        print(f"seeded the {args.estate} estate in {estate.seed_s:.1f} s ({estate.regions}); work dir {work}",
              flush=True)
        if args.deny_region:
            args.deny_region = [r for r in args.deny_region if r in estate.regions]
        with harness.start_proxy(moto.url, latency_ms=args.latency_ms) as px:
            for name in only:
                SCENARIOS[name](checks, px.url, estate, work, args)
    print(f"\n{len(checks.rows) - checks.failures} passed, {checks.failures} failed")
    if args.out:
        Path(args.out).write_text(json.dumps(
            {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "estate": args.estate,
             "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in checks.rows]}, indent=1))
    return min(checks.failures, 100)


if __name__ == "__main__":
    sys.exit(main())
