"""How one entity may be named from elsewhere: its identities, ``(kind, value)`` pairs.

A trust policy names a role by ARN (or by account and name when the path differs), a VPC
peering names a VPC by id, a DNS record names a host by name or address, an SCP names its
targets by id. The store indexes every collected entity's identities, so that deriving one
account can find what it names in another (``GraphView.find``), and so that a change to an
entity re-derives exactly the accounts that named it.

Two kinds run the other way, so that a caller's account can ask who names *it*: a role is
found by whom its trust policy admits (``trusts``: a principal ARN, ``acct:<id>`` or ``*``),
which is how escalation finds the roles of other accounts a principal may assume; an inline
policy is found by the ARN of the user, group or role it belongs to (``policy-owner``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from awsgraph.analysis.common import arn_of, dicts, mapping
from awsgraph.analysis.mapped import HOST_TYPES, dns_name, names_and_ips
from awsgraph.analysis.view import Record
from awsgraph.iam.policy import load_document, parse_policy

KEY, ARN, PRINCIPAL, VPC, DNS, IP, DOMAIN, BUCKET = "key", "arn", "principal", "vpc", "dns", "ip", "domain", "bucket"
ORG_NODE, SCP_TARGET = "org-node", "scp-target"
TRUSTS, POLICY_OWNER = "trusts", "policy-owner"
KINDS = (KEY, ARN, PRINCIPAL, VPC, DNS, IP, DOMAIN, BUCKET, ORG_NODE, SCP_TARGET, TRUSTS, POLICY_OWNER)
MAX_TRUSTED = 256  # ``trusts`` identities kept per role (AWS caps a trust policy at 4,096 characters)
INLINE_POLICY_TYPES = ("aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role_policy")

PRINCIPAL_TYPES = ("aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_saml_provider",
                   "aws_iam_oidc_provider")
_HOSTS = frozenset(HOST_TYPES)
# identities only some types have: which kinds to compute for which types
_TYPED = {
    PRINCIPAL: frozenset(PRINCIPAL_TYPES), VPC: frozenset({"aws_vpc"}), DNS: _HOSTS, IP: _HOSTS,
    DOMAIN: frozenset({"aws_route53_domain", "domain"}), BUCKET: frozenset({"aws_s3_bucket"}),
    ORG_NODE: frozenset({"aws_organization", "aws_organizations_ou"}),
    SCP_TARGET: frozenset({"aws_organizations_policy"}),
    TRUSTS: frozenset({"aws_iam_role"}), POLICY_OWNER: frozenset(INLINE_POLICY_TYPES),
}


def trust_document(rec: Record) -> dict[str, Any]:
    """A role's trust policy document ({} when it has none or it cannot be read)."""
    raw = rec.raw or {}
    doc = raw.get("AssumeRolePolicyDocument") or rec.props.get("assumeRolePolicyDocument")
    if isinstance(doc, str) and doc.startswith("%7B"):
        from urllib.parse import unquote

        doc = unquote(doc)
    try:
        return load_document(doc)
    except (ValueError, TypeError):
        return {}


def trust_key(entry: str) -> str:
    """How a trust policy's ``AWS`` principal entry is indexed: ``*``, ``acct:<id>`` for an
    account (``<id>`` or ``arn:...:iam::<id>:root``), else the principal ARN as written."""
    entry = entry.strip()
    if entry == "*":
        return "*"
    if entry.isdigit():
        return f"acct:{entry}"
    parts = entry.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return f"acct:{parts[4]}"
    return entry


def trusted_keys(doc: dict[str, Any]) -> list[str]:
    """:func:`trust_key` of every principal the Allow statements of a trust policy name
    (``*`` for a ``NotPrincipal``), at most :data:`MAX_TRUSTED`."""
    out: dict[str, None] = {}
    for st in parse_policy(doc, "trust"):
        if not st.allow or st.principals is None:
            continue
        if st.not_principal:
            out["*"] = None
            continue
        for ptype, entries in st.principals.items():
            if ptype.lower() == "aws":
                for e in entries:
                    out[trust_key(e)] = None
    return list(out)[:MAX_TRUSTED]


def principal_id(account: str, kind: str, name: str) -> str:
    """``111122223333:role/name``: a principal by account, kind and name, whatever its path."""
    return f"{account}:{kind}/{name}"


def identities(rec: Record, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    """The ``(kind, value)`` identities of one record (only ``kinds``, when given)."""
    wanted = set(kinds) if kinds is not None else set(KINDS)
    if KEY in wanted:
        yield KEY, rec.key
    arn = arn_of(rec) if (ARN in wanted or PRINCIPAL in wanted) else None
    if ARN in wanted and arn:
        yield ARN, arn
    if PRINCIPAL in wanted and rec.type in _TYPED[PRINCIPAL] and arn:
        parts = arn.split(":", 5)
        if len(parts) == 6 and "/" in parts[5]:
            yield PRINCIPAL, principal_id(parts[4], parts[5].split("/", 1)[0], parts[5].rsplit("/", 1)[-1])
    raw = rec.raw or {}
    if VPC in wanted and rec.type in _TYPED[VPC]:
        vid = raw.get("VpcId") or rec.props.get("vpcId")
        if vid:
            yield VPC, str(vid)
    if (DNS in wanted or IP in wanted) and rec.type in _HOSTS:
        names, ips = names_and_ips(rec)
        if DNS in wanted:
            yield from ((DNS, n) for n in sorted(names))
        if IP in wanted:
            yield from ((IP, i) for i in sorted(ips))
    if DOMAIN in wanted and rec.type in _TYPED[DOMAIN]:
        name = dns_name(rec.props.get("domainName") or rec.props.get("name") or raw.get("DomainName"))
        if name:
            yield DOMAIN, name
    if BUCKET in wanted and rec.type in _TYPED[BUCKET]:
        bucket = raw.get("Name") or rec.props.get("name")
        if bucket:
            yield BUCKET, str(bucket)
    if ORG_NODE in wanted and rec.type in _TYPED[ORG_NODE]:
        for k in ("organizationId", "rootId", "ouId"):
            v = rec.props.get(k)
            if v and (k != "organizationId" or rec.type == "aws_organization"):
                yield ORG_NODE, str(v)
    if SCP_TARGET in wanted and rec.type in _TYPED[SCP_TARGET]:
        targets = rec.props.get("targetIds")
        ids = [str(t) for t in targets] if isinstance(targets, list) else [
            str(t["TargetId"]) for t in dicts(raw.get("Targets")) if t.get("TargetId")]
        yield from ((SCP_TARGET, t) for t in sorted(set(ids)))
    if TRUSTS in wanted and rec.type in _TYPED[TRUSTS] and "/aws-service-role/" not in (arn_of(rec) or rec.key):
        yield from ((TRUSTS, k) for k in trusted_keys(trust_document(rec)))
    if POLICY_OWNER in wanted and rec.type in _TYPED[POLICY_OWNER]:
        owner = raw.get("OwnerArn") or rec.props.get("ownerArn")
        if owner:
            yield POLICY_OWNER, str(owner)


def record_identities(key: str, etype: str, props: dict[str, Any], raw: dict[str, Any]
                      ) -> Iterator[tuple[str, str]]:
    """:func:`identities` for a stored row (the store's ``IdentityFn``)."""
    yield from identities(Record(key, etype, props, mapping(raw)))
