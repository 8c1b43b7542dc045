"""Network exposure: ``exposedToInternet`` and the open ports on hosts, gateways and databases.

A resource is exposed only when everything lines up: a public IP (or an internet-facing
load balancer / publicly accessible database), a route from its subnet to an internet
gateway, a network ACL whose first matching rule allows the traffic in (and some ephemeral
port back out), and a security group that admits ``0.0.0.0/0`` or ``::/0``. IPv4 and IPv6
are kept apart: an IPv6 rule exposes only what has an IPv6 address.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from awsgraph.analysis.common import as_int, dicts, mapping, merge_props
from awsgraph.analysis.nacl import nacl_open
from awsgraph.analysis.security_groups import Rule, prefix_list_cidrs, range_text, sg_index, sg_rules
from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Entity, Relationship


@dataclass
class _Net:
    nacl_by_subnet: dict[str, Record]
    routed_subnets: set[str] | None  # None: no route tables collected, cannot tell
    subnet_vpc: dict[str, str]


def _network(view: GraphView) -> _Net:
    nacl_by_subnet: dict[str, Record] = {}
    for nacl in view.entities("aws_network_acl"):
        for assoc in dicts((nacl.raw or {}).get("Associations")):
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
                  for r in dicts(raw.get("Routes")))
        for assoc in dicts(raw.get("Associations")):
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
    out: list[str] = []
    for it in items if isinstance(items, list | tuple) else ():
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
        nis = dicts(raw.get("NetworkInterfaces"))
        v4 = bool(raw.get("PublicIpAddress")
                  or any(mapping(ni.get("Association")).get("PublicIp") for ni in nis))
        v6 = bool(raw.get("Ipv6Address") or any(ni.get("Ipv6Addresses") for ni in nis))
        subnets = [str(raw["SubnetId"])] if raw.get("SubnetId") else []
        return _Target(v4, v6, _ids(raw.get("SecurityGroups"), "GroupId"), subnets)
    if rec.type == "aws_eni":
        v4 = bool(mapping(raw.get("Association")).get("PublicIp"))
        v6 = bool(raw.get("Ipv6Addresses") or raw.get("Ipv6Address"))
        subnets = [str(raw["SubnetId"])] if raw.get("SubnetId") else []
        return _Target(v4, v6, _ids(raw.get("Groups"), "GroupId"), subnets)
    if rec.type == "aws_db_instance":
        public = bool(raw.get("PubliclyAccessible"))
        sgs = _ids(raw.get("VpcSecurityGroups"), "VpcSecurityGroupId")
        subnets = _ids(mapping(raw.get("DBSubnetGroup")).get("Subnets"), "SubnetIdentifier")
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
    raw = rec.raw or {}
    for item in dicts(raw.get("Listeners")) or dicts(raw.get("ListenerDescriptions")):
        lst = mapping(item.get("Listener")) or item  # classic ELBs nest the listener
        port = as_int(lst.get("Port") or lst.get("LoadBalancerPort"), -1)
        if port >= 0:
            proto = "udp" if str(lst.get("Protocol", "")).upper() == "UDP" else "tcp"
            out.append((proto, port, port))
    return out


def _port_order(text: str) -> int:
    head = text.split("-")[0]
    return int(head) if head.lstrip("-").isdigit() else -1


EXPOSABLE_TYPES = ("aws_instance", "aws_eni", "aws_db_instance", "aws_alb", "aws_nlb", "aws_elb", "aws_lb")


def exposure(view: GraphView) -> Iterator[Entity | Relationship]:
    groups = sg_index(view)
    prefix = prefix_list_cidrs(view)
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
        listeners = _listener_ports(rec) if info.needs_sg else []
        if listeners:
            # a load balancer answers only on its listeners' ports
            candidates = [
                (lp, max(lo, llo), min(hi, lhi), v6)
                for proto, lo, hi, v6 in candidates for lp, llo, lhi in listeners
                if (proto in ("*", lp)) and max(lo, llo) <= min(hi, lhi)
            ]
        open_ports: list[str] = []
        for proto, lo, hi, v6 in candidates:
            nacls = [net.nacl_by_subnet.get(s) for s in subnets] or [None]
            for nacl in nacls:
                for a, b in nacl_open(nacl, proto, lo, hi, v6):
                    text = f"{proto}:{range_text(a, b)}"
                    if text not in open_ports:
                        open_ports.append(text)
        exposed = bool((info.v4 or info.v6) and routed and open_ports)
        props: dict[str, Any] = {"exposedToInternet": exposed}
        if exposed:
            props["exposedPorts"] = ",".join(open_ports)
            ranges = {p.split(":", 1)[1] for p in open_ports}
            props["openPorts"] = ",".join(sorted(ranges, key=_port_order))
        yield merge_props(rec.key, rec.type, (), props)
