"""The principals of the escalation analysis: users and roles with what the evaluator needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from awsgraph.analysis.common import arn_of, dicts, record_account, strings, tags_of
from awsgraph.analysis.view import GraphView, Record
from awsgraph.iam.policy import Policy, compile_policy
from awsgraph.iam.whocan import Directory, Rec

PRINCIPAL_TYPES = ("aws_iam_user", "aws_iam_role")
ScpLevels = list[list[dict[str, Any]]]
ScpProvider = Callable[[str], ScpLevels | None]


@dataclass
class Actor:
    """A user or role, with what the evaluator needs about it."""

    rec: Record
    arn: str
    kind: str  # user | role
    account: str
    name: str
    policies: list[Policy]
    boundary: Policy | None
    context: dict[str, Any]
    groups: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)  # customer-managed policy ARNs, direct or via groups
    trust: Policy | None = None
    profiles: frozenset[str] = frozenset()
    service_linked: bool = False
    password: bool | None = None  # has a console password (None: unknown)


def account_of(rec: Record, arn: str, view: GraphView) -> str:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4].isdigit():
        return parts[4]
    return record_account(rec, view) or ""


def customer_managed(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[4] not in ("aws", "")


def build_actors(view: GraphView, d: Directory) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    group_attached: dict[str, list[str]] = {}
    for g in view.entities("aws_iam_group"):
        raw = g.raw or {}
        name = str(raw.get("GroupName") or g.props.get("name") or "")
        group_attached[name] = [str(p.get("PolicyArn")) for p in dicts(raw.get("AttachedManagedPolicies"))]
    for rec in view.entities(*PRINCIPAL_TYPES):
        arn = arn_of(rec)
        if not arn:
            continue
        raw = rec.raw or {}
        rr = Rec(rec.key, rec.type, rec.props, raw)
        kind = "user" if rec.type == "aws_iam_user" else "role"
        name = str(raw.get("UserName") or raw.get("RoleName") or rec.props.get("name") or arn.rsplit("/", 1)[-1])
        context: dict[str, Any] = {f"aws:PrincipalTag/{k}": v for k, v in tags_of(rec).items()}
        if kind == "user":
            context["aws:username"] = name
        attached = [str(p.get("PolicyArn")) for p in dicts(raw.get("AttachedManagedPolicies"))]
        groups = strings(raw.get("GroupList")) if kind == "user" else []
        for gname in groups:
            attached += group_attached.get(gname, [])
        actor = Actor(rec, arn, kind, account_of(rec, arn, view), name, d.identity_policies(rr), d.boundary(rr),
                      context, groups, [a for a in dict.fromkeys(attached) if customer_managed(a)])
        if kind == "role":
            trust = d.resource_policy("sts:AssumeRole", arn)
            actor.trust = compile_policy(trust or {}, "trust")
            profiles = strings(rec.props.get("instanceProfileArns")) or [
                str(p.get("Arn")) for p in dicts(raw.get("InstanceProfileList"))]
            actor.profiles = frozenset(profiles)
            actor.service_linked = bool(rec.props.get("serviceLinked")) or "/aws-service-role/" in arn
        else:
            pw = rec.props.get("passwordEnabled")
            actor.password = pw if isinstance(pw, bool) else (True if raw.get("LoginProfile") else None)
        actors[arn] = actor
    return actors
