"""An organization behind the latency proxy: one account alone vs the whole org, memory as the
member count grows, the incremental derivation, and Cartography's ``--aws-sync-all-profiles``.

    .venv/bin/python bench/org_bench.py                         # management + 20 members, 50 ms
    .venv/bin/python bench/org_bench.py --members 5 --points 2,5 --tools ours

One moto server is seeded once (``bench/seed_org.py``); every run goes through the same proxy,
one after the other, each into a fresh database (except the incremental one), so the ratios
within one invocation are the meaningful figures on a shared host.

* ``single``: one member account alone (``collect --role-arn`` into it), the baseline.
* ``org-N``: ``collect --org`` over the management account and the first N members
  (``--accounts``): wall time, requests, peak RSS for each N in ``--points``.
* ``incremental``: after the largest org run, one member changes (a role is added) and the
  org is collected again; the summary says how many accounts were derived and how long it took.
  Repeated on the smaller databases, it shows derivation cost not growing with the org.
* ``cartography``: Cartography's multi-account sync (what ``--aws-sync-all-profiles`` runs),
  one AWS profile per account, same accounts, services and proxy.
* ``workers``: the largest org through Celery workers into PostgreSQL (``collect --org --broker``),
  with 1, 2 and 4 ``awsgraph worker`` processes (``--worker-counts``) on a private PostgreSQL and
  Redis, each into a fresh database; the workers' own CPU time is reported beside moto's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import proxy as bench_proxy
import seed_org

SERVICES = "ec2,iam,s3,kms,lambda"
CARTOGRAPHY_SYNCS = "iam,kms,s3,ec2:instance,ec2:security_group,ec2:subnet,ec2:vpc,lambda_function"


def _env() -> dict[str, str]:
    env = harness.clean_env()
    env.pop("AWS_SESSION_TOKEN", None)
    return env


MOTO_PID: list[int] = []


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux ``/proc/PID/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _measure(label: str, argv: list[str], px: harness.Child, work: Path, env: dict[str, str],
             timeout: float = 3600) -> dict[str, Any]:
    bench_proxy.reset_stats(px.url)
    load = harness.loadavg()
    moto0 = sum(_cpu_s(p) for p in MOTO_PID)
    m = harness.run_measured(argv, env=env, timeout=timeout, out_prefix=work / label)
    stats = bench_proxy.fetch_stats(px.url)
    out = {"run": label, **m.as_dict(), "requests": stats["requests"], "loadavg_before": load,
           "loadavg_after": harness.loadavg(),
           "moto_cpu_s": round(sum(_cpu_s(p) for p in MOTO_PID) - moto0, 2)}
    summary = harness.json_tail(m.stdout) or {}
    for key in ("accountsByStatus", "httpRequests", "derivedAccounts", "deriveSeconds", "durationSeconds"):
        if key in summary:
            out[key] = summary[key]
    if "entities" in summary:
        out["entities"] = sum(summary["entities"].values())
        out["relationships"] = sum(summary.get("relationships", {}).values())
    if m.rc:
        out["stderr_tail"] = m.stderr[-800:]
    print(f"  {label}: {out['wall_s']} s (CPU {out['cpu_s']} s, moto {out['moto_cpu_s']} s), "
          f"{out['requests']} requests, "
          f"peak RSS {out['max_rss_mb']} MB, "
          f"rc={m.rc}, load {out['loadavg_after']}", flush=True)
    return out


def ours(px: harness.Child, db: Path, *extra: str) -> list[str]:
    return [str(harness.AWSGRAPH), "collect", "--endpoint-url", px.url, "--regions", seed_org.REGION,
            "--services", SERVICES, "--db", str(db), "--json", *extra]


def org_args(members: list[str], n: int) -> list[str]:
    return ["--org", "--member-role-name", seed_org.MEMBER_ROLE,
            "--accounts", ",".join([seed_org.MANAGEMENT, *members[:n]])]


def cartography_config(work: Path, accounts: list[str]) -> dict[str, str]:
    """An AWS config with one profile per account (the management account directly, members
    through their role), as a user of ``--aws-sync-all-profiles`` keeps it."""
    lines = ["[default]", "region = us-east-1", ""]
    keys = "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    credentials = [f"[default]\n{keys}"]
    for account in accounts:
        lines += [f"[profile acct-{account}]", "region = us-east-1"]
        if account == seed_org.MANAGEMENT:
            credentials.append(f"[acct-{account}]\n{keys}")  # the management account's own keys
        else:
            lines += [f"role_arn = arn:aws:iam::{account}:role/{seed_org.MEMBER_ROLE}", "source_profile = default"]
        lines.append("")
    config = work / "aws-config"
    config.write_text("\n".join(lines))
    creds = work / "aws-credentials"
    creds.write_text("\n".join(credentials))
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(creds)}


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its children (a worker and its pool), those alive now."""
    total = _cpu_s(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(_tree_cpu_s(int(c)) for c in children)


def workers_series(px: harness.Child, work: Path, env: dict[str, str], members: list[str], n: int,
                   counts: list[int], in_flight: int | None) -> list[dict[str, Any]]:
    """The org of ``n`` members through ``k`` Celery workers into PostgreSQL, for each k in ``counts``."""
    import signal
    import subprocess

    sys.path.insert(0, str(harness.BENCH.parent))
    from tests.servers import start_postgres, start_redis

    out = []
    pg, redis = start_postgres("-c shared_buffers=256MB"), start_redis()
    try:
        for k in counts:
            db = pg.database(f"org_w{k}")
            procs = []
            for i in range(k):
                log = open(work / f"worker-{k}-{i}.log", "wb")  # noqa: SIM115 - the worker's own log
                procs.append(subprocess.Popen(
                    [str(harness.AWSGRAPH), "worker", "--broker", redis.url, "--db", db, "--concurrency", "1",
                     "--loglevel", "warning"], stdout=log, stderr=subprocess.STDOUT, env=env,
                    start_new_session=True))
            time.sleep(3.0)  # let them connect to the broker
            cpu0 = sum(_tree_cpu_s(p.pid) for p in procs)
            argv = ours(px, work / "unused.db", *org_args(members, n), "--broker", redis.url,
                        "--account-workers", str(in_flight or max(4, k)))
            argv[argv.index("--db") + 1] = db
            r = _measure(f"workers-{k}@{n}", argv, px, work, env)
            r["workers_cpu_s"] = round(sum(_tree_cpu_s(p.pid) for p in procs) - cpu0, 2)
            r["requests_per_s"] = round(r["requests"] / r["wall_s"], 1) if r["wall_s"] else None
            print(f"    workers' CPU {r['workers_cpu_s']} s, {r['requests_per_s']} requests/s", flush=True)
            out.append(r)
            for p in procs:
                os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
    finally:
        pg.drop_databases()
        pg.stop()
        redis.stop()
    return out


def add_role(url: str, account: str) -> None:
    iam = seed_org.OrgSeeder(url).client(seed_org.OrgSeeder(url).session(account), "iam")
    iam.create_role(RoleName=f"added-{int(time.time())}", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--points", default="5,10,20", help="member counts for the memory series")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--also-latency-ms", type=float, default=None,
                    help="after the main series, one account alone and the largest org again at this latency")
    ap.add_argument("--also-account-workers", type=int, default=None,
                    help="the largest org again with this many --account-workers")
    ap.add_argument("--tools", default="ours,cartography")
    ap.add_argument("--account-workers", type=int, default=None)
    ap.add_argument("--worker-counts", default="1,2,4", help="Celery workers for the workers series")
    ap.add_argument("--out", help="write the figures here (default bench/results/org-<time>.json)")
    args = ap.parse_args(argv)
    harness.stop_on_sigterm()
    points = sorted({min(int(p), args.members) for p in args.points.split(",")})
    tools = set(args.tools.split(","))
    work = Path(tempfile.mkdtemp(prefix="awsgraph-org-"))
    extra = ["--account-workers", str(args.account_workers)] if args.account_workers else []
    report: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                              "commit": harness.git_commit(), "latency_ms": args.latency_ms,
                              "cpus": os.cpu_count(), "runs": []}
    print(f"work dir {work}", flush=True)
    with harness.start_moto() as moto:
        MOTO_PID.append(moto.proc.pid)
        estate = seed_org.seed_org(moto.url, args.members)
        report["estate"] = estate.as_dict()
        print(f"seeded management + {len(estate.members)} members in {estate.seconds:.0f} s", flush=True)
        env = _env()
        with harness.start_proxy(moto.url, latency_ms=args.latency_ms) as px:
            runs = report["runs"]
            if "ours" in tools:
                member = estate.members[0]

                def single(k: int) -> None:
                    # one account alone, into a fresh database each time: the baseline, taken
                    # several times between the org runs (a shared host's load moves a lot)
                    runs.append(_measure(f"single-{k}", ours(px, work / f"single-{k}.db", "--role-arn",
                                                             f"arn:aws:iam::{member}:role/{seed_org.MEMBER_ROLE}",
                                                             "--external-id", "bench-unused"), px, work, env))

                single(1)
                for k, n in enumerate(points, 2):
                    runs.append(_measure(f"org-{n}", ours(px, work / f"org-{n}.db", *org_args(estate.members, n),
                                                          *extra), px, work, env))
                    single(k)
                # one member changes; the same org collected again: what is derived, and how long
                add_role(moto.url, estate.members[0])
                for n in points:
                    runs.append(_measure(f"incremental-{n}", ours(px, work / f"org-{n}.db",
                                                                  *org_args(estate.members, n), *extra),
                                         px, work, env))
                if args.also_account_workers:
                    n, w = points[-1], args.also_account_workers
                    runs.append(_measure(f"org-{n}-w{w}", ours(px, work / f"org-{n}-w{w}.db",
                                                               *org_args(estate.members, n), "--account-workers",
                                                               str(w)), px, work, env))
            if "workers" in tools:
                runs.extend(workers_series(px, work, env, estate.members, points[-1],
                                           [int(k) for k in args.worker_counts.split(",")], args.account_workers))
            if "cartography" in tools:
                py = harness.PEERS / "cartography" / "bin" / "python"
                if not py.exists():
                    print("  cartography: not installed (bash bench/peers/setup.sh cartography)", flush=True)
                else:
                    n = points[-1]
                    accounts = [seed_org.MANAGEMENT, *estate.members[:n]]
                    cenv = {**env, **cartography_config(work, accounts)}
                    runs.append(_measure(
                        f"cartography-{n}",
                        [str(py), str(harness.BENCH / "peers" / "cartography_run.py"), "--endpoint-url", px.url,
                         "--regions", seed_org.REGION, "--syncs", CARTOGRAPHY_SYNCS, "--all-profiles"],
                        px, work, cenv))
        if "ours" in tools and args.also_latency_ms is not None:
            lat = args.also_latency_ms
            with harness.start_proxy(moto.url, latency_ms=lat) as px2:
                member = estate.members[0]
                report["runs"].append(_measure(
                    f"single@{lat:g}ms", ours(px2, work / "single-b.db", "--role-arn",
                                              f"arn:aws:iam::{member}:role/{seed_org.MEMBER_ROLE}",
                                              "--external-id", "bench-unused"), px2, work, env))
                n = points[-1]
                w = ["--account-workers", str(args.also_account_workers)] if args.also_account_workers else extra
                report["runs"].append(_measure(f"org-{n}@{lat:g}ms", ours(px2, work / f"org-{n}-b.db",
                                                                           *org_args(estate.members, n), *w),
                                               px2, work, env))
    by = {r["run"]: r for r in report["runs"]}
    singles = sorted(r["wall_s"] for r in report["runs"] if r["run"].startswith("single-"))
    if singles:
        base = singles[len(singles) // 2]
        report["single_wall_s"] = {"median": base, "all": singles}
        for n in points:
            r = by.get(f"org-{n}")
            if r:
                r["wall_vs_single"] = round(r["wall_s"] / base, 2)
        if args.also_latency_ms is not None:
            lat = args.also_latency_ms
            single_b, org_b = by.get(f"single@{lat:g}ms"), by.get(f"org-{points[-1]}@{lat:g}ms")
            if single_b and org_b:
                org_b["wall_vs_single"] = round(org_b["wall_s"] / single_b["wall_s"], 2)
        rss = [by[f"org-{n}"]["max_rss_mb"] for n in points if f"org-{n}" in by]
        if rss:
            report["rss_spread"] = round((max(rss) - min(rss)) / min(rss), 3)
    out = Path(args.out) if args.out else harness.BENCH / "results" / f"org-{int(time.time())}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=1))
    for r in report["runs"]:
        if r["wall_s"] and "requests_per_s" not in r:
            r["requests_per_s"] = round(r["requests"] / r["wall_s"], 1)
        print(f"{r['run']:>16} {r['wall_s']:>8} s {r['requests_per_s']} req/s cpu {r.get('cpu_s', '')} "
              f"moto {r.get('moto_cpu_s', '')} workers {r.get('workers_cpu_s', '')} "
              f"{r['requests']:>6} req "
              f"{r['max_rss_mb']:>6} MB "
              f"x{r.get('wall_vs_single', '')} derived={r.get('derivedAccounts', '')} "
              f"derive_s={r.get('deriveSeconds', '')} load={r['loadavg_after']}")
    print(f"figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
