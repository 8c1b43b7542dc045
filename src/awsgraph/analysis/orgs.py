"""Service control policies from the graph: which SCPs bind a principal of a given account.

AWS evaluates an account's SCPs level by level, from the organization's root through each OU
down to the account itself; every level must allow an action (any SCP of the level may), and
a Deny at any level wins. The management account is not subject to SCPs, nor are
service-linked roles. :func:`scp_levels` reads that path from the collected organization
(the account's ``orgPath``, each policy's targets and document) and returns it in the shape
:func:`awsgraph.iam.evaluate` takes as ``scps``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from awsgraph.analysis.identity import ORG_NODE, SCP_TARGET
from awsgraph.analysis.view import GraphView, Record
from awsgraph.model.keys import account_key

ScpLevels = list[list[dict[str, Any]]]
ScpProvider = Callable[[GraphView, str], "ScpLevels | None"]

SERVICE_LINKED = "/aws-service-role/"


def exempt_from_scps(principal_arn: str | None) -> bool:
    """Service-linked roles (path ``/aws-service-role/``) are not subject to SCPs."""
    return bool(principal_arn) and SERVICE_LINKED in str(principal_arn)


def _document(rec: Record) -> dict[str, Any] | None:
    content = rec.props.get("content")
    if content is None:
        content = (rec.raw or {}).get("Content")
    if isinstance(content, dict):
        return content
    if isinstance(content, str):
        try:
            doc = json.loads(content)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None
    return None


def scp_levels(view: GraphView, account_id: str) -> ScpLevels | None:
    """SCP documents binding ``account_id``'s principals, one list per level, root first and the
    account last; ``None`` when SCPs do not apply to it (the management account, an account
    outside any organization, an organization without SCPs) or when the collected
    organization does not say (the account's place in it, or a level's policies, are unknown):
    the answer never invents a limit."""
    acct = next((r for r in view.find("key", account_key(account_id)) if r.type == "aws_account"), None)
    if acct is None:
        return None
    org_id, path = acct.props.get("organizationId"), acct.props.get("orgPath")
    if not org_id or not isinstance(path, str):
        return None
    org = next((r for r in view.find(ORG_NODE, str(org_id)) if r.type == "aws_organization"), None)
    if org is None:
        return None
    if str(org.props.get("masterAccountId") or "") == account_id:
        return None  # the management account is not subject to SCPs
    if org.props.get("featureSet") not in (None, "ALL") or org.props.get("scpEnabled") is False:
        return None
    nodes = [p for p in path.strip("/").split("/") if p][1:]  # drop the organization id: root, OUs...
    if not nodes or not nodes[0].startswith("r-"):
        return None
    levels: ScpLevels = []
    for node in [*nodes, account_id]:
        docs = []
        for pol in view.find(SCP_TARGET, node):
            if pol.type != "aws_organizations_policy" or str(pol.props.get("organizationId")) != str(org_id):
                continue
            doc = _document(pol)
            if doc is not None:
                docs.append(doc)
        if not docs:
            return None  # AWS keeps at least one SCP on every node: this level was not fully read
        levels.append(docs)
    return levels


def scps_for_principal(view: GraphView, principal_arn: str, account_id: str | None = None,
                       provider: ScpProvider = scp_levels) -> ScpLevels | None:
    """The SCP levels for one principal: its account's, unless it is a service-linked role."""
    if exempt_from_scps(principal_arn):
        return None
    if account_id is None:
        parts = principal_arn.split(":", 5)
        account_id = parts[4] if len(parts) == 6 and parts[4].isdigit() else None
    return provider(view, account_id) if account_id else None


class ScpGate:
    """Asks one account's SCP levels whether an action may be allowed, with answers cached.

    Most organizations keep ``FullAWSAccess`` on every node and add Deny statements: then an
    action is denied exactly when an unconditional Deny names it, a pattern match. Otherwise
    each question goes to :func:`awsgraph.iam.evaluate` with the levels compiled once.
    """

    def __init__(self, levels: Sequence[Sequence[Any]]) -> None:
        from awsgraph.iam.policy import compile_policy

        self.levels = [[compile_policy(doc, f"scp[{i}]") for doc in level] for i, level in enumerate(levels)]
        self._cache: dict[tuple[str, str], bool] = {}
        self._edges: dict[tuple[str, str], tuple[int, list[str]]] = {}
        self._allow_all = all(any(self._allows_everything(p) for p in level) for level in self.levels)
        self._denies = [st for level in self.levels for p in level for st in p.statements if not st.allow]
        self._by_resource = any(st.resources is not None and (st.not_resource or tuple(st.resources) != ("*",))
                                for level in self.levels for p in level for st in p.statements)

    @staticmethod
    def _allows_everything(policy: Any) -> bool:
        return any(st.allow and not st.not_action and st.actions == ("*",) and st.condition is None
                   and (st.resources is None or st.resources == ("*",)) and not st.not_resource
                   for st in policy.statements)

    def allows(self, action: str, resource: str = "*") -> bool:
        key = (action.lower(), resource if self._by_resource else "*")
        got = self._cache.get(key)
        if got is None:
            if self._allow_all:
                got = not any(st.condition is None and st.matches_action(action)
                              and st.matches_resource(key[1], None) for st in self._denies)
            else:
                from awsgraph.iam.evaluate import evaluate

                got = evaluate(action, key[1], identity_policies=[_ALLOW_ALL], scps=self.levels).allowed
            self._cache[key] = got
        return got

    def denied(self, actions: Sequence[str], resource: str = "*", label: str = "") -> tuple[int, list[str]]:
        """(how many of ``actions`` the SCPs deny, which), cached per ``label`` and resource."""
        key = (label, resource if self._by_resource else "*")
        got = self._edges.get(key) if label else None
        if got is None:
            out = sorted(a for a in actions if not self.allows(a, resource))
            got = (len(out), out)
            if label:
                self._edges[key] = got
        return got

    def restricts(self) -> bool:
        """Whether the levels deny anything at all (some action of some service)."""
        return not self._allow_all or bool(self._denies)


_ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

ORG_TYPES = ("aws_account", "aws_organization", "aws_organizations_ou", "aws_organizations_policy")

__all__ = ["ORG_TYPES", "ScpGate", "ScpLevels", "exempt_from_scps", "scp_levels", "scps_for_principal"]
