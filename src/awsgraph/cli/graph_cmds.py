"""`awsgraph export`, `awsgraph copy`, `awsgraph runs` and `awsgraph docs`."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from awsgraph.cli import output
from awsgraph.cli.common import DB_HELP, DEFAULT_DB, CliError, console
from awsgraph.cli.output import inert, print_json
from awsgraph.cli.summary import describe_unserved, gap_label
from awsgraph.collect.errors import UNSERVED
from awsgraph.output_files import OutputError
from awsgraph.store import StoreError, open_store
from awsgraph.store.base import RunInfo, StepResult


def register(sub: Any) -> None:
    e = sub.add_parser("export", help="write the live graph as jsonl or the JupiterOne SDK layout")
    e.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    e.add_argument("--format", choices=["jsonl", "j1"], default="jsonl")
    e.add_argument("--out", required=True, help="output directory (files in it are private: 0600)")
    e.add_argument("--force", action="store_true",
                   help="replace files awsgraph did not write (and symlinks) where the export goes")
    e.set_defaults(func=cmd_export)

    c = sub.add_parser("copy", help="copy an SQLite graph into an empty PostgreSQL database (to share it)")
    c.add_argument("--db", default=DEFAULT_DB, help=f"the SQLite database to copy (default {DEFAULT_DB})")
    c.add_argument("--to", required=True, metavar="URL",
                   help="an empty PostgreSQL database: postgresql://user@host:port/dbname")
    c.add_argument("--json", action="store_true", help="rows copied per table, as JSON")
    c.set_defaults(func=cmd_copy)

    r = sub.add_parser("runs", help="list runs, their changes, and the steps that were not complete")
    r.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
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
        if args.format == "jsonl":
            counts = export_jsonl(args.db, args.out, force=args.force)
        else:
            counts = export_j1(args.db, args.out, force=args.force)
    except (StoreError, OutputError) as exc:
        raise CliError(str(exc)) from exc
    console().print(f"exported {counts['entities']} entities and {counts['relationships']} relationships "
                    f"to {args.out} ({args.format})")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from awsgraph.store import describe, is_url
    from awsgraph.store.postgres import copy_sqlite

    if is_url(args.db):
        raise CliError(f"--db {describe(args.db)}: copy reads an SQLite file; --to names the PostgreSQL database")
    if not is_url(args.to):
        raise CliError(f"--to {inert(args.to)}: not a PostgreSQL URL (postgresql://user@host:port/dbname)")
    out = console(stderr=args.json)

    def progress(table: str, rows: int, done: bool) -> None:
        out.print(inert(f"  {table}: {rows:,} rows" + ("" if done else "…")))

    out.print(inert(f"copying {args.db} into {describe(args.to)}"))
    try:
        counts = copy_sqlite(args.db, args.to, progress)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        print_json({"from": args.db, "to": describe(args.to), "rows": counts})
    else:
        out.print(inert(f"copied {counts['entities']:,} entities, {counts['relationships']:,} relationships and "
                        f"{counts['runs']:,} runs; collect, query and serve with --db {describe(args.to)}"))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    try:
        store = open_store(args.db)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        rows = [_run_row(run, store.steps(run.id)) for run in store.runs()]
    finally:
        store.close()
    if args.json:
        print_json(rows)
        return 0
    out = console()
    t = output.table("id", "status", "started", "account", "changes", "complete", "partial", "failed", "not served",
                     show_edge=False)
    for row in rows:
        ch, n = row["changes"], row["steps"]
        t.add_row(str(row["id"]), inert(row["status"]), inert(row["started"]), inert(row["account"]),
                  f"+{ch.get('created', 0)} ~{ch.get('updated', 0)} -{ch.get('deleted', 0)}" if ch else "",
                  str(n["complete"]), str(n["partial"]), str(n["failed"]), str(n["unserved"]))
    out.print(t)
    for row in rows[-DETAILED_RUNS:]:
        bad = row["partial"]
        for line in bad[:MAX_LISTED]:
            out.print(f"run {row['id']}: {inert(line)}")
        if len(bad) > MAX_LISTED:
            out.print(f"run {row['id']}: … {len(bad) - MAX_LISTED} more partial or failed steps (--json lists all)")
        if row["notServedSummary"]:
            out.print(f"run {row['id']}: {gap_label(row['emulator'])}: {inert(row['notServedSummary'])}")
    return 0


DETAILED_RUNS = 5  # the latest runs get their partial, failed and not-served steps listed
MAX_LISTED = 10


def _run_row(run: RunInfo, steps: list[StepResult]) -> dict[str, Any]:
    def when(ts: float | None) -> str | None:
        return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds") if ts else None

    bad = [s for s in steps if s.status in ("partial", "failed")]
    gaps = [s for s in steps if s.status == UNSERVED]
    return {
        "id": run.id, "status": run.status, "started": when(run.started_at), "finished": when(run.finished_at),
        "account": run.config.get("account"), "regions": run.config.get("resolvedRegions"),
        "changes": run.summary.get("changes", {}),
        "emulator": bool(run.config.get("endpoint_url")),
        "steps": {"total": len(steps), "complete": sum(1 for s in steps if s.status in ("success", "skipped")),
                  "partial": sum(1 for s in steps if s.status == "partial"),
                  "failed": sum(1 for s in steps if s.status == "failed"), "unserved": len(gaps)},
        "partial": [f"{s.step}@{s.region}: {s.status}: {s.reason}" for s in bad],
        "notServed": [f"{s.step}@{s.region}: {s.reason}" for s in gaps],
        "notServedSummary": describe_unserved(gaps),
    }


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
