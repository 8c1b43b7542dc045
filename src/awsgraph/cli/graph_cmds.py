"""`awsgraph export`, `awsgraph runs` and `awsgraph docs`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from rich.table import Table

from awsgraph.cli.common import CliError, console
from awsgraph.store.sqlite import StoreError, open_store


def register(sub: Any) -> None:
    e = sub.add_parser("export", help="write the live graph as jsonl or the JupiterOne SDK layout")
    e.add_argument("--db", default="awsgraph.db")
    e.add_argument("--format", choices=["jsonl", "j1"], default="jsonl")
    e.add_argument("--out", required=True, help="output directory")
    e.set_defaults(func=cmd_export)

    r = sub.add_parser("runs", help="list runs and their partial steps")
    r.add_argument("--db", default="awsgraph.db")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_runs)

    d = sub.add_parser("docs", help="regenerate docs/catalog.md, docs/iam-policy.json, docs/j1ql.md and "
                                    "docs/privesc-techniques.md from the code")
    d.add_argument("--out", default="docs", help="docs directory (default docs)")
    d.add_argument("--check", action="store_true", help="exit 1 if the committed docs are stale")
    d.set_defaults(func=cmd_docs)


def cmd_export(args: argparse.Namespace) -> int:
    from awsgraph.export.j1 import export_j1
    from awsgraph.export.jsonl import export_jsonl

    try:
        counts = export_jsonl(args.db, args.out) if args.format == "jsonl" else export_j1(args.db, args.out)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    console().print(f"exported {counts['entities']} entities and {counts['relationships']} relationships "
                    f"to {args.out} ({args.format})")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    try:
        store = open_store(args.db, must_exist=True)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        runs = store.runs()
        rows = []
        for run in runs:
            steps = store.steps(run.id)
            bad = [s for s in steps if s.status != "success"]
            rows.append({"id": run.id, "status": run.status,
                         "started": dt.datetime.fromtimestamp(run.started_at, dt.UTC).isoformat(timespec="seconds"),
                         "account": run.config.get("account"), "changes": run.summary.get("changes", {}),
                         "partial": [f"{s.step}@{s.region}: {s.status}: {s.reason}" for s in bad]})
    finally:
        store.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(show_edge=False)
    for col in ("id", "status", "started", "account", "changes", "partial steps"):
        table.add_column(col, overflow="fold")
    for row in rows:
        ch = row["changes"]
        table.add_row(str(row["id"]), row["status"], row["started"], str(row["account"]),
                      f"+{ch.get('created', 0)} ~{ch.get('updated', 0)} -{ch.get('deleted', 0)}" if ch else "",
                      "\n".join(row["partial"][:10]))
    console().print(table)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from awsgraph.catalog.docs import write_docs
    from awsgraph.query.features import write_features

    stale = write_docs(args.out, check=args.check)
    stale += write_features(args.out, check=args.check)
    stale += _write_technique_docs(args.out, check=args.check)
    if args.check and stale:
        raise CliError(f"generated docs are stale: {', '.join(stale)} (run `awsgraph docs`)", code=1)
    written = (f"wrote {args.out}/catalog.md, {args.out}/iam-policy.json, {args.out}/j1ql.md and "
               f"{args.out}/privesc-techniques.md")
    console().print("docs are current" if args.check else written)
    return 0


def _write_technique_docs(out_dir: str, *, check: bool) -> list[str]:
    """docs/privesc-techniques.md from the escalation technique table."""
    from pathlib import Path

    from awsgraph.iam.techniques import DOCS_NAME, render_docs

    path = Path(out_dir) / DOCS_NAME
    text = render_docs()
    stale = [DOCS_NAME] if not path.exists() or path.read_text() != text else []
    if not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return stale
