"""Network exposure: security-group rules as ALLOWS edges, NACLs, and ``exposedToInternet``.

A resource is exposed only when everything lines up: a public IP (or an internet-facing
load balancer / publicly accessible database), a route from its subnet to an internet
gateway, a network ACL whose first matching rule allows the traffic in (and some ephemeral
port back out), and a security group that admits ``0.0.0.0/0`` or ``::/0``.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from awsgraph.analysis.common import INTERNET_KEY, merge_props, placeholder, record_account
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
    if proto in ("tcp", "udp") and (int(lo) == -1 or int(hi) == -1):
        return 0, 65535
    return int(lo), int(hi)


def _range_text(lo: int, hi: int) -> str:
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
        for perm in raw.get(key) or ():
            lo, hi = port_range(perm)
            rule = Rule(direction, protocol(perm.get("IpProtocol")), lo, hi)
            rule.cidrs = [r.get("CidrIp") for r in perm.get("IpRanges") or () if r.get("CidrIp")]
            rule.cidrs += [r.get("CidrIpv6") for r in perm.get("Ipv6Ranges") or () if r.get("CidrIpv6")]
            rule.groups = [g for g in perm.get("UserIdGroupPairs") or () if g.get("GroupId")]
            rule.prefix_lists = [
                p["PrefixListId"] for p in perm.get("PrefixListIds") or () if p.get("PrefixListId")
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
        text = f"{rule.proto}:{_range_text(rule.lo, rule.hi)}"
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
            "portRange": ",".join(_range_text(a, b) for a, b in self.ranges),
            "ports": ",".join(self.port_texts),
        }
        if self.cidrs:
            props["ipRange"] = ",".join(self.cidrs)
        return Relationship(fk, "ALLOWS", tk, ft, tt, props, mapped=self.mapped)


def _prefix_list_cidrs(view: GraphView) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rec in view.entities(*PREFIX_LIST_TYPES):
        raw = rec.raw or {}
        pl_id = raw.get("PrefixListId") or rec.props.get("prefixListId")
        if pl_id:
            out[str(pl_id)] = [e.get("Cidr") for e in raw.get("Entries") or () if e.get("Cidr")]
    return out


def _sg_index(view: GraphView) -> dict[str, Record]:
    return {str((g.raw or {}).get("GroupId") or g.props.get("groupId") or g.key): g
            for g in view.entities("aws_security_group")}


def security_group_edges(view: GraphView) -> Iterator[Entity | Relationship]:
    groups = _sg_index(view)
    prefix = _prefix_list_cidrs(view)
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
                if ingress:
                    e = edge(ok, ot, sg.key, sg.type, mapped)
                else:
                    e = edge(sg.key, sg.type, ok, ot, mapped)
                e.add(rule, None)
    yield from placeholders.values()
    for e in acc.values():
        yield e.relationship()


# --- network ACLs ---------------------------------------------------------------------------

def _nacl_entries(nacl: Record, egress: bool, v6: bool) -> list[dict[str, Any]]:
    entries = [e for e in (nacl.raw or {}).get("Entries") or () if bool(e.get("Egress")) == egress]
    entries = [e for e in entries if (e.get("Ipv6CidrBlock") is not None) == v6]
    return sorted(entries, key=lambda e: int(e.get("RuleNumber", 32767)))


def _entry_matches(e: dict[str, Any], proto: str, port: int, v6: bool) -> bool:
    cidr = e.get("Ipv6CidrBlock") if v6 else e.get("CidrBlock")
    if cidr not in OPEN_CIDRS:
        return False  # a generic internet address falls only in /0 rules
    eproto = protocol(e.get("Protocol"))
    if eproto != "*" and proto != "*" and eproto != proto:
        return False
    if eproto in ("tcp", "udp") and e.get("PortRange"):
        pr = e["PortRange"]
        return int(pr.get("From", 0)) <= port <= int(pr.get("To", 65535))
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
    for e in (nacl.raw or {}).get("Entries") or ():
        pr = e.get("PortRange") or {}
        bounds = [int(pr["From"])] if pr.get("From") is not None else []
        if pr.get("To") is not None:
            bounds.append(int(pr["To"]) + 1)
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


# --- exposure ---------------------------------------------------------------------------

@dataclass
class _Net:
    nacl_by_subnet: dict[str, Record]
    routed_subnets: set[str] | None  # None: no route tables collected, cannot tell
    subnet_vpc: dict[str, str]


def _network(view: GraphView) -> _Net:
    nacl_by_subnet: dict[str, Record] = {}
    for nacl in view.entities("aws_network_acl"):
        for assoc in (nacl.raw or {}).get("Associations") or ():
            if assoc.get("SubnetId"):
                nacl_by_subnet[str(assoc["SubnetId"])] = nacl
    subnet_vpc: dict[str, str] = {}
    for sn in view.entities("aws_subnet"):
        raw = sn.raw or {}
        if raw.get("SubnetId"):
            subnet_vpc[str(raw["SubnetId"])] = str(raw.get("VpcId") or "")
    tables = list(view.entities("aws_route_table"))
    if not tables:
        return _Net(nacl_by_subnet, None, subnet_vpc)
    explicit: dict[str, bool] = {}
    main_igw: dict[str, bool] = {}
    for rt in tables:
        raw = rt.raw or {}
        igw = any(str(r.get("GatewayId") or "").startswith("igw-") and r.get("State", "active") != "blackhole"
                  for r in raw.get("Routes") or ())
        for assoc in raw.get("Associations") or ():
            if assoc.get("Main"):
                main_igw[str(raw.get("VpcId") or "")] = igw
            elif assoc.get("SubnetId"):
                explicit[str(assoc["SubnetId"])] = igw
    routed = {s for s, ok in explicit.items() if ok}
    for subnet, vpc in subnet_vpc.items():
        if subnet not in explicit and main_igw.get(vpc):
            routed.add(subnet)
    return _Net(nacl_by_subnet, routed, subnet_vpc)


def _ids(items: Iterable[Any] | None, key: str) -> list[str]:
    out = []
    for it in items or ():
        if isinstance(it, dict) and it.get(key):
            out.append(str(it[key]))
        elif isinstance(it, str):
            out.append(it)
    return out


def _internet_rules(sg: Record, prefix: dict[str, list[str]]) -> Iterator[tuple[Rule, bool]]:
    for rule in sg_rules(sg):
        if rule.direction != "ingress":
            continue
        cidrs = list(rule.cidrs)
        for pl in rule.prefix_lists:
            cidrs += prefix.get(pl, [])
        if "0.0.0.0/0" in cidrs:
            yield rule, False
        if "::/0" in cidrs:
            yield rule, True


@dataclass
class _Target:
    v4: bool  # reachable at a public IPv4 address
    v6: bool  # reachable at a (global) IPv6 address
    sg_ids: list[str]
    subnets: list[str]
    needs_sg: bool = True


def _target(rec: Record) -> _Target | None:
    """How an exposable record can be reached, its security groups and subnets."""
    raw = rec.raw or {}
    if rec.type == "aws_instance":
        nis = raw.get("NetworkInterfaces") or ()
        v4 = bool(raw.get("PublicIpAddress")
                  or any((ni.get("Association") or {}).get("PublicIp") for ni in nis))
        v6 = bool(raw.get("Ipv6Address") or any(ni.get("Ipv6Addresses") for ni in nis))
        subnets = [str(raw["SubnetId"])] if raw.get("SubnetId") else []
        return _Target(v4, v6, _ids(raw.get("SecurityGroups"), "GroupId"), subnets)
    if rec.type == "aws_eni":
        v4 = bool((raw.get("Association") or {}).get("PublicIp"))
        v6 = bool(raw.get("Ipv6Addresses") or raw.get("Ipv6Address"))
        subnets = [str(raw["SubnetId"])] if raw.get("SubnetId") else []
        return _Target(v4, v6, _ids(raw.get("Groups"), "GroupId"), subnets)
    if rec.type == "aws_db_instance":
        public = bool(raw.get("PubliclyAccessible"))
        sgs = _ids(raw.get("VpcSecurityGroups"), "VpcSecurityGroupId")
        subnets = _ids((raw.get("DBSubnetGroup") or {}).get("Subnets"), "SubnetIdentifier")
        dual = str(raw.get("NetworkType", "")).upper() == "DUAL"
        return _Target(public, public and dual, sgs, subnets)
    if rec.type in ("aws_alb", "aws_nlb", "aws_elb", "aws_lb"):
        public = str(raw.get("Scheme", "")).lower() == "internet-facing"
        sgs = _ids(raw.get("SecurityGroups"), "GroupId")
        subnets = _ids(raw.get("AvailabilityZones"), "SubnetId") or _ids(raw.get("Subnets"), "SubnetId")
        dual = "dualstack" in str(raw.get("IpAddressType", "")).lower()
        return _Target(public, public and dual, sgs, subnets, rec.type != "aws_nlb" or bool(sgs))
    return None


def _listener_ports(rec: Record) -> list[tuple[str, int, int]]:
    out = []
    for lst in (rec.raw or {}).get("Listeners") or (rec.raw or {}).get("ListenerDescriptions") or ():
        lst = lst.get("Listener", lst) if isinstance(lst, dict) else {}
        port = lst.get("Port") or lst.get("LoadBalancerPort")
        if port is not None:
            proto = "udp" if str(lst.get("Protocol", "")).upper() == "UDP" else "tcp"
            out.append((proto, int(port), int(port)))
    return out


EXPOSABLE_TYPES = ("aws_instance", "aws_eni", "aws_db_instance", "aws_alb", "aws_nlb", "aws_elb", "aws_lb")


def exposure(view: GraphView) -> Iterator[Entity | Relationship]:
    groups = _sg_index(view)
    prefix = _prefix_list_cidrs(view)
    net = _network(view)
    for rec in view.entities(*EXPOSABLE_TYPES):
        info = _target(rec)
        if info is None:
            continue
        subnets = info.subnets
        routed = net.routed_subnets is None or not subnets or any(s in net.routed_subnets for s in subnets)
        candidates: list[tuple[str, int, int, bool]] = []
        if not info.needs_sg:
            ports = _listener_ports(rec) or [("*", 0, 65535)]
            candidates = [(p, lo, hi, v6) for p, lo, hi in ports for v6 in (False, True)]
        else:
            for gid in info.sg_ids:
                sg = groups.get(gid)
                if sg is None:
                    continue
                for rule, v6 in _internet_rules(sg, prefix):
                    candidates.append((rule.proto, rule.lo, rule.hi, v6))
        # An IPv6 rule exposes only what has a global IPv6 address, and likewise for IPv4.
        candidates = [c for c in candidates if (info.v6 if c[3] else info.v4)]
        open_ports: list[str] = []
        for proto, lo, hi, v6 in candidates:
            nacls = [net.nacl_by_subnet.get(s) for s in subnets] or [None]
            for nacl in nacls:
                for a, b in nacl_open(nacl, proto, lo, hi, v6):
                    text = f"{proto}:{_range_text(a, b)}"
                    if text not in open_ports:
                        open_ports.append(text)
        exposed = bool((info.v4 or info.v6) and routed and open_ports)
        props: dict[str, Any] = {"exposedToInternet": exposed}
        if exposed:
            props["exposedPorts"] = ",".join(open_ports)
            props["openPorts"] = ",".join(sorted({p.split(":", 1)[1] for p in open_ports}))
        yield merge_props(rec.key, rec.type, (), props)
