"""Time to first paint of `awsgraph visualize` and `awsgraph serve` on the scale estate, in headless Chromium.

    .venv/bin/python bench/paint_bench.py --db /path/to/scale.db     # an estate collected already
    .venv/bin/python bench/paint_bench.py --scale 1                  # seed moto, collect, then measure

Each page is opened in a fresh browser context of Debian's Chromium (Playwright), ``--runs`` times;
the median is reported. Two instants per page, both in milliseconds from the start of navigation:
``fcp`` is the browser's first contentful paint (the first text), ``graph`` is the page's own
``awsgraph-drawn`` mark, set when cytoscape has drawn the graph for the first time. For `serve` the
console is started with ``--port 0``; ``first visit`` opens the whole graph at once after start (the
page data is still being computed), the others after its warm-up. Results go to
``bench/results/paint-<label>.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
MARKS = """() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const drawn = performance.getEntriesByName('awsgraph-drawn')[0];
  const status = document.querySelector('.ag-status');
  return {fcp: paint ? paint.startTime : null, graph: drawn ? drawn.startTime : null,
          visible: status ? Number(status.dataset.visible) : null,
          nodes: status ? Number(status.dataset.nodes) : null};
}"""


def build_db(scale: float, work: Path) -> Path:
    """Seed moto with the scale estate and collect it (as bench/memory.py does, without the proxy)."""
    db = work / f"scale-{scale}.db"
    with harness.start_moto() as moto:
        estate = harness.seed_estate(moto.url, "scale", scale)
        print(f"seeded in {estate.seed_s:.0f} s", flush=True)
        m = harness.ours_collect(moto.url, estate, db, out_prefix=work / "collect")
        if m.rc:
            raise SystemExit(f"collect failed: {m.stderr[-800:]}")
        print(f"collected in {m.wall_s:.0f} s", flush=True)
    return db


def open_page(browser: Any, url: str, wait_for: str, timeout_ms: int = 300_000) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    t0 = time.perf_counter()
    page.goto(url, timeout=timeout_ms)
    page.wait_for_selector(wait_for, state="attached", timeout=timeout_ms)
    wall = (time.perf_counter() - t0) * 1000
    marks = page.evaluate(MARKS)
    context.close()
    return {**marks, "wall": wall, "errors": errors}


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": len(runs)}
    for key in ("fcp", "graph", "wall"):
        values = [r[key] for r in runs if r.get(key) is not None]
        out[f"{key}_ms"] = round(statistics.median(values)) if values else None
    out["visible_nodes"] = runs[-1].get("visible")
    out["entities"] = runs[-1].get("nodes")
    out["errors"] = sorted({e for r in runs for e in r["errors"]})
    return out


def start_console(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([str(harness.AWSGRAPH), "serve", "--db", str(db), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise SystemExit(f"serve did not start: {line!r}")
    return proc, "http://" + line.split("http://", 1)[1].split()[0]


def wait_warm(url: str, timeout: float = 600) -> float:
    """Seconds until the whole graph's data is served (the warm-up or this request computes it)."""
    t0 = time.perf_counter()
    with urllib.request.urlopen(url + "api/graph", timeout=timeout) as resp:
        resp.read()
    return time.perf_counter() - t0


def measure(db: Path, runs: int, work: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {}
    html = work / "graph.html"
    t0 = time.perf_counter()
    subprocess.run([str(harness.AWSGRAPH), "visualize", "--db", str(db), "--out", str(html)], check=True,
                   capture_output=True)
    result["visualize_write_s"] = round(time.perf_counter() - t0, 2)
    result["visualize_file_mb"] = round(html.stat().st_size / 1e6, 1)
    drawn = ".ag-status[data-drawn=true]"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        result["visualize"] = median_of([open_page(browser, html.as_uri(), drawn) for _ in range(runs)])

        proc, url = start_console(db)
        try:
            result["serve_graph_first_visit"] = median_of([open_page(browser, url + "graph", drawn)])
            result["serve_warm_s"] = round(wait_warm(url), 2)
            result["serve_graph"] = median_of([open_page(browser, url + "graph", drawn) for _ in range(runs)])
            q = urllib.parse.quote("FIND aws_instance")
            result["serve_query_table"] = median_of(
                [open_page(browser, f"{url}?q={q}", "#result-table") for _ in range(runs)])
            q = urllib.parse.quote("FIND aws_security_group THAT PROTECTS aws_instance")
            result["serve_query_graph"] = median_of(
                [open_page(browser, f"{url}?view=graph&q={q}", drawn) for _ in range(runs)])
            result["serve_questions"] = median_of(
                [open_page(browser, url + "questions", "#questions") for _ in range(runs)])
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        browser.close()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="an awsgraph database of the scale estate (default: build one)")
    ap.add_argument("--scale", type=float, default=1.0, help="scale estate to build when --db is not given")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--label", default=None, help="results file label (default scale<scale>)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="paint-"))
    db = Path(args.db) if args.db else build_db(args.scale, work)
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        entities = conn.execute("SELECT count(*) FROM entities WHERE deleted_run IS NULL").fetchone()[0]
        rels = conn.execute("SELECT count(*) FROM relationships WHERE deleted_run IS NULL").fetchone()[0]
    load_before = harness.loadavg()
    figures = measure(db, args.runs, work)
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": harness.git_commit(),
              "entities": entities, "relationships": rels, "load_before": load_before,
              "load_after": harness.loadavg(), **figures}
    out = harness.BENCH / "results" / f"paint-{args.label or f'scale{args.scale:g}'}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
