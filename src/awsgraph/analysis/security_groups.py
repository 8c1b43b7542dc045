"""Security-group rules as ALLOWS edges, and the ``Internet`` entity.

One relationship per rule and source, never a merged one: a group allowing ``443`` from
``0.0.0.0/0`` and ``22`` from ``::/0`` has two ``Internet ALLOWS aws_security_group`` edges,
each with its own ``fromPort``/``toPort``, so ``rule.fromPort <= 80 AND rule.toPort >= 80``
matches neither. The edges between the same two ends are told apart by the relationship
qualifier (see :func:`rule_qualifier`), which becomes the last part of the key.

``0.0.0.0/0`` and ``::/0`` become ``Internet`` ALLOWS the group for ingress, or the group ALLOWS
``Internet`` for egress; group references become group-to-group edges; other public CIDRs
become placeholder ``Network``/``Host`` entities (private ones are left out: they name no
outside peer). A prefix-list rule is an edge with the prefix list (collected or a placeholder)
and, when its entries are known, one more edge per open or public entry.
"""

from __future__ import annotations

import functools
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
PREFIX_LIST_TYPE = PREFIX_LIST_TYPES[0]


def internet_entity() -> Entity:
    return placeholder(INTERNET_KEY, "internet", ("Internet", "Network"), displayName="Internet", name="Internet",
                       CIDR="0.0.0.0/0", ipv6CIDR="::/0", public=True, internal=False)


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
class Source:
    """One source (ingress) or destination (egress) of a rule, with its own description."""

    kind: str  # cidr | group | prefix-list
    value: str  # the CIDR, the group id or the prefix-list id
    description: str | None = None
    owner: str | None = None  # a referenced group's account


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
    sources: list[Source] = field(default_factory=list)


def sg_rules(sg: Record) -> Iterator[Rule]:
    raw = sg.raw or {}
    for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
        for perm in dicts(raw.get(key)):
            lo, hi = port_range(perm)
            rule = Rule(direction, protocol(perm.get("IpProtocol")), lo, hi)
            for ranges, field_name in (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6")):
                for r in dicts(perm.get(ranges)):
                    if r.get(field_name):
                        rule.cidrs.append(str(r[field_name]))
                        rule.sources.append(Source("cidr", str(r[field_name]), _text(r.get("Description"))))
            rule.groups = [g for g in dicts(perm.get("UserIdGroupPairs")) if g.get("GroupId")]
            rule.sources += [Source("group", str(g["GroupId"]), _text(g.get("Description")),
                                    str(g["UserId"]) if g.get("UserId") else None) for g in rule.groups]
            for p in dicts(perm.get("PrefixListIds")):
                if p.get("PrefixListId"):
                    rule.prefix_lists.append(str(p["PrefixListId"]))
                    rule.sources.append(Source("prefix-list", str(p["PrefixListId"]), _text(p.get("Description"))))
            yield rule


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def rule_qualifier(direction: str, proto: str, lo: int, hi: int, peer: str, rule_number: int | None = None) -> str:
    """The relationship qualifier of one rule and peer: ``direction:protocol:ports:peer``.

    ``ingress:tcp:443:0.0.0.0/0``, ``egress:*:0-65535:::/0``, ``ingress:tcp:5432:sg-0abc``,
    ``ingress:udp:53:pl-0123``, ``ingress:tcp:443:pl-0123:0.0.0.0/0`` (an entry of a prefix
    list); network ACL entries add their rule number: ``ingress:rule-100:tcp:443:0.0.0.0/0``.
    The first parts never contain a colon, so ``split(":", 3)`` (4 for ACLs) gives them back.
    """
    head = [direction] if rule_number is None else [direction, f"rule-{rule_number}"]
    return ":".join([*head, proto, range_text(lo, hi), peer])


def rule_props(direction: str, proto: str, lo: int, hi: int, **extra: Any) -> dict[str, Any]:
    """The properties every network-rule edge carries (attack-path code reads only these four:
    ``ingress``, ``ipProtocol``, ``fromPort``, ``toPort``)."""
    props: dict[str, Any] = {
        "ingress": direction == "ingress",
        "egress": direction == "egress",
        "ipProtocol": proto,
        "fromPort": lo,
        "toPort": hi,
        "portRange": range_text(lo, hi),
        "ports": f"{proto}:{range_text(lo, hi)}",
    }
    props.update({k: v for k, v in extra.items() if v is not None})
    return props


def cidr_peer(cidr: str, placeholders: dict[str, Entity]) -> tuple[str, str] | None:
    """(key, type) of the entity a CIDR stands for: Internet, a public host or network; None if private."""
    if cidr in OPEN_CIDRS:
        placeholders.setdefault(INTERNET_KEY, internet_entity())
        return INTERNET_KEY, "internet"
    if not is_public_cidr(cidr):
        return None
    host = cidr.endswith("/32") or cidr.endswith("/128")
    if cidr not in placeholders:
        v6 = ":" in cidr
        if host:
            addr = cidr.split("/")[0]
            placeholders[cidr] = placeholder(
                cidr, "host", ("Host",), name=cidr, CIDR=cidr, public=True, ipAddress=addr,
                **{"publicIpAddresses": [addr], "ipv6Addresses" if v6 else "ipv4Addresses": [addr]})
        else:
            placeholders[cidr] = placeholder(
                cidr, "network", ("Network",), name=cidr, public=True, internal=False,
                **({"CIDR": None, "ipv6CIDR": cidr} if v6 else {"CIDR": cidr}))
    return cidr, "host" if host else "network"


def prefix_list_cidrs(view: GraphView) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rec in view.entities(*PREFIX_LIST_TYPES):
        raw = rec.raw or {}
        pl_id = raw.get("PrefixListId") or rec.props.get("prefixListId")
        if pl_id:
            out[str(pl_id)] = [str(e["Cidr"]) for e in dicts(raw.get("Entries")) if e.get("Cidr")]
    return out


def _prefix_list_index(view: GraphView) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for rec in view.entities(*PREFIX_LIST_TYPES):
        pl_id = (rec.raw or {}).get("PrefixListId") or rec.props.get("prefixListId")
        if pl_id:
            out[str(pl_id)] = rec
    return out


def sg_index(view: GraphView) -> dict[str, Record]:
    return {str((g.raw or {}).get("GroupId") or g.props.get("groupId") or g.key): g
            for g in view.entities("aws_security_group")}


def security_group_edges(view: GraphView) -> Iterator[Entity | Relationship]:
    groups = sg_index(view)
    prefix = prefix_list_cidrs(view)
    prefix_recs = _prefix_list_index(view)
    placeholders: dict[str, Entity] = {}
    rels: list[Relationship] = []

    for sg in view.entities("aws_security_group"):
        account = record_account(sg, view)

        add = functools.partial(_add_edge, rels, sg)
        for rule in sg_rules(sg):
            for src in rule.sources:
                if src.kind == "cidr":
                    end = cidr_peer(src.value, placeholders)
                    if end is not None:
                        add(end[0], end[1], True, rule, src.value, ipRange=src.value, description=src.description)
                elif src.kind == "group":
                    other = groups.get(src.value)
                    if other is None:
                        owner = src.owner or account or ""
                        key = f"arn:aws:ec2:{sg.region or ''}:{owner}:security-group/{src.value}"
                        placeholders.setdefault(key, placeholder(
                            key, "aws_security_group", ("Firewall",), name=src.value, groupId=src.value,
                            accountId=owner or None, displayName=src.value, category=["network"]))
                        add(key, "aws_security_group", True, rule, _group_peer(src, account),
                            groupId=src.value, description=src.description)
                    else:
                        add(other.key, other.type, False, rule, _group_peer(src, account),
                            groupId=src.value, description=src.description)
                else:
                    rec = prefix_recs.get(src.value)
                    if rec is None:
                        key = f"arn:aws:ec2:{sg.region or ''}:{account or ''}:prefix-list/{src.value}"
                        # a list of CIDRs not collected: whether they are public is unknown, so it is
                        # no Network (whose public cannot be null) but a Configuration
                        placeholders.setdefault(key, placeholder(
                            key, PREFIX_LIST_TYPE, ("Configuration",), name=src.value, displayName=src.value,
                            prefixListId=src.value, accountId=account, region=sg.region))
                        add(key, PREFIX_LIST_TYPE, True, rule, src.value, prefixListId=src.value,
                            description=src.description)
                    else:
                        add(rec.key, rec.type, False, rule, src.value, prefixListId=src.value,
                            description=src.description)
                    for cidr in prefix.get(src.value, []):
                        end = cidr_peer(cidr, placeholders)
                        if end is not None:
                            add(end[0], end[1], True, rule, f"{src.value}:{cidr}", ipRange=cidr,
                                prefixListId=src.value, description=src.description)
    yield from placeholders.values()
    yield from rels


def _add_edge(rels: list[Relationship], sg: Record, peer_key: str, peer_type: str, mapped: bool, rule: Rule,
              peer: str, **extra: Any) -> None:
    props = rule_props(rule.direction, rule.proto, rule.lo, rule.hi, **extra)
    ends = ((peer_key, peer_type, sg.key, sg.type) if rule.direction == "ingress"
            else (sg.key, sg.type, peer_key, peer_type))
    rels.append(Relationship(ends[0], "ALLOWS", ends[2], ends[1], ends[3], props, mapped=mapped,
                             qualifier=rule_qualifier(rule.direction, rule.proto, rule.lo, rule.hi, peer)))


def _group_peer(src: Source, account: str | None) -> str:
    return src.value if not src.owner or src.owner == account else f"{src.owner}/{src.value}"
