"""`awsgraph query`, `questions`, `ask`, `report`, `visualize` and `diff`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from awsgraph.cli import output
from awsgraph.cli.common import DB_HELP, DEFAULT_DB, CliError, console
from awsgraph.cli.output import inert, print_json, styled
from awsgraph.output_files import OutputError, write_html
from awsgraph.query import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, QueryError, run, tune
from awsgraph.store import Store, StoreError, describe, is_url, open_store


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
    r.add_argument("--force", action="store_true", help="replace a file awsgraph did not write (or a symlink)")
    _params(r)
    r.set_defaults(func=cmd_report)

    v = sub.add_parser("visualize", help="write the graph (or a query's subgraph) as an HTML page")
    _db(v)
    v.add_argument("--query", help="show only what this J1QL query matches")
    v.add_argument("--out", default="graph.html", help="output file (default graph.html)")
    v.add_argument("--max-nodes", type=int, default=50_000,
                   help="cap on entities the page carries (default 50000; the page opens grouped either way)")
    v.add_argument("--force", action="store_true", help="replace a file awsgraph did not write (or a symlink)")
    v.set_defaults(func=cmd_visualize)

    d = sub.add_parser("diff", help="what changed between two runs")
    _db(d)
    d.add_argument("--from", dest="from_run", type=int,
                   help="earlier run id, 0 for the empty graph (default: the run before --to)")
    d.add_argument("--to", dest="to_run", type=int, help="later run id (default: the last finished run)")
    d.add_argument("--format", choices=["table", "json"], default="table")
    d.set_defaults(func=cmd_diff)


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)


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
def _connection(path: str) -> Iterator[Store]:
    """The graph ``--db`` names, open read-only: a file or a ``postgresql://`` URL."""
    if not is_url(path) and not os.path.exists(path):
        raise CliError(f"database {path!r} does not exist (run `awsgraph collect` or `awsgraph demo` first)")
    try:
        store = open_store(path)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        tune(store.connection)
        yield store
    finally:
        store.close()


def query_error(exc: QueryError) -> CliError:
    """The error on one line, then the query's line with a caret under the offending character."""
    head, _, detail = str(exc).partition("\n")
    return CliError(f"query error: {head}", detail=detail)


def _run(conn: Store, text: str, args: argparse.Namespace | None = None) -> list[dict[str, Any]]:
    timeout = getattr(args, "timeout", DEFAULT_TIMEOUT)
    max_rows = getattr(args, "max_rows", DEFAULT_MAX_ROWS)
    if max_rows < 1:
        raise CliError("--max-rows must be at least 1")
    try:
        rows = run(conn, text, timeout=timeout, max_rows=max_rows)
    except QueryError as exc:
        raise query_error(exc) from exc
    except KeyboardInterrupt:
        raise CliError("query interrupted", code=130) from None
    for note in rows.notes:  # the row cap, names the graph lacks: on stderr, so JSON/CSV stay clean
        console(stderr=True).print(f"note: {note}", markup=False)
    return rows


# -- output (awsgraph.cli.output: data stays inert) ----------------------------------------------
print_rows = output.print_rows


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
        print_json([{"id": q.id, "title": q.title, "why": q.why, "query": q.query,
                     "tags": list(q.tags), "params": q.params} for q in QUESTIONS])
        return 0
    table = output.table("id", "title", "params")
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
    from awsgraph.questions.coverage import assess

    with _connection(args.db) as conn:
        rows = _run(conn, text, args)
        cov = assess(conn, text, question.needs)
    if args.format == "table":
        out = console(stderr=True)
        out.print(styled(question.title, "bold"))
        out.print(question.why)
        out.print(styled(text, "dim"))
    print_rows(rows, args.format)
    if cov.level != "complete":  # the rows (stdout) stay as they are; the caveat goes beside them
        console(stderr=True).print(styled(cov.text, "yellow"))
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
    coverage = _coverage(args.db)
    page = render_report(answers, coverage=coverage)
    _write(args.out, page, force=args.force)
    hits = sum(1 for a in answers if a.rows)
    out = console()
    shaky = sum(1 for a in answers if a.coverage != "complete")
    out.print(f"wrote {args.out}: {len(answers)} questions, {hits} with findings"
              + (f", {shaky} built on partial or missing data" if shaky else ""))
    for acc in coverage.accounts:
        out.print(f"  account {inert(acc.account)}: run {acc.run_id}, {len(acc.incomplete)} step(s) not complete")
    if not coverage.accounts:
        out.print(styled("  no finished run is recorded: every 0 means 'not collected'", "yellow"))
    return 0


def _coverage(path: str) -> Any:
    """Which accounts, runs and incomplete steps the report stands on (``questions.report.Coverage``)."""
    from awsgraph.questions.report import coverage_of

    try:
        store = open_store(path)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        return coverage_of(store.runs(), store.steps)
    finally:
        store.close()


def cmd_visualize(args: argparse.Namespace) -> int:
    from awsgraph.visualize import collect, render_html

    if args.max_nodes < 1:
        raise CliError("--max-nodes must be at least 1")
    with _connection(args.db) as conn:
        try:
            data = collect(conn, args.query, args.max_nodes)
        except QueryError as exc:
            raise query_error(exc) from exc
    name = describe(args.db) if is_url(args.db) else os.path.basename(args.db)
    title = f"awsgraph: {args.query}" if args.query else f"awsgraph: {name}"
    _write(args.out, render_html(data, title), force=args.force)
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
        print_json(result.to_json())
        return 0
    out = console()
    out.print(styled(f"run {result.from_run} → run {result.to_run}", "bold"))
    for kind, name in (("entity", "entities"), ("relationship", "relationships")):
        counts = {op: len(result.of(kind, op)) for op in ("created", "updated", "deleted", "unknown")}
        out.print(f"{name}: " + ", ".join(f"{n} {op}" for op, n in counts.items()))
    if result.changes:
        table = output.table("change", "kind", "type", "key", "name", "properties changed")
        for c in result.changes:
            changed = ", ".join(f"{inert(k)}: {inert(old)} → {inert(new)}"
                                for k, (old, new) in sorted(c.changed.items()))
            table.add_row(c.op, c.kind, inert(c.type), inert(c.key), inert(c.display), changed)
        out.print(table)
    if result.partial_scopes:
        out.print(styled("partial scopes (their entities are unknown, not deleted): ", "yellow")
                  + ", ".join(inert(f"{s['account']}/{s['region']}/{s['type']}") for s in result.partial_scopes))
    return 0


def _write(path: str, text: str, *, force: bool = False) -> None:
    """Write an HTML page awsgraph rendered: private (0600), never through a symlink, and never
    over a file awsgraph did not write unless ``force`` (``awsgraph.output_files``)."""
    try:
        write_html(path, text, force=force)
    except OutputError as exc:
        raise CliError(str(exc)) from exc
