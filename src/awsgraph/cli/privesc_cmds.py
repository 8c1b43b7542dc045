"""``awsgraph privesc``: which principals can become an administrator, and the shortest way there."""

from __future__ import annotations

import argparse
from typing import Any

from awsgraph.cli.common import DEFAULT_DB, CliError, console
from awsgraph.cli.output import inert, print_json, table

# What the escalation analysis reads from the store.
TYPES = ("aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_policy", "aws_iam_user_policy",
         "aws_iam_group_policy", "aws_iam_role_policy", "aws_lambda_function", "aws_instance", "aws_account")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("privesc", help="principals that can become an administrator, with the shortest path")
    p.add_argument("--db", default=DEFAULT_DB, help=f"the graph database (default {DEFAULT_DB})")
    p.add_argument("--format", choices=["json", "table"], default="table")
    p.add_argument("--principal", metavar="ARN", help="only this user or role")
    p.set_defaults(func=cmd_privesc)


def load_view(db: str) -> Any:
    from awsgraph.analysis.view import GraphView, Record
    from awsgraph.store import open_store
    from awsgraph.store.sqlite import StoreError

    try:
        store = open_store(db)
    except (FileNotFoundError, StoreError) as exc:
        raise CliError(str(exc)) from exc
    try:
        records = []
        for e in store.iter_entities(TYPES, with_raw=True):
            raw = e.props.get("__raw__") or {}
            records.append(Record(e.key, e.type, {k: v for k, v in e.props.items() if k != "__raw__"}, raw))
    finally:
        store.close()
    return GraphView(records)


def cmd_privesc(args: argparse.Namespace) -> int:
    from awsgraph.analysis.privesc import analyse

    result = analyse(load_view(args.db))
    paths = result.paths()
    if args.principal:
        if args.principal not in result.actors:
            raise CliError(f"no user or role {args.principal!r} in {args.db}")
        paths = {k: v for k, v in paths.items() if k == args.principal}
    ordered = [paths[k] for k in sorted(paths)]
    if args.format == "json":
        print_json([p.as_json() for p in ordered])
        return 0
    out = console()
    if args.principal and args.principal in result.admins:
        out.print(inert(f"{args.principal} is already an administrator"))
        return 0
    if not ordered:
        if args.principal:
            out.print(inert(f"{args.principal} cannot become an administrator through the techniques awsgraph knows"))
        else:
            out.print(f"no user or role can become an administrator through the techniques awsgraph knows; "
                      f"{len(result.admins)} already are.")
        return 0
    rows = table("principal", "becomes", "steps", show_edge=False, show_lines=True)
    for p in ordered:
        steps = "\n".join(
            f"{i}. {e.technique}: {e.source} -> {e.target}" + (" (conditional)" if e.conditional else "")
            for i, e in enumerate(p.steps, start=1))
        rows.add_row(inert(p.principal), inert(p.reaches), inert(steps))
    out.print(rows)
    out.print(f"{len(ordered)} principal(s) can become an administrator; "
              f"{len(result.admins)} already are.")
    return 0
