"""awsgraph vs Cartography's fetch vs awsmap, side by side, behind a latency proxy.

One command: starts moto (child process), seeds an estate, starts ``bench/proxy.py`` with a
fixed latency (default 50 ms), then runs each tool against the proxy in turn, on the same
estate, and prints wall time, HTTP requests (counted by the proxy), requests per resource,
peak requests in flight, peak RSS and the ratio of each peer's time to ours::

    .venv/bin/python bench/compare.py --estate sample
    .venv/bin/python bench/compare.py --estate scale --scale 0.1

Peers come from ``bash bench/peers/setup.sh``. Services compared: EC2 (instances, security
groups, VPCs, subnets), IAM, S3, KMS and Lambda, limited to those awsgraph's catalog has.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import proxy as bench_proxy

# Our service groups -> what each peer calls them.
CARTOGRAPHY_SYNCS = {
    "ec2": ["ec2:instance", "ec2:security_group", "ec2:subnet", "ec2:vpc"],
    "iam": ["iam"], "s3": ["s3"], "kms": ["kms"], "lambda": ["lambda_function"],
}
AWSMAP_SERVICES = {"ec2": ["ec2", "vpc"], "iam": ["iam"], "s3": ["s3"], "kms": ["kms"], "lambda": ["lambda"]}
WANTED = ("ec2", "iam", "s3", "kms", "lambda")


def our_service_groups() -> list[str]:
    """The wanted services that awsgraph's catalog can collect today."""
    from awsgraph.catalog import CATALOG

    have = {spec.service_group for spec in CATALOG}
    return [s for s in WANTED if s in have]


def run_ours(proxy_url: str, estate: harness.Estate, work: Path, services: list[str],
             timeout: float, workers: int | None = None) -> dict[str, Any]:
    label = f"ours-w{workers}" if workers else "ours"
    m = harness.ours_collect(proxy_url, estate, work / f"{label}.db", services=services, timeout=timeout,
                             out_prefix=work / label, workers=workers)
    summary = harness.json_tail(m.stdout) or {}
    steps = summary.get("steps", [])
    return {**m.as_dict(), "fetch_s": summary.get("durationSeconds"),
            "items": sum(summary.get("entities", {}).values()),
            "relationships": sum(summary.get("relationships", {}).values()),
            "partial_steps": [f"{s['step']}@{s['region']}" for s in steps if s.get("status") != "success"],
            "stderr_tail": m.stderr[-800:] if m.rc else ""}


def run_cartography(proxy_url: str, estate: harness.Estate, work: Path, services: list[str],
                    timeout: float) -> dict[str, Any]:
    py = harness.PEERS / "cartography" / "bin" / "python"
    if not py.exists():
        return {"skipped": "run bench/peers/setup.sh"}
    syncs = [s for svc in services for s in CARTOGRAPHY_SYNCS[svc]]
    argv = [str(py), str(harness.BENCH / "peers" / "cartography_run.py"), "--endpoint-url", proxy_url,
            "--regions", ",".join(estate.regions), "--syncs", ",".join(syncs), "--account-id", estate.account]
    m = harness.run_measured(argv, env=harness.tool_env(estate), timeout=timeout,
                             out_prefix=work / "cartography")
    summary = harness.json_tail(m.stdout.strip().splitlines()[-1] if m.stdout.strip() else "") or {}
    return {**m.as_dict(), "fetch_s": summary.get("wall_s"), "items": summary.get("rows"),
            "error": summary.get("error"),
            "stderr_tail": m.stderr[-800:] if m.rc else ""}


def run_awsmap(proxy_url: str, estate: harness.Estate, work: Path, services: list[str],
               timeout: float) -> dict[str, Any]:
    exe = harness.PEERS / "awsmap" / "bin" / "awsmap"
    if not exe.exists():
        return {"skipped": "run bench/peers/setup.sh"}
    out = work / "awsmap.json"
    argv = [str(exe), "-f", "json", "-o", str(out), "-q", "--no-db"]
    for region in estate.regions:
        argv += ["-r", region]
    for svc in services:
        for name in AWSMAP_SERVICES[svc]:
            argv += ["-s", name]
    home = work / "awsmap-home"
    home.mkdir(exist_ok=True)
    m = harness.run_measured(argv, env=harness.tool_env(estate, AWS_ENDPOINT_URL=proxy_url, HOME=str(home)),
                             timeout=timeout, out_prefix=work / "awsmap")
    items = None
    if out.exists():
        data = json.loads(out.read_text() or "null")
        resources = data.get("resources", data) if isinstance(data, dict) else data
        items = len(resources) if isinstance(resources, list) else None
    return {**m.as_dict(), "items": items, "stderr_tail": m.stderr[-800:] if m.rc else ""}


RUNNERS = {"ours": run_ours, "cartography": run_cartography, "awsmap": run_awsmap}


def measure(tool: str, proxy_url: str, estate: harness.Estate, work: Path, services: list[str],
            timeout: float) -> dict[str, Any]:
    bench_proxy.reset_stats(proxy_url)
    if tool.startswith("ours-w"):  # a concurrency sweep: ours-w8, ours-w16, ...
        result = run_ours(proxy_url, estate, work, services, timeout, workers=int(tool[6:]))
    else:
        result = RUNNERS[tool](proxy_url, estate, work, services, timeout)
    stats = bench_proxy.fetch_stats(proxy_url)
    timeline = bench_proxy.fetch_timeline(proxy_url)
    busy = sum(end - start for start, end, *_ in timeline)
    # requests completed per 10 s, per service: shows head-of-line blocking and the tail
    progress: dict[str, list[int]] = {}
    for _start, end, service, *_ in timeline:
        row = progress.setdefault(service, [])
        slot = int(end // 10)
        row.extend([0] * (slot + 1 - len(row)))
        row[slot] += 1
    result["completed_per_10s"] = progress
    result.update(first_request_s=round(min((t[0] for t in timeline), default=0.0), 2),
                  mean_in_flight=round(busy / result["wall_s"], 1) if result.get("wall_s") else None,
                  upstream_ms_avg=stats["upstream_ms_avg"])
    result.update(requests=stats["requests"], peak_in_flight=stats["peak_in_flight"],
                  by_service={k: v["requests"] for k, v in stats["services"].items()},
                  operations=stats["operations"],
                  moto_s_by_operation=dict(list(stats["operation_upstream_s"].items())[:15]),
                  proxy_overhead_ms_avg=stats["overhead_ms_avg"])
    return result


def resource_count(estate: harness.Estate, ours: dict[str, Any]) -> int:
    """The denominator for requests per resource: the entities in our graph of the estate
    (the same estate every tool read), or the seeded count when ours did not run."""
    return int(ours.get("items") or sum(v for v in estate.seeded.values() if isinstance(v, int)) or 1)


def render(results: dict[str, dict[str, Any]], resources: int, latency_ms: float) -> str:
    ours_wall = results.get("ours", {}).get("wall_s")
    head = (f"{'tool':<12} {'wall s':>7} {'x ours':>6} {'fetch s':>7} {'1st req s':>9} {'requests':>8} "
            f"{'req/res':>7} {'in-flight avg/peak':>18} {'moto ms':>7} {'RSS MB':>6} {'items':>6}  rc")
    lines = [head, "-" * len(head)]
    for tool, r in results.items():
        if "skipped" in r:
            lines.append(f"{tool:<12} skipped: {r['skipped']}")
            continue
        ratio = f"{r['wall_s'] / ours_wall:.1f}" if ours_wall else "-"
        fetch = f"{r['fetch_s']:.1f}" if r.get("fetch_s") else "-"
        flight = f"{r['mean_in_flight']}/{r['peak_in_flight']}"
        items = r.get("items") if r.get("items") is not None else "-"
        lines.append(f"{tool:<12} {r['wall_s']:>7.1f} {ratio:>6} {fetch:>7} {r['first_request_s']:>9.1f} "
                     f"{r['requests']:>8} {r['requests'] / resources:>7.2f} {flight:>18} "
                     f"{r['upstream_ms_avg']:>7.0f} {r['max_rss_mb']:>6.0f} {items:>6}  {r['rc']}")
    lines.append(f"latency {latency_ms:.0f} ms per request; {resources} resources (entities in awsgraph's "
                 "graph); fetch s = the tool's own timing of its collection (no interpreter start-up); "
                 "moto ms = mean upstream time per request; items = entities (ours), rows sent to Neo4j "
                 "(cartography), resources (awsmap)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--estate", choices=("sample", "scale"), default="sample")
    ap.add_argument("--scale", type=float, default=1.0, help="size of the scale estate (1 = full)")
    ap.add_argument("--regions", help="comma-separated (default: the estate's)")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--tools", default="ours,cartography,awsmap",
                    help="also ours-wN: awsgraph with --workers N (a concurrency sweep)")
    ap.add_argument("--services", help="comma-separated (default: those of ec2,iam,s3,kms,lambda that "
                                       "awsgraph's catalog has)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per tool")
    ap.add_argument("--out", help="write all figures as JSON here (default bench/results/compare-*.json)")
    args = ap.parse_args(argv)
    harness.stop_on_sigterm()

    services = args.services.split(",") if args.services else our_service_groups()
    tools = args.tools.split(",")
    work = Path(tempfile.mkdtemp(prefix="awsgraph-compare-"))
    with harness.start_moto() as moto:
        t0 = time.perf_counter()
        estate = harness.seed_estate(moto.url, args.estate, args.scale,
                                     args.regions.split(",") if args.regions else None)
        print(f"seeded the {args.estate} estate in {time.perf_counter() - t0:.1f} s: {estate.seeded}",
              flush=True)
        with harness.start_proxy(moto.url, latency_ms=args.latency_ms) as px:
            results: dict[str, dict[str, Any]] = {}
            walls: dict[str, list[float]] = {}  # every run of a tool named twice in --tools
            for tool in tools:
                print(f"running {tool} ...", flush=True)
                results[tool] = measure(tool, px.url, estate, work, services, args.timeout)
                r = results[tool]
                walls.setdefault(tool, []).append(r.get("wall_s") or 0.0)
                print(f"  {tool}: {r.get('wall_s')} s, {r.get('requests')} requests, rc={r.get('rc')}"
                      + (f"\n  {r['stderr_tail']}" if r.get("stderr_tail") else ""), flush=True)
    ours_any = next((r for t, r in results.items() if t.startswith("ours") and r.get("items")), {})
    resources = resource_count(estate, results.get("ours") or ours_any)
    print()
    print(render(results, resources, args.latency_ms))
    if any(len(w) > 1 for w in walls.values()):
        print("every run, wall s: " + "; ".join(f"{t} {', '.join(f'{x:.1f}' for x in w)}" for t, w in walls.items()))
    print(f"commit {harness.git_commit()}; load average {harness.loadavg()}")
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "commit": harness.git_commit(),
              "loadavg": harness.loadavg(), "estate": args.estate,
              "scale": args.scale, "regions": estate.regions, "services": services, "seeded": estate.seeded,
              "seed_s": round(estate.seed_s, 1), "latency_ms": args.latency_ms, "resources": resources,
              "results": results, "runs_wall_s": walls, "workdir": str(work)}
    out = Path(args.out) if args.out else harness.BENCH / "results" / (
        f"compare-{args.estate}{'' if args.estate == 'sample' else args.scale}-{int(time.time())}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
