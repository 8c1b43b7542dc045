"""Security-group rules as ALLOWS edges, and the ``Internet`` entity.

``0.0.0.0/0`` and ``::/0`` (directly or through a prefix list) become ``Internet`` ALLOWS
the group for ingress, or the group ALLOWS ``Internet`` for egress; group references become
group-to-group edges; other public CIDRs become placeholder ``Network``/``Host`` entities.
All rules between the same two ends merge into one edge listing every port range.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from awsgraph.analysis.common import INTERNET_KEY, as_int, dicts, placeholder, record_account
from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Entity, Relationship

PROTOCOLS = {"-1": "*", "all": "*", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
OPEN_CIDRS = {"0.0.0.0/0", "::/0"}
PREFIX_LIST_TYPES = ("aws_ec2_managed_prefix_list", "aws_prefix_list", "aws_managed_prefix_list")


def internet_entity() -> Entity:
    return placeholder(INTERNET_KEY, "internet", ("Internet", "Network"), displayName="Internet",
                       CIDR="0.0.0.0/0", ipv6CIDR="::/0", public=True)


def protocol(value: Any) -> str:
    text = str(value if value is not None else "-1").strip().lower()
    return PROTOCOLS.get(text, text)


def port_range(perm: dict[str, Any]) -> tuple[int, int]:
    proto = protocol(perm.get("IpProtocol"))
    lo, hi = perm.get("FromPort"), perm.get("ToPort")
    if proto == "*" or lo is None or hi is None:
        return 0, 65535
    lo_i, hi_i = as_int(lo, -1), as_int(hi, -1)
    if proto in ("tcp", "udp") and (lo_i == -1 or hi_i == -1):
        return 0, 65535
    return lo_i, hi_i


def range_text(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


_NOT_PUBLIC = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "fc00::/7", "fe80::/10", "::1/128", "ff00::/8",
)]


def is_public_cidr(cidr: str) -> bool:
    """Routable on the internet: not RFC 1918, CGNAT, loopback, link-local or multicast.

    Documentation ranges (203.0.113.0/24 and friends) count as public: they stand for
    internet addresses in examples and test estates.
    """
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return not any(net.version == p.version and net.subnet_of(p) for p in _NOT_PUBLIC)  # type: ignore[arg-type]


@dataclass
class Rule:
    direction: str  # ingress | egress
    proto: str
    lo: int
    hi: int
    cidrs: list[str] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    prefix_lists: list[str] = field(default_factory=list)
    description: str | None = None


def sg_rules(sg: Record) -> Iterator[Rule]:
    raw = sg.raw or {}
    for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
        for perm in dicts(raw.get(key)):
            lo, hi = port_range(perm)
            rule = Rule(direction, protocol(perm.get("IpProtocol")), lo, hi)
            rule.cidrs = [str(r["CidrIp"]) for r in dicts(perm.get("IpRanges")) if r.get("CidrIp")]
            rule.cidrs += [str(r["CidrIpv6"]) for r in dicts(perm.get("Ipv6Ranges")) if r.get("CidrIpv6")]
            rule.groups = [g for g in dicts(perm.get("UserIdGroupPairs")) if g.get("GroupId")]
            rule.prefix_lists = [
                p["PrefixListId"] for p in dicts(perm.get("PrefixListIds")) if p.get("PrefixListId")
            ]
            yield rule


class _EdgeAcc:
    """One ALLOWS edge per (from, to), accumulating every rule between them."""

    def __init__(self, from_key: str, from_type: str, to_key: str, to_type: str, mapped: bool) -> None:
        self.ends = (from_key, from_type, to_key, to_type)
        self.mapped = mapped
        self.ingress = False
        self.egress = False
        self.protocols: list[str] = []
        self.ranges: list[tuple[int, int]] = []
        self.port_texts: list[str] = []
        self.cidrs: list[str] = []

    def add(self, rule: Rule, cidr: str | None) -> None:
        if rule.direction == "ingress":
            self.ingress = True
        else:
            self.egress = True
        if rule.proto not in self.protocols:
            self.protocols.append(rule.proto)
        if (rule.lo, rule.hi) not in self.ranges:
            self.ranges.append((rule.lo, rule.hi))
        text = f"{rule.proto}:{range_text(rule.lo, rule.hi)}"
        if text not in self.port_texts:
            self.port_texts.append(text)
        if cidr and cidr not in self.cidrs:
            self.cidrs.append(cidr)

    def relationship(self) -> Relationship:
        fk, ft, tk, tt = self.ends
        lo = min(r[0] for r in self.ranges)
        hi = max(r[1] for r in self.ranges)
        props: dict[str, Any] = {
            "ingress": self.ingress,
            "egress": self.egress,
            "ipProtocol": ",".join(self.protocols),
            "fromPort": lo,
            "toPort": hi,
            "portRange": ",".join(range_text(a, b) for a, b in self.ranges),
            "ports": ",".join(self.port_texts),
        }
        if self.cidrs:
            props["ipRange"] = ",".join(self.cidrs)
        return Relationship(fk, "ALLOWS", tk, ft, tt, props, mapped=self.mapped)


def prefix_list_cidrs(view: GraphView) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rec in view.entities(*PREFIX_LIST_TYPES):
        raw = rec.raw or {}
        pl_id = raw.get("PrefixListId") or rec.props.get("prefixListId")
        if pl_id:
            out[str(pl_id)] = [str(e["Cidr"]) for e in dicts(raw.get("Entries")) if e.get("Cidr")]
    return out


def sg_index(view: GraphView) -> dict[str, Record]:
    return {str((g.raw or {}).get("GroupId") or g.props.get("groupId") or g.key): g
            for g in view.entities("aws_security_group")}


def security_group_edges(view: GraphView) -> Iterator[Entity | Relationship]:
    groups = sg_index(view)
    prefix = prefix_list_cidrs(view)
    acc: dict[tuple[str, str], _EdgeAcc] = {}
    placeholders: dict[str, Entity] = {}

    def edge(fk: str, ft: str, tk: str, tt: str, mapped: bool) -> _EdgeAcc:
        got = acc.get((fk, tk))
        if got is None:
            got = acc[(fk, tk)] = _EdgeAcc(fk, ft, tk, tt, mapped)
        return got

    for sg in view.entities("aws_security_group"):
        account = record_account(sg, view)
        for rule in sg_rules(sg):
            ingress = rule.direction == "ingress"
            cidrs = list(rule.cidrs)
            for pl in rule.prefix_lists:
                entries = prefix.get(pl, [])
                cidrs += [c for c in entries if c in OPEN_CIDRS]
            for cidr in cidrs:
                if cidr in OPEN_CIDRS:
                    placeholders.setdefault(INTERNET_KEY, internet_entity())
                    tk, tt = INTERNET_KEY, "internet"
                elif is_public_cidr(cidr):
                    host = cidr.endswith("/32") or cidr.endswith("/128")
                    tt = "host" if host else "network"
                    tk = cidr
                    placeholders.setdefault(tk, placeholder(
                        tk, tt, ("Host",) if host else ("Network",), CIDR=cidr, public=True,
                        ipAddress=cidr.split("/")[0] if host else None))
                else:
                    continue
                e = edge(tk, tt, sg.key, sg.type, True) if ingress else edge(sg.key, sg.type, tk, tt, True)
                e.add(rule, cidr)
            for pair in rule.groups:
                other = groups.get(str(pair["GroupId"]))
                if other is None:
                    gid = str(pair["GroupId"])
                    owner = str(pair.get("UserId") or account or "")
                    key = f"arn:aws:ec2:{sg.region or ''}:{owner}:security-group/{gid}"
                    placeholders.setdefault(key, placeholder(key, "aws_security_group", ("Firewall",),
                                                             groupId=gid, accountId=owner or None,
                                                             displayName=gid))
                    ok, ot, mapped = key, "aws_security_group", True
                else:
                    ok, ot, mapped = other.key, other.type, False
                e = edge(ok, ot, sg.key, sg.type, mapped) if ingress else edge(sg.key, sg.type, ok, ot, mapped)
                e.add(rule, None)
    yield from placeholders.values()
    for e in acc.values():
        yield e.relationship()
