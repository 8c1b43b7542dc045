"""``awsgraph iam simulate`` and ``awsgraph who-can``: the policy evaluator from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from awsgraph.cli.common import DB_HELP, DEFAULT_DB, CliError, console
from awsgraph.cli.output import inert, print_json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    iam = sub.add_parser("iam", help="IAM policy tools (evaluate policies offline)")
    iam_sub = iam.add_subparsers(dest="iam_command", metavar="COMMAND")
    iam_sub.required = True
    sim = iam_sub.add_parser("simulate", help="decide one request against policy documents, as AWS would")
    sim.add_argument("--policy", nargs="+", action="extend", default=[], metavar="FILE",
                     help="identity policy documents (JSON)")
    sim.add_argument("--boundary", metavar="FILE", help="permissions boundary policy")
    sim.add_argument("--scp", nargs="+", action="extend", default=None, metavar="FILE",
                     help="SCP levels, root first: each file is one level (a policy or a JSON list)")
    sim.add_argument("--resource-policy", metavar="FILE",
                     help="resource-based policy (bucket, queue, trust...)")
    sim.add_argument("--principal", metavar="ARN", help="the calling principal's ARN")
    sim.add_argument("--resource-account", metavar="ID", help="the resource's account, when its ARN has none")
    sim.add_argument("--action", required=True)
    sim.add_argument("--resource", required=True, metavar="ARN")
    sim.add_argument("--context", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                     help="condition keys and policy variables; repeat a key for a multi-valued key")
    sim.add_argument("--json", action="store_true", help="print the decision as JSON")
    sim.add_argument("--db", help="a collected graph: apply the SCPs of --account (or the principal's "
                                  "account) from its organization")
    sim.add_argument("--account", metavar="ID", help="the calling principal's account (with --db)")
    sim.set_defaults(func=_simulate)

    who = sub.add_parser("who-can", help="list the principals that can perform ACTION on RESOURCE_ARN")
    who.add_argument("action", metavar="ACTION")
    who.add_argument("resource", metavar="RESOURCE_ARN")
    who.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    who.add_argument("--scp", nargs="+", action="extend", default=None, metavar="FILE",
                     help="SCP levels to apply to every principal, root first (default: each principal's "
                          "own, from the collected organization)")
    who.add_argument("--context", nargs="+", action="extend", default=[], metavar="KEY=VALUE")
    who.add_argument("--json", action="store_true")
    who.set_defaults(func=_who_can)


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise CliError(f"no such file: {path}") from exc
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} is not JSON: {exc}") from exc


def parse_context(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise CliError(f"--context wants KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        parsed: Any = value
        if value.startswith("["):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                parsed = value
        if key in out:
            prev = out[key]
            out[key] = [*(prev if isinstance(prev, list) else [prev]), parsed]
        else:
            out[key] = parsed
    return out


def _scp_levels(files: list[str] | None) -> list[list[Any]] | None:
    if files is None:
        return None
    levels = []
    for f in files:
        data = _read_json(f)
        levels.append(data if isinstance(data, list) and data and isinstance(data[0], dict)
                      and "Statement" in data[0] else [data])
    return levels


def _check_request(action: str, resource: str, *, star_ok: bool) -> None:
    from awsgraph.iam.validate import action_problem, resource_problem

    problem = action_problem(action) or resource_problem(resource, star_ok=star_ok)
    if problem:
        raise CliError(problem)


def _check_policies(docs: list[tuple[str, Any]], *, needs_resource: bool = True) -> None:
    from awsgraph.iam.validate import first_problem, policy_problems

    problems = [p for where, doc in docs for p in policy_problems(doc, where, needs_resource=needs_resource)]
    message = first_problem(problems)
    if message:
        raise CliError(message)


def _check_scps(files: list[str] | None, levels: list[list[Any]] | None) -> None:
    if files is None or levels is None:
        return
    # SCP statements may omit Resource; they must still say Allow/Deny and name real actions.
    _check_policies([(f, doc) for f, level in zip(files, levels, strict=True) for doc in level],
                    needs_resource=False)


def _simulate(args: argparse.Namespace) -> int:
    from awsgraph.iam import evaluate

    if args.resource_policy and not args.principal:
        raise CliError("--resource-policy needs --principal ARN (who is calling)")
    _check_request(args.action, args.resource, star_ok=True)
    identity = [(p, _read_json(p)) for p in args.policy]
    boundary = _read_json(args.boundary) if args.boundary else None
    resource_policy = _read_json(args.resource_policy) if args.resource_policy else None
    scps = _scp_levels(args.scp)
    _check_policies(identity + ([(args.boundary, boundary)] if args.boundary else []))
    if args.resource_policy:
        # A role trust policy has no Resource; other resource policies must name one.
        _check_policies([(args.resource_policy, resource_policy)],
                        needs_resource=not args.action.strip().lower().startswith("sts:"))
    _check_scps(args.scp, scps)
    if args.account and not args.db:
        raise CliError("--account reads the SCPs from a collected graph: give --db too")
    if scps is None and args.db:
        scps = _graph_scps(args.db, args.account, args.principal)
    d = evaluate(
        args.action, args.resource,
        identity_policies=[doc for _p, doc in identity],
        resource_policy=resource_policy,
        principal_arn=args.principal, resource_account=args.resource_account,
        boundary=boundary, scps=scps, context=parse_context(args.context),
    )
    if args.json:
        print_json({"decision": d.decision, "conditional": d.conditional,
                    "allowedBy": list(d.allowed_by), "deniedBy": list(d.denied_by),
                    "conditionalDenies": list(d.conditional_denies), "unknowns": list(d.unknowns)}, indent=None)
    else:
        console().print(d.explain())
    return 0


def _who_can(args: argparse.Namespace) -> int:
    from awsgraph.iam.whocan import Rec, who_can
    from awsgraph.store import StoreError, open_store

    _check_request(args.action, args.resource, star_ok=False)
    scps = _scp_levels(args.scp)
    _check_scps(args.scp, scps)
    try:
        store = open_store(args.db)
    except (FileNotFoundError, StoreError) as exc:
        raise CliError(str(exc)) from exc
    try:
        types = ("aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_policy", "aws_iam_user_policy",
                 "aws_iam_group_policy", "aws_iam_role_policy")
        records = []
        for e in store.iter_entities(with_raw=True):
            raw = e.props.get("__raw__") or {}
            if e.type in types or _names_resource(e.key, e.props, raw, args.resource):
                props = {k: v for k, v in e.props.items() if k != "__raw__"}
                records.append(Rec(e.key, e.type, props, raw))
        org_view = _org_view(store)
    finally:
        store.close()
    answers = who_can(args.action, args.resource, records, scps=scps,
                      context=parse_context(args.context), scps_for=_scps_for(org_view))
    if args.json:
        print_json([{"principal": a.principal, "type": a.principal_type, "conditional": a.conditional,
                     "via": a.via, "unless": list(a.decision.conditional_denies),
                     "dependsOn": list(a.decision.unknowns), "note": a.note}
                    for a in answers])
        return 0
    out = console()
    if not answers:
        out.print(inert(f"nobody collected can {args.action} on {args.resource}"))
        return 0
    for a in answers:
        flag = " (conditional)" if a.conditional else ""
        out.print(inert(f"{a.principal} ({a.principal_type}){flag}"))
        for v in a.via:
            out.print(inert(f"    via {v}"))
        if a.decision.conditional_denies:
            out.print(inert(f"    unless {', '.join(a.decision.conditional_denies)} applies"))
        if a.decision.unknowns:
            out.print(inert(f"    depends on the {', '.join(a.decision.unknowns)}, which was not collected"))
        if a.note:
            out.print(inert(f"    note: {a.note}"))
    return 0


def _names_resource(key: str, props: dict[str, Any], raw: dict[str, Any], resource: str) -> bool:
    target = resource.split("/", 1)[0] if resource.startswith("arn:aws:s3:::") else resource
    return target in (key, props.get("arn"), raw.get("Arn"))


def _org_view(store: Any) -> Any:
    """The collected organization (accounts, OUs, SCPs) as a view for ``scp_levels``."""
    from awsgraph.analysis import GraphView, Record
    from awsgraph.analysis.orgs import ORG_TYPES

    return GraphView(Record(e.key, e.type, {k: v for k, v in e.props.items() if k != "__raw__"},
                            e.props.get("__raw__") or {})
                     for e in store.iter_entities(ORG_TYPES, with_raw=True))


def _scps_for(view: Any) -> Any:
    from awsgraph.analysis.orgs import scps_for_principal

    cache: dict[str, Any] = {}

    def scps(arn: str) -> Any:
        if arn not in cache:
            cache[arn] = scps_for_principal(view, arn)
        return cache[arn]

    return scps


def _graph_scps(db: str, account: str | None, principal: str | None) -> list[list[Any]] | None:
    from awsgraph.analysis.orgs import scps_for_principal
    from awsgraph.store import open_store
    from awsgraph.store.sqlite import StoreError

    if account is not None and not (account.isdigit() and len(account) == 12):
        raise CliError(f"--account wants a 12-digit account id, got {account!r}")
    if account is None and principal is None:
        raise CliError("--db applies an account's SCPs: give --account ID or --principal ARN")
    try:
        store = open_store(db, must_exist=True)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        view = _org_view(store)
    finally:
        store.close()
    return scps_for_principal(view, principal or "", account)
