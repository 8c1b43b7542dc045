"""``awsgraph privesc``: which principals can become an administrator, and the shortest way there."""

from __future__ import annotations

import argparse
from typing import Any

from awsgraph.cli.common import DEFAULT_DB, CliError, console
from awsgraph.cli.output import inert, print_json, table

PRINCIPAL_TYPES = ("aws_iam_user", "aws_iam_role")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("privesc", help="principals that can become an administrator, with the shortest path")
    p.add_argument("--db", default=DEFAULT_DB, help=f"the graph database (default {DEFAULT_DB})")
    p.add_argument("--format", choices=["json", "table"], default="table")
    p.add_argument("--principal", metavar="ARN", help="only this user or role")
    p.set_defaults(func=cmd_privesc)


def load_escalation(db: str) -> Any:
    """The escalation edges and administrators the derivation of every account stored."""
    from awsgraph.analysis.privesc import VERB, stored_escalation
    from awsgraph.model.entity import relationship_type
    from awsgraph.store import StoreError, open_store

    try:
        store = open_store(db)
    except (FileNotFoundError, StoreError) as exc:
        raise CliError(str(exc)) from exc
    try:
        principals = [(e.key, e.props) for e in store.iter_entities(PRINCIPAL_TYPES)]
        types = [relationship_type(a, VERB, b) for a in PRINCIPAL_TYPES for b in PRINCIPAL_TYPES]
        return stored_escalation(principals, list(store.relationships_of_types(types)))
    finally:
        store.close()


def cmd_privesc(args: argparse.Namespace) -> int:
    result = load_escalation(args.db)
    paths = result.paths()
    if args.principal:
        if args.principal not in result.principals:
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
            + (" (another account)" if e.cross_account else "")
            for i, e in enumerate(p.steps, start=1))
        becomes = "itself, as an administrator" if p.reaches == p.principal else p.reaches  # a self-escalation
        rows.add_row(inert(p.principal), inert(becomes), inert(steps))
    out.print(rows)
    out.print(f"{len(ordered)} principal(s) can become an administrator; "
              f"{len(result.admins)} already are.")
    return 0
