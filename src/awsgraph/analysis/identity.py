"""How one entity may be named from elsewhere: its identities, ``(kind, value)`` pairs.

A trust policy names a role by ARN (or by account and name when the path differs), a VPC
peering names a VPC by id, a DNS record names a host by name or address, an SCP names its
targets by id. The store indexes every collected entity's identities, so that deriving one
account can find what it names in another (``GraphView.find``), and so that a change to an
entity re-derives exactly the accounts that named it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from awsgraph.analysis.common import arn_of, dicts, mapping
from awsgraph.analysis.mapped import HOST_TYPES, dns_name, names_and_ips
from awsgraph.analysis.view import Record

KEY, ARN, PRINCIPAL, VPC, DNS, IP, DOMAIN, BUCKET = "key", "arn", "principal", "vpc", "dns", "ip", "domain", "bucket"
ORG_NODE, SCP_TARGET = "org-node", "scp-target"
KINDS = (KEY, ARN, PRINCIPAL, VPC, DNS, IP, DOMAIN, BUCKET, ORG_NODE, SCP_TARGET)

PRINCIPAL_TYPES = ("aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_saml_provider",
                   "aws_iam_oidc_provider")
_HOSTS = frozenset(HOST_TYPES)
# identities only some types have: which kinds to compute for which types
_TYPED = {
    PRINCIPAL: frozenset(PRINCIPAL_TYPES), VPC: frozenset({"aws_vpc"}), DNS: _HOSTS, IP: _HOSTS,
    DOMAIN: frozenset({"aws_route53_domain", "domain"}), BUCKET: frozenset({"aws_s3_bucket"}),
    ORG_NODE: frozenset({"aws_organization", "aws_organizations_ou"}),
    SCP_TARGET: frozenset({"aws_organizations_policy"}),
}


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


def record_identities(key: str, etype: str, props: dict[str, Any], raw: dict[str, Any]
                      ) -> Iterator[tuple[str, str]]:
    """:func:`identities` for a stored row (the store's ``IdentityFn``)."""
    yield from identities(Record(key, etype, props, mapping(raw)))
