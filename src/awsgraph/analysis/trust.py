"""Role trust analysis: ``aws_iam_role`` TRUSTS the principals its trust policy lets assume it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awsgraph.analysis.common import Edges, json_prop, record_account
from awsgraph.analysis.identity import trust_document
from awsgraph.analysis.principal_targets import PrincipalResolver
from awsgraph.analysis.view import GraphView
from awsgraph.iam.policy import Statement, parse_policy
from awsgraph.model import Entity, Relationship

ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
__all__ = ["ASSUME_ACTIONS", "assume_actions", "trust_document", "trust_edges"]


def _condition_keys(condition: Any) -> set[str]:
    keys: set[str] = set()
    if isinstance(condition, dict):
        for pairs in condition.values():
            if isinstance(pairs, dict):
                keys.update(str(k).lower() for k in pairs)
    return keys


def assume_actions(st: Statement) -> list[str]:
    return [a for a in ASSUME_ACTIONS if st.matches_action(a)]


def trust_edges(view: GraphView) -> Iterator[Entity | Relationship]:
    resolver = PrincipalResolver(view)
    edges = Edges()
    placeholders: dict[str, Entity] = {}
    for role in view.entities("aws_iam_role"):
        doc = trust_document(role)
        account = record_account(role, view) or ""
        for st in parse_policy(doc, "trust"):
            if not st.allow or st.principals is None or st.not_principal:
                continue
            actions = assume_actions(st)
            if not actions:
                continue
            cond_keys = _condition_keys(st.condition)
            for ptype, entries in st.principals.items():
                for entry in entries:
                    target = resolver.resolve(ptype, entry, account)
                    if target is None:
                        continue
                    if target.placeholder is not None:
                        placeholders.setdefault(target.key, target.placeholder)
                    props: dict[str, Any] = {
                        "crossAccount": bool(target.account and account and target.account != account),
                        "externalIdRequired": "sts:externalid" in cond_keys,
                        "conditional": st.condition is not None,
                        "actions": ",".join(actions),
                        "principalType": ptype,
                        "principal": entry,
                    }
                    if st.condition is not None:
                        props["conditions"] = json_prop(st.condition)
                    edges.add(Relationship(role.key, "TRUSTS", target.key, role.type, target.type, props,
                                           mapped=target.placeholder is not None))
    yield from placeholders.values()
    yield from edges
