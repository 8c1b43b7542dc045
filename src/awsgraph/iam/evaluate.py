"""AWS policy evaluation for one request (action, resource, principal).

Follows AWS's documented order: an explicit Deny in any applicable policy wins; every SCP
level must allow; then, within one account, either a resource-based policy that names the
caller or the identity policies (capped by the permissions boundary) must allow, and across
accounts both the caller's identity policies and the resource policy must. KMS key
policies and role trust policies must always allow: an identity policy alone is not enough.

Conditions the context cannot decide make the outcome *conditional*: an Allow that depends
on one still allows (``conditional=True``); a Deny that depends on one does not deny, but
the outcome is marked conditional.

``resource_policy`` is the resource's own policy document (a role's trust policy for
``sts:AssumeRole*``). Pass ``{}`` (or a policy without statements) for a resource known to
have none. ``None`` means *not known*: within one account the identity side decides, as it
would without a resource policy, except where a resource policy must allow (a KMS key
policy, a role trust policy) or the caller is from another account. There the answer is
``allow`` marked ``conditional`` (with ``unknowns``) when the identity side allows, since it
now depends on a policy awsgraph was not given, and ``implicit_deny`` otherwise.

Special cases AWS documents: ``sts:GetCallerIdentity`` needs no permission and cannot be
denied; service-linked roles (path ``/aws-service-role/``) are not subject to SCPs; a
resource-policy statement without ``Principal``/``NotPrincipal`` grants (and denies)
nothing; an action of ``*`` asks for every action, so only statements whose Action covers
every action (``*``) match it: ``evaluate("*", "*", ...)`` is the administrator test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from awsgraph.iam.conditions import evaluate_condition
from awsgraph.iam.policy import Policy, Principal, Statement, principal_match, statements_of

ALLOW, DENY, IMPLICIT_DENY = "allow", "deny", "implicit_deny"

# Tri-state for "does this layer allow": 2 = yes, 1 = only under an unresolved condition, 0 = no.
YES, MAYBE, NO = 2, 1, 0


@dataclass(frozen=True)
class Decision:
    decision: str
    conditional: bool = False
    allowed_by: tuple[str, ...] = ()
    denied_by: tuple[str, ...] = ()
    conditional_denies: tuple[str, ...] = ()
    # What the answer depends on that was not given (e.g. "resource policy").
    unknowns: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    def __bool__(self) -> bool:
        return self.allowed

    def explain(self) -> str:
        parts = [self.decision + (" (conditional)" if self.conditional else "")]
        if self.denied_by:
            parts.append("denied by " + ", ".join(self.denied_by))
        if self.allowed_by:
            parts.append("allowed by " + ", ".join(self.allowed_by))
        if self.conditional_denies:
            parts.append("unless " + ", ".join(self.conditional_denies))
        if self.unknowns:
            parts.append("depends on the " + ", ".join(self.unknowns) + " (not given)")
        return "; ".join(parts)


@dataclass
class _Scan:
    certain_denies: list[Statement] = field(default_factory=list)
    maybe_denies: list[Statement] = field(default_factory=list)
    # (statement, certain, how the principal was named)
    allows: list[tuple[Statement, bool, str]] = field(default_factory=list)

    def state(self, kinds: Iterable[str] | None = None) -> int:
        wanted = set(kinds) if kinds is not None else None
        best = NO
        for _st, certain, kind in self.allows:
            if wanted is not None and kind not in wanted:
                continue
            best = max(best, YES if certain else MAYBE)
        return best

    def allowing(self, kinds: Iterable[str] | None = None) -> list[Statement]:
        wanted = set(kinds) if kinds is not None else None
        return [st for st, _c, k in self.allows if wanted is None or k in wanted]


def _scan(statements: Sequence[Statement], action: str, resource: str, context: Mapping[str, Any],
          principal: Principal | None) -> _Scan:
    out = _Scan()
    for st in statements:
        if not st.matches_action(action):
            continue
        if not st.matches_resource(resource, context):
            continue
        kind = "self"
        if principal is not None:
            if st.principals is None:
                continue  # a resource-policy statement must name its principals to apply
            got = principal_match(st, principal)
            if got is None:
                continue
            kind = got
        cond = evaluate_condition(st.condition, context, variables=st.variables)
        if cond is False:
            continue
        if st.allow:
            out.allows.append((st, cond is True, kind))
        elif cond is True:
            out.certain_denies.append(st)
        else:
            out.maybe_denies.append(st)
    return out


def _account_of_arn(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[4]:
        return parts[4]
    return None


def _service_linked(principal: Principal | None) -> bool:
    """Service-linked roles (and their sessions) are exempt from SCPs."""
    if principal is None or principal.kind not in ("role", "session"):
        return False
    return ":role/aws-service-role/" in principal.arn or (principal.role_name or "").startswith(
        "AWSServiceRoleFor")


def _resource_policy_required(action: str, resource: str) -> bool:
    """KMS key policies and role trust policies must allow even within one account."""
    low = action.lower()
    if low.startswith("kms:"):
        return True
    return low.startswith("sts:assumerole") or (low.startswith("sts:") and ":role/" in resource)


# aws:PrincipalType as AWS reports it; a role acts through a session.
_PRINCIPAL_TYPES = {"user": "User", "role": "AssumedRole", "session": "AssumedRole", "root": "Account"}


def _derived_context(context: Mapping[str, Any] | None, principal: Principal | None,
                     resource_account: str | None) -> dict[str, Any]:
    ctx: dict[str, Any] = dict(context or {})
    lowered = {k.lower() for k in ctx}

    def put(key: str, value: Any) -> None:
        if value is not None and key.lower() not in lowered:
            ctx[key] = value
            lowered.add(key.lower())

    if principal is not None and principal.kind == "service":
        put("aws:PrincipalIsAWSService", "true")
        put("aws:PrincipalServiceName", principal.arn)
    elif principal is not None and principal.kind not in ("anonymous", "federated"):
        if principal.kind == "session" and principal.role_name and principal.account:
            put("aws:PrincipalArn", f"arn:aws:iam::{principal.account}:role/{principal.role_name}")
        else:
            put("aws:PrincipalArn", principal.arn)
        put("aws:PrincipalAccount", principal.account)
        put("aws:PrincipalIsAWSService", "false")
        put("aws:PrincipalType", _PRINCIPAL_TYPES.get(principal.kind))
        if principal.kind == "user":
            put("aws:username", principal.arn.rsplit("/", 1)[-1])
    put("aws:ResourceAccount", resource_account)
    return ctx


def _levels(scps: Any) -> list[list[Any]]:
    if scps is None:
        return []
    levels: list[list[Any]] = []
    for level in scps:
        if isinstance(level, Mapping | str | Policy):
            levels.append([level])
        else:
            levels.append(list(level))
    return levels


def evaluate(action: str, resource: str, *, identity_policies: Iterable[Any] = (),
             resource_policy: Any = None, principal_arn: str | None = None,
             resource_account: str | None = None, boundary: Any = None,
             scps: Sequence[Any] | None = None, context: Mapping[str, Any] | None = None) -> Decision:
    """Decide whether ``action`` on ``resource`` is allowed; see the module docstring."""
    if action.strip().lower() == "sts:getcalleridentity":
        return Decision(ALLOW, allowed_by=("sts:GetCallerIdentity needs no permission",))
    principal = Principal.parse(principal_arn) if principal_arn else None
    if _service_linked(principal):
        scps = None
    if resource_account is None:
        resource_account = _account_of_arn(resource)
    ctx = _derived_context(context, principal, resource_account)

    if isinstance(identity_policies, Mapping | str | Policy):
        identity_policies = [identity_policies]
    identity = _scan(statements_of(identity_policies, "identity"), action, resource, ctx, None)
    scans = [identity]
    boundary_scan: _Scan | None = None
    if boundary is not None:
        docs = [boundary] if isinstance(boundary, Mapping | str | Policy) else list(boundary)
        boundary_scan = _scan(statements_of(docs, "boundary"), action, resource, ctx, None)
        scans.append(boundary_scan)
    scp_scans = [
        _scan(statements_of(level, f"scp[{i}]"), action, resource, ctx, None)
        for i, level in enumerate(_levels(scps))
    ]
    scans.extend(scp_scans)
    rp_scan: _Scan | None = None
    if resource_policy is not None:
        rp_principal = principal if principal is not None else Principal.parse(None)
        rp_scan = _scan(statements_of([resource_policy], "resource"), action, resource, ctx, rp_principal)
        scans.append(rp_scan)

    certain = [st.label() for s in scans for st in s.certain_denies]
    if certain:
        return Decision(DENY, False, denied_by=tuple(certain))
    maybe = tuple(st.label() for s in scans for st in s.maybe_denies)

    scp_state = min((s.state() for s in scp_scans), default=YES)
    boundary_state = boundary_scan.state() if boundary_scan is not None else YES
    identity_state = identity.state()
    if principal is not None and principal.kind == "root":
        identity_state = YES  # the account root user needs no identity policy (SCPs still apply)
    via_identity = min(identity_state, boundary_state)
    used: list[Statement] = identity.allowing()
    if boundary_scan is not None:
        used += boundary_scan.allowing()

    unknowns: tuple[str, ...] = ()
    if rp_scan is None:
        final = min(scp_state, via_identity)
        cross_account = (principal is not None and principal.account is not None
                         and resource_account is not None and principal.account != resource_account)
        needs_rp = _resource_policy_required(action, resource) or cross_account
        if needs_rp and final != NO:
            final = MAYBE  # the resource's own policy must allow too, and it was not given
            unknowns = ("key policy" if action.lower().startswith("kms:") else
                        "trust policy" if action.lower().startswith("sts:") else "resource policy",)
    else:
        used += rp_scan.allowing()
        same_account = (
            principal is None or principal.account is None or resource_account is None
            or principal.account == resource_account
        )
        if not same_account:
            final = min(scp_state, via_identity, rp_scan.state())
        else:
            # A statement naming the caller itself stands alone; one naming a role ARN is
            # still capped by that role's boundary; one naming the account delegates to
            # identity policies.
            via_self = rp_scan.state(["self"])
            if action.lower().startswith("sts:"):
                # A role trust policy naming the caller is still capped by the caller's
                # permissions boundary (IAM: "it must allow the sts:AssumeRole action").
                via_self = min(via_self, boundary_state)
            via_rp = max(via_self, min(rp_scan.state(["role"]), boundary_state))
            if _resource_policy_required(action, resource):
                via_identity = min(via_identity, rp_scan.state(["account", "self", "role"]))
            final = min(scp_state, max(via_rp, via_identity))
    for s in scp_scans:
        used += s.allowing()

    if final == NO:
        # Still conditional when an unresolved Deny matched: it decides deny vs implicit deny.
        return Decision(IMPLICIT_DENY, bool(maybe), conditional_denies=maybe)
    return Decision(ALLOW, final == MAYBE or bool(maybe),
                    allowed_by=tuple(dict.fromkeys(st.label() for st in used)), conditional_denies=maybe,
                    unknowns=unknowns)


__all__ = ["ALLOW", "DENY", "IMPLICIT_DENY", "Decision", "evaluate"]
