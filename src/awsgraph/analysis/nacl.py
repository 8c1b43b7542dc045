"""Network ACLs: stateless, evaluated first-match by rule number.

:func:`nacl_edges` puts each entry in the graph as its own relationship, like security-group
rules: an ``allow`` entry is ``peer ALLOWS aws_network_acl`` (ingress) or ``aws_network_acl
ALLOWS peer`` (egress), a ``deny`` entry the same with ``DENIES``; each carries its
``ruleNumber`` so a reader can apply first-match order. The unchangeable catch-all entry
(rule 32767, deny everything) is left out: every ACL has it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from awsgraph.analysis.common import as_int, dicts, mapping
from awsgraph.analysis.security_groups import OPEN_CIDRS, cidr_peer, protocol, rule_props, rule_qualifier
from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Entity, Relationship

DEFAULT_RULE = 32767


def _nacl_entries(nacl: Record, egress: bool, v6: bool) -> list[dict[str, Any]]:
    entries = [e for e in dicts((nacl.raw or {}).get("Entries")) if bool(e.get("Egress")) == egress]
    entries = [e for e in entries if (e.get("Ipv6CidrBlock") is not None) == v6]
    return sorted(entries, key=lambda e: as_int(e.get("RuleNumber"), 32767))


def _entry_matches(e: dict[str, Any], proto: str, port: int, v6: bool) -> bool:
    cidr = e.get("Ipv6CidrBlock") if v6 else e.get("CidrBlock")
    if cidr not in OPEN_CIDRS:
        return False  # a generic internet address falls only in /0 rules
    eproto = protocol(e.get("Protocol"))
    if eproto != "*" and proto != "*" and eproto != proto:
        return False
    if eproto in ("tcp", "udp") and e.get("PortRange"):
        pr = e["PortRange"]
        return as_int(pr.get("From"), 0) <= port <= as_int(pr.get("To"), 65535)
    return True


def nacl_allows(nacl: Record | None, egress: bool, proto: str, port: int, v6: bool = False) -> bool:
    """First matching rule by rule number decides; no rule matching means deny."""
    if nacl is None:
        return True
    entries = _nacl_entries(nacl, egress, v6)
    if not entries and not (nacl.raw or {}).get("Entries"):
        return True  # no entries collected at all: cannot tell, assume the default (allow)
    for e in entries:
        if _entry_matches(e, proto, port, v6):
            return str(e.get("RuleAction", "")).lower() == "allow"
    return False


def nacl_open(nacl: Record | None, proto: str, lo: int, hi: int, v6: bool = False) -> list[tuple[int, int]]:
    """Sub-ranges of [lo, hi] the NACL lets in from the internet."""
    if nacl is None:
        return [(lo, hi)]
    points = {lo}
    for e in dicts((nacl.raw or {}).get("Entries")):
        pr = mapping(e.get("PortRange"))
        bounds = [as_int(pr["From"], lo)] if pr.get("From") is not None else []
        if pr.get("To") is not None:
            bounds.append(as_int(pr["To"], hi) + 1)
        points.update(p for p in bounds if lo < p <= hi)
    cuts = [*sorted(points), hi + 1]
    out: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(cuts):
        if nacl_allows(nacl, False, proto, a, v6):
            if out and out[-1][1] == a - 1:
                out[-1] = (out[-1][0], b - 1)
            else:
                out.append((a, b - 1))
    if out and not any(nacl_allows(nacl, True, proto, p, v6) for p in (1024, 32768, 49152, 65535)):
        return []  # stateless: the replies must get back out too
    return out


def entry_ports(e: dict[str, Any]) -> tuple[int, int]:
    """(fromPort, toPort) of an ACL entry; ICMP entries give (type, code) as security groups do."""
    proto = protocol(e.get("Protocol"))
    if proto in ("tcp", "udp"):
        pr = mapping(e.get("PortRange"))
        if pr.get("From") is not None and pr.get("To") is not None:
            return as_int(pr["From"], 0), as_int(pr["To"], 65535)
        return 0, 65535
    if proto in ("icmp", "icmpv6"):
        icmp = mapping(e.get("IcmpTypeCode"))
        return as_int(icmp.get("Type"), -1), as_int(icmp.get("Code"), -1)
    return 0, 65535


def nacl_edges(view: GraphView) -> Iterator[Entity | Relationship]:
    """One ALLOWS (or DENIES) relationship per network ACL entry with an open or public CIDR."""
    placeholders: dict[str, Entity] = {}
    rels: list[Relationship] = []
    for nacl in view.entities("aws_network_acl"):
        for e in dicts((nacl.raw or {}).get("Entries")):
            number = as_int(e.get("RuleNumber"), DEFAULT_RULE)
            cidr = e.get("CidrBlock") or e.get("Ipv6CidrBlock")
            if number >= DEFAULT_RULE or not isinstance(cidr, str):
                continue
            end = cidr_peer(cidr, placeholders)
            if end is None:
                continue
            action = str(e.get("RuleAction", "")).lower()
            verb = "ALLOWS" if action == "allow" else "DENIES"
            direction = "egress" if e.get("Egress") else "ingress"
            proto = protocol(e.get("Protocol"))
            lo, hi = entry_ports(e)
            props = rule_props(direction, proto, lo, hi, ipRange=cidr, ruleNumber=number, ruleAction=action)
            qualifier = rule_qualifier(direction, proto, lo, hi, cidr, rule_number=number)
            if direction == "ingress":
                rels.append(Relationship(end[0], verb, nacl.key, end[1], nacl.type, props, mapped=True,
                                         qualifier=qualifier))
            else:
                rels.append(Relationship(nacl.key, verb, end[0], nacl.type, end[1], props, mapped=True,
                                         qualifier=qualifier))
    yield from placeholders.values()
    yield from rels
