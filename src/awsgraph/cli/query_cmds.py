"""`awsgraph query`, `questions`, `ask`, `report`, `visualize` and `diff`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.table import Table

from awsgraph.cli.common import CliError, console
from awsgraph.query import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, QueryError, run, tune
from awsgraph.store.sqlite import StoreError, open_store

DEFAULT_DB = "awsgraph.db"
_ENTITY_COLUMNS = ("_type", "displayName", "_key", "region", "accountId")


def register(sub: Any) -> None:
    q = sub.add_parser("query", help="run a J1QL query against the local graph")
    q.add_argument("query", help="J1QL, e.g. \"FIND aws_s3_bucket THAT ALLOWS Everyone\" (- reads stdin)")
    _db(q)
    _fmt(q)
    _bounds(q)
    q.set_defaults(func=cmd_query)

    ls = sub.add_parser("questions", help="list the ready-made security questions")
    ls.add_argument("--format", choices=["table", "json"], default="table")
    ls.set_defaults(func=cmd_questions)

    a = sub.add_parser("ask", help="run one ready-made question by id (see `awsgraph questions`)")
    a.add_argument("id")
    _db(a)
    _fmt(a)
    _params(a)
    _bounds(a)
    a.set_defaults(func=cmd_ask)

    r = sub.add_parser("report", help="run every question into one self-contained HTML page")
    _db(r)
    r.add_argument("--out", default="report.html", help="output file (default report.html)")
    _params(r)
    r.set_defaults(func=cmd_report)

    v = sub.add_parser("visualize", help="write the graph (or a query's subgraph) as an HTML page")
    _db(v)
    v.add_argument("--query", help="show only what this J1QL query matches")
    v.add_argument("--out", default="graph.html", help="output file (default graph.html)")
    v.add_argument("--max-nodes", type=int, default=50_000,
                   help="cap on entities the page carries (default 50000; the page opens grouped either way)")
    v.set_defaults(func=cmd_visualize)

    d = sub.add_parser("diff", help="what changed between two runs")
    _db(d)
    d.add_argument("--from", dest="from_run", type=int,
                   help="earlier run id, 0 for the empty graph (default: the run before --to)")
    d.add_argument("--to", dest="to_run", type=int, help="later run id (default: the last finished run)")
    d.add_argument("--format", choices=["table", "json"], default="table")
    d.set_defaults(func=cmd_diff)


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")


def _fmt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")


def _bounds(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop the query after this many seconds (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"show at most N rows, whatever the LIMIT (default {DEFAULT_MAX_ROWS:,})")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1e9:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _params(p: argparse.ArgumentParser) -> None:
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="question parameter, e.g. regions=us-east-1,eu-west-1 (repeatable)")


@contextmanager
def _connection(path: str) -> Iterator[sqlite3.Connection]:
    if not os.path.exists(path):
        raise CliError(f"database {path!r} does not exist (run `awsgraph collect` or `awsgraph demo` first)")
    try:
        store = open_store(path, must_exist=True)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        tune(store.connection)
        yield store.connection
    finally:
        store.close()


def _run(conn: sqlite3.Connection, text: str, args: argparse.Namespace | None = None) -> list[dict[str, Any]]:
    timeout = getattr(args, "timeout", DEFAULT_TIMEOUT)
    max_rows = getattr(args, "max_rows", DEFAULT_MAX_ROWS)
    if max_rows < 1:
        raise CliError("--max-rows must be at least 1")
    try:
        rows = run(conn, text, timeout=timeout, max_rows=max_rows)
    except QueryError as exc:
        raise CliError(f"query error: {exc}") from exc
    except KeyboardInterrupt:
        raise CliError("query interrupted", code=130) from None
    for note in rows.notes:  # the row cap, names the graph lacks: on stderr, so JSON/CSV stay clean
        console(stderr=True).print(f"note: {note}", markup=False)
    return rows


# -- output -------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list | bool):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    return cols


def print_rows(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    if fmt == "csv":
        buf = io.StringIO()
        cols = _columns(rows)
        writer = csv.writer(buf)
        writer.writerow(cols)
        for r in rows:
            writer.writerow([_text(r.get(c)) for c in cols])
        sys.stdout.write(buf.getvalue())
        return
    out = console()
    if len(rows) == 1 and set(rows[0]) == {"vertices", "edges"}:
        tree = rows[0]
        print_rows(tree["vertices"], fmt)
        out.print(f"{len(tree['vertices'])} entities, {len(tree['edges'])} relationships (use --format json "
                  "for the whole tree)")
        return
    if rows and all("_key" in r and "_type" in r for r in rows):
        rows = [{c: r.get(c) for c in _ENTITY_COLUMNS} for r in rows]  # entities: the identifying columns
    table = Table(show_lines=False)
    cols = _columns(rows)
    for c in cols:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*[_text(r.get(c)) for c in cols])
    if cols:
        out.print(table)
    out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


# -- commands -------------------------------------------------------------------------------------
def cmd_query(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.query == "-" else args.query
    with _connection(args.db) as conn:
        rows = _run(conn, text, args)
    print_rows(rows, args.format)
    return 0


def cmd_questions(args: argparse.Namespace) -> int:
    from awsgraph.questions import QUESTIONS

    if args.format == "json":
        sys.stdout.write(json.dumps([{"id": q.id, "title": q.title, "why": q.why, "query": q.query,
                                      "tags": list(q.tags), "params": q.params} for q in QUESTIONS], indent=2)
                         + "\n")
        return 0
    table = Table()
    table.add_column("id", no_wrap=True)
    table.add_column("title")
    table.add_column("params")
    for q in QUESTIONS:
        table.add_row(q.id, q.title, ", ".join(f"{k} (default {v})" for k, v in q.params.items()))
    console().print(table)
    return 0


def _parse_params(raw: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--param needs NAME=VALUE, got {item!r}")
        out[name.strip()] = value
    return out


def cmd_ask(args: argparse.Namespace) -> int:
    from awsgraph.questions import UnknownQuestion, get, render

    try:
        question = get(args.id)
    except UnknownQuestion:
        raise CliError(f"no question {args.id!r} (see `awsgraph questions`)") from None
    try:
        text = render(question, _parse_params(args.param))
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    with _connection(args.db) as conn:
        rows = _run(conn, text, args)
    if args.format == "table":
        out = console(stderr=True)
        out.print(f"[bold]{question.title}[/bold]\n{question.why}\n[dim]{text}[/dim]")
    print_rows(rows, args.format)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from awsgraph.questions import QUESTIONS
    from awsgraph.questions.report import answer_all, render_report

    params = _parse_params(args.param)
    known = {name for q in QUESTIONS for name in q.params}
    unknown = set(params) - known
    if unknown:
        raise CliError(f"no question takes parameter {', '.join(sorted(unknown))}"
                       f" (known: {', '.join(sorted(known))})")
    with _connection(args.db) as conn:
        try:
            answers = answer_all(conn, params)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
    page = render_report(answers)
    _write(args.out, page)
    hits = sum(1 for a in answers if a.rows)
    console().print(f"wrote {args.out}: {len(answers)} questions, {hits} with findings")
    return 0


def cmd_visualize(args: argparse.Namespace) -> int:
    from awsgraph.visualize import collect, render_html

    if args.max_nodes < 1:
        raise CliError("--max-nodes must be at least 1")
    with _connection(args.db) as conn:
        try:
            data = collect(conn, args.query, args.max_nodes)
        except QueryError as exc:
            raise CliError(f"query error: {exc}") from exc
    title = f"awsgraph: {args.query}" if args.query else f"awsgraph: {os.path.basename(args.db)}"
    _write(args.out, render_html(data, title))
    note = f" (capped at {args.max_nodes}: use --query or --max-nodes)" if data.truncated else ""
    console().print(f"wrote {args.out}: {len(data.vertices)} entities, {len(data.edges)} relationships{note}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from awsgraph.diff import DiffError, diff_runs

    with _connection(args.db) as conn:
        try:
            result = diff_runs(conn, args.from_run, args.to_run)
        except DiffError as exc:
            raise CliError(str(exc)) from exc
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), indent=2, default=str) + "\n")
        return 0
    out = console()
    out.print(f"[bold]run {result.from_run} → run {result.to_run}[/bold]")
    for kind, name in (("entity", "entities"), ("relationship", "relationships")):
        counts = {op: len(result.of(kind, op)) for op in ("created", "updated", "deleted", "unknown")}
        out.print(f"{name}: " + ", ".join(f"{n} {op}" for op, n in counts.items()))
    if result.changes:
        table = Table()
        for col in ("change", "kind", "type", "key", "name", "properties changed"):
            table.add_column(col, overflow="fold")
        for c in result.changes:
            changed = ", ".join(f"{k}: {_text(old)} → {_text(new)}"
                                for k, (old, new) in sorted(c.changed.items()))
            table.add_row(c.op, c.kind, c.type, c.key, c.display, changed)
        out.print(table)
    if result.partial_scopes:
        out.print("[yellow]partial scopes (their entities are unknown, not deleted):[/yellow] "
                  + ", ".join(f"{s['account']}/{s['region']}/{s['type']}" for s in result.partial_scopes))
    return 0


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc}") from exc
