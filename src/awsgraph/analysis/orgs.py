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
    """Asks one account's SCP levels, with answers cached, whether an action may be allowed."""

    def __init__(self, levels: Sequence[Sequence[Any]]) -> None:
        self.levels = [list(level) for level in levels]
        self._cache: dict[tuple[str, str], bool] = {}
        self._by_resource = any(self._names_resources(doc) for level in self.levels for doc in level)

    @staticmethod
    def _names_resources(doc: Any) -> bool:
        statements = doc.get("Statement", []) if isinstance(doc, dict) else []
        if isinstance(statements, dict):
            statements = [statements]
        for st in statements if isinstance(statements, list) else []:
            if not isinstance(st, dict):
                continue
            if "NotResource" in st:
                return True
            res = st.get("Resource", "*")
            if res not in ("*", ["*"]):
                return True
        return False

    def allows(self, action: str, resource: str = "*") -> bool:
        from awsgraph.iam.evaluate import evaluate

        key = (action.lower(), resource if self._by_resource else "*")
        got = self._cache.get(key)
        if got is None:
            decision = evaluate(action, key[1] if key[1] != "*" else "*",
                                identity_policies=[_ALLOW_ALL], scps=self.levels)
            got = self._cache[key] = decision.decision == "allow"
        return got

    def restricts(self) -> bool:
        """Whether the levels deny anything at all (some action of some service)."""
        for level in self.levels:
            if not any(self._allows_everything(doc) for doc in level):
                return True
            for doc in level:
                statements = doc.get("Statement", []) if isinstance(doc, dict) else []
                if isinstance(statements, dict):
                    statements = [statements]
                if any(isinstance(st, dict) and st.get("Effect") == "Deny" for st in statements or []):
                    return True
        return False

    @staticmethod
    def _allows_everything(doc: Any) -> bool:
        statements = doc.get("Statement", []) if isinstance(doc, dict) else []
        if isinstance(statements, dict):
            statements = [statements]
        for st in statements if isinstance(statements, list) else []:
            if (isinstance(st, dict) and st.get("Effect") == "Allow" and st.get("Action") in ("*", ["*"])
                    and st.get("Resource", "*") in ("*", ["*"]) and "Condition" not in st):
                return True
        return False


_ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

ORG_TYPES = ("aws_account", "aws_organization", "aws_organizations_ou", "aws_organizations_policy")

__all__ = ["ORG_TYPES", "ScpGate", "ScpLevels", "exempt_from_scps", "scp_levels", "scps_for_principal"]
