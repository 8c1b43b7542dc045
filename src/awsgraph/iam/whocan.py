"""``who-can``: every collected principal that can perform an action on a resource, and why.

Combines each user's and role's inline and managed policies, a user's groups' policies,
the permissions boundary, SCP levels when given, and the resource's own policy (a role's
trust policy for ``sts:AssumeRole*``), then asks :func:`awsgraph.iam.evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from awsgraph.iam.evaluate import Decision, evaluate
from awsgraph.iam.policy import Policy, compile_policy, load_document

_RESOURCE_POLICY_KEYS = ("Policy", "policyText", "PolicyText")


@dataclass(frozen=True)
class Rec:
    """The little of a stored entity who-can needs."""

    key: str
    type: str
    props: Mapping[str, Any]
    raw: Mapping[str, Any]


@dataclass
class Answer:
    principal: str
    principal_type: str
    decision: Decision
    via: list[str] = field(default_factory=list)  # policies/statements that grant it
    note: str = ""

    @property
    def conditional(self) -> bool:
        return self.decision.conditional


def _doc(value: Any) -> dict[str, Any]:
    try:
        return load_document(value)
    except (ValueError, TypeError):
        return {}


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list | tuple) else []


def _arn(r: Rec) -> str:
    for v in (r.props.get("arn"), r.raw.get("Arn"), r.key):
        if isinstance(v, str) and v.startswith("arn:"):
            return v
    return r.key


class Directory:
    """Indexes of the IAM records: policies by ARN, groups by name, inline policies by owner."""

    def __init__(self, records: Iterable[Rec]) -> None:
        self.records = list(records)
        self.by_arn: dict[str, Rec] = {}
        self.managed: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, Rec] = {}
        self.inline: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._compiled: dict[tuple[str, str], Policy] = {}
        for r in self.records:
            arn = _arn(r)
            self.by_arn[arn] = r
            if r.type == "aws_iam_policy":
                doc = r.raw.get("Document")
                if doc is None:
                    for v in _items(r.raw.get("PolicyVersionList")):
                        if v.get("IsDefaultVersion"):
                            doc = v.get("Document")
                self.managed[arn] = _doc(doc)
            elif r.type == "aws_iam_group":
                self.groups[str(r.raw.get("GroupName") or r.props.get("name") or "")] = r
            elif r.type in ("aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role_policy"):
                owner = str(r.raw.get("OwnerArn") or "")
                self.inline.setdefault(owner, []).append(
                    (str(r.raw.get("PolicyName") or r.key), _doc(r.raw.get("PolicyDocument"))))

    def _own_policies(self, r: Rec, inline_key: str, prefix: str = "") -> list[Policy]:
        out: list[Policy] = []
        seen: set[str] = set()
        for p in _items(r.raw.get(inline_key)):
            name = str(p.get("PolicyName"))
            doc = _doc(p.get("PolicyDocument"))
            if not doc and self.inline.get(_arn(r)):
                continue  # undecodable here: the inline policy record below has it
            seen.add(name)
            out.append(compile_policy(doc, f"{prefix}inline {name}"))
        for name, doc in self.inline.get(_arn(r), []):
            if name not in seen:
                out.append(compile_policy(doc, f"{prefix}inline {name}"))
        for p in _items(r.raw.get("AttachedManagedPolicies")):
            arn = str(p.get("PolicyArn"))
            if arn in self.managed:
                label = f"{prefix}managed {p.get('PolicyName') or arn.rsplit('/', 1)[-1]}"
                key = (arn, label)
                if key not in self._compiled:
                    self._compiled[key] = compile_policy(self.managed[arn], label)
                out.append(self._compiled[key])
        return out

    def identity_policies(self, r: Rec) -> list[Policy]:
        if r.type == "aws_iam_role":
            return self._own_policies(r, "RolePolicyList")
        out = self._own_policies(r, "UserPolicyList")
        group_names = r.raw.get("GroupList")
        for gname in group_names if isinstance(group_names, list) else ():
            group = self.groups.get(str(gname))
            if group is not None:
                out += self._own_policies(group, "GroupPolicyList", f"group {gname}: ")
        return out

    def group_policies(self, name: str) -> list[Policy]:
        """A group's inline and managed policies (what a member gains from it)."""
        group = self.groups.get(name)
        return self._own_policies(group, "GroupPolicyList", f"group {name}: ") if group is not None else []

    def boundary(self, r: Rec) -> Policy | None:
        pb = r.raw.get("PermissionsBoundary") or {}
        arn = pb.get("PermissionsBoundaryArn") if isinstance(pb, Mapping) else None
        if not arn:
            return None
        # A boundary we did not collect is unknown: do not invent a limit.
        if str(arn) not in self.managed:
            return None
        return compile_policy(self.managed[str(arn)], f"boundary {str(arn).rsplit('/', 1)[-1]}")

    def resource_record(self, resource: str) -> Rec | None:
        r = self.by_arn.get(resource)
        if r is None and resource.startswith("arn:aws:s3:::") and "/" in resource:
            r = self.by_arn.get(resource.split("/", 1)[0])
        return r

    def resource_policy(self, action: str, resource: str) -> dict[str, Any] | None:
        """The resource's policy; ``{}`` when the resource was collected without one, ``None``
        when awsgraph does not know (the resource was not collected)."""
        r = self.resource_record(resource)
        if r is None:
            return None
        if r.type == "aws_iam_role":
            if action.lower().startswith("sts:"):
                return _doc(r.raw.get("AssumeRolePolicyDocument"))
            return {}
        for k in _RESOURCE_POLICY_KEYS:
            if r.raw.get(k):
                return _doc(r.raw[k])
        attrs = r.raw.get("Attributes")
        if isinstance(attrs, Mapping) and attrs.get("Policy"):
            return _doc(attrs["Policy"])
        if r.type == "aws_kms_key":
            return None  # every key has a key policy: one we did not read is unknown, not empty
        return {}


def _describe(label: str) -> str:
    """``managed read:#0`` -> ``managed read (#0)``: which policy and which statement."""
    name, _, stmt = label.rpartition(":")
    return f"{name} ({stmt})" if name else label


def _account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4] else None


def who_can(action: str, resource: str, records: Iterable[Rec], *, scps: Sequence[Any] | None = None,
            context: Mapping[str, Any] | None = None, include_denied: bool = False) -> list[Answer]:
    d = Directory(records)
    rp_doc = d.resource_policy(action, resource)
    rp = compile_policy(rp_doc, "resource policy") if rp_doc is not None else None
    res_rec = d.resource_record(resource)
    res_account = None
    if res_rec is not None:
        acct = res_rec.props.get("accountId")
        res_account = str(acct) if acct else _account(_arn(res_rec))
    res_account = res_account or _account(resource)
    answers: list[Answer] = []
    for r in d.records:
        if r.type not in ("aws_iam_user", "aws_iam_role"):
            continue
        arn = _arn(r)
        pols = d.identity_policies(r)
        decision = evaluate(action, resource, identity_policies=pols, resource_policy=rp,
                            principal_arn=arn, resource_account=res_account, boundary=d.boundary(r),
                            scps=scps, context=context)
        if decision.decision != "allow" and not include_denied:
            continue
        answers.append(Answer(arn, r.type, decision, [_describe(label) for label in decision.allowed_by]))
    # Principals outside the collected IAM data that the resource policy names directly.
    if rp:
        known = {a.principal for a in answers}
        for st in rp.statements:
            if not st.allow or not st.principals or st.not_principal:
                continue
            for ptype, entries in st.principals.items():
                for entry in entries:
                    if entry in known or entry in d.by_arn:
                        continue
                    if res_account and entry in (res_account, f"arn:aws:iam::{res_account}:root"):
                        continue  # the account delegating to its own IAM policies, answered above
                    probe = None if entry == "*" else entry
                    dec = evaluate(action, resource, identity_policies=[{"Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}], resource_policy=rp,
                        principal_arn=probe, resource_account=res_account, context=context)
                    if dec.decision != "allow":
                        continue
                    known.add(entry)
                    answers.append(Answer(
                        entry if entry != "*" else "Everyone (*)", ptype, dec,
                        [_describe(lbl) for lbl in dec.allowed_by if lbl.startswith("resource")],
                        note="named by the resource policy; its own policies were not collected"))
    return answers
