"""Peak RSS of ``awsgraph collect`` as the scale estate grows from 10 % to 100 %.

    .venv/bin/python bench/memory.py                      # 0.1, 0.25, 0.5, 1.0
    .venv/bin/python bench/memory.py --scales 0.1,0.2 --latency-ms 0

Each point gets a fresh moto server seeded by ``bench/seed_scale.py`` at that scale; the
collector runs through the proxy into a fresh database. Memory should grow no faster than
the graph: the table prints RSS above the process's baseline per thousand entities.
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


def baseline_rss_mb() -> float:
    """Peak RSS of the collector's process doing nothing but start (``awsgraph collect --help``)."""
    return harness.run_measured([str(harness.AWSGRAPH), "collect", "--help"]).max_rss_mb


def point(scale: float, latency_ms: float, work: Path, services: list[str] | None) -> dict[str, Any]:
    with harness.start_moto() as moto:
        estate = harness.seed_estate(moto.url, "scale", scale)
        with harness.start_proxy(moto.url, latency_ms=latency_ms) as px:
            m = harness.ours_collect(px.url, estate, work / f"mem-{scale}.db", services=services,
                                     out_prefix=work / f"mem-{scale}")
            stats = bench_proxy.fetch_stats(px.url)
    summary = harness.json_tail(m.stdout) or {}
    ents = sum(summary.get("entities", {}).values())
    rels = sum(summary.get("relationships", {}).values())
    db = work / f"mem-{scale}.db"
    return {"scale": scale, "seeded": estate.seeded, "seed_s": round(estate.seed_s, 1), **m.as_dict(),
            "entities": ents, "relationships": rels, "requests": stats["requests"],
            "peak_in_flight": stats["peak_in_flight"], "db_mb": round(db.stat().st_size / 2**20, 1)
            if db.exists() else None, "stderr_tail": m.stderr[-600:] if m.rc else ""}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="0.1,0.25,0.5,1.0")
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--services", help="limit awsgraph to these service groups")
    ap.add_argument("--out", help="write the figures as JSON here (default bench/results/memory-*.json)")
    args = ap.parse_args(argv)
    harness.stop_on_sigterm()
    services = args.services.split(",") if args.services else None
    work = Path(tempfile.mkdtemp(prefix="awsgraph-memory-"))
    base = baseline_rss_mb()
    print(f"baseline (collect --help) peak RSS {base:.0f} MB; work dir {work}", flush=True)
    rows = []
    for scale in (float(s) for s in args.scales.split(",")):
        row = point(scale, args.latency_ms, work, services)
        rows.append(row)
        print(f"  scale {scale}: {row['wall_s']} s, peak RSS {row['max_rss_mb']} MB, "
              f"{row['entities']} entities, {row['relationships']} relationships, rc={row['rc']}", flush=True)
        if row["rc"]:
            print(row["stderr_tail"], flush=True)
    print()
    head = (f"{'scale':>6} {'entities':>9} {'rels':>8} {'requests':>9} {'wall s':>7} {'peak RSS MB':>11} "
            f"{'marginal KB/entity':>18} {'db MB':>6}")
    print(head)
    print("-" * len(head))
    prev: dict[str, Any] | None = None
    for r in rows:
        # the slope from the previous point: what each extra entity costs in peak RSS
        marginal = "-"
        if prev and r["entities"] > prev["entities"]:
            kb = (r["max_rss_mb"] - prev["max_rss_mb"]) * 1024 / (r["entities"] - prev["entities"])
            marginal = f"{kb:.2f}"
        print(f"{r['scale']:>6} {r['entities']:>9} {r['relationships']:>8} {r['requests']:>9} "
              f"{r['wall_s']:>7.1f} {r['max_rss_mb']:>11.0f} {marginal:>18} {r['db_mb'] or 0:>6}")
        prev = r
    if len(rows) >= 2 and rows[0]["entities"]:
        g_graph = rows[-1]["entities"] / rows[0]["entities"]
        g_rss = (rows[-1]["max_rss_mb"] - base) / max(rows[0]["max_rss_mb"] - base, 1)
        print(f"graph grew {g_graph:.1f}x, RSS above baseline grew {g_rss:.1f}x "
              f"({'no faster than the graph' if g_rss <= g_graph * 1.1 else 'FASTER than the graph'})")
    out = Path(args.out) if args.out else harness.BENCH / "results" / f"memory-{int(time.time())}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                               "baseline_rss_mb": base, "points": rows}, indent=1))
    print(f"figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
