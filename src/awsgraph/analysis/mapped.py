"""JupiterOne's mapped relationships, resolved locally.

``aws_iam_user`` IS ``Person``; ``aws_route53_record`` CONNECTS the host or gateway it
resolves to; ``Domain`` HAS ``aws_route53_zone``; ``aws_vpc`` CONNECTS ``aws_vpc`` across a
peering connection. Targets that were not collected become placeholders
(``_source: system-mapper``) so local queries can traverse them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from awsgraph.analysis.common import dicts, mapping, placeholder, tags_of
from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Entity, Relationship
from awsgraph.model.hostnames import host_names

EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
PERSON_TYPES = ("employee", "person", "user_person", "okta_user", "google_user")


# --- users -> persons ----------------------------------------------------------------------

def user_email(rec: Record) -> str | None:
    username = rec.props.get("username")
    if isinstance(username, list):  # User.username is a list in the J1 schema
        username = username[0] if username else None
    name = str(username or rec.props.get("name") or (rec.raw or {}).get("UserName") or "")
    if EMAIL.match(name):
        return name.lower()
    tags = tags_of(rec)
    for k, v in tags.items():
        if k.lower() == "email" and EMAIL.match(v.strip()):
            return v.strip().lower()
    return None


def user_persons(view: GraphView) -> Iterator[Entity | Relationship]:
    persons: dict[str, Record] = {}
    for p in view.entities(*PERSON_TYPES):
        email = p.props.get("email")
        if isinstance(email, str):
            persons[email.lower()] = p
        elif isinstance(email, list):
            for e in email:
                persons[str(e).lower()] = p
    made: set[str] = set()
    for user in view.entities("aws_iam_user"):
        email = user_email(user)
        if not email:
            continue
        person = persons.get(email)
        if person is not None:
            yield Relationship(user.key, "IS", person.key, user.type, person.type, {"email": email},
                               mapped=True)
            continue
        key = f"person:{email}"
        if key not in made:
            made.add(key)
            # Person wants first and last names as strings: unknown here, so empty (never guessed).
            yield placeholder(key, "employee", ("Person", "User"), email=[email], displayName=email, name=email,
                              firstName="", lastName="")
        yield Relationship(user.key, "IS", key, user.type, "employee", {"email": email}, mapped=True)


# --- DNS ------------------------------------------------------------------------------------

def _dns(name: Any) -> str:
    text = str(name or "").strip().lower().rstrip(".")
    return text[len("dualstack."):] if text.startswith("dualstack.") else text


_DNS_FIELDS = ("PublicDnsName", "PrivateDnsName", "DNSName", "DomainName", "regionalDomainName",
               "distributionDomainName", "dnsName", "Endpoint")
_IP_FIELDS = ("PublicIpAddress", "PrivateIpAddress", "PublicIp", "PrivateIpAddress", "Ipv6Address")
_HOST_TYPES = (
    "aws_instance", "aws_eip", "aws_alb", "aws_nlb", "aws_elb", "aws_lb", "aws_cloudfront_distribution",
    "aws_api_gateway_rest_api", "aws_api_gateway_domain_name", "aws_apigatewayv2_domain_name",
    "aws_db_instance", "aws_eni",
)
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _names_and_ips(rec: Record) -> tuple[set[str], set[str]]:
    raw = rec.raw or {}
    names: set[str] = set()
    ips: set[str] = set()
    for f in _DNS_FIELDS:
        v = raw.get(f)
        if isinstance(v, dict):
            v = v.get("Address")
        if isinstance(v, str) and "." in v:
            names.add(_dns(v))
    for f in _IP_FIELDS:
        v = raw.get(f)
        if isinstance(v, str) and v:
            ips.add(v)
    assoc = mapping(raw.get("Association"))
    if assoc.get("PublicIp"):
        ips.add(str(assoc["PublicIp"]))
    if assoc.get("PublicDnsName"):
        names.add(_dns(assoc["PublicDnsName"]))
    for ni in dicts(raw.get("NetworkInterfaces")):
        a = mapping(ni.get("Association"))
        if a.get("PublicIp"):
            ips.add(str(a["PublicIp"]))
    if rec.type == "aws_api_gateway_rest_api" and raw.get("id"):
        # the default endpoint a CNAME may point at: {id}.execute-api.{region}.amazonaws.com
        arn_parts = str(rec.props.get("arn") or rec.key).split(":")
        region = rec.region or (arn_parts[3] if len(arn_parts) > 3 else "")
        if region:
            names.add(f"{raw['id']}.execute-api.{region}.amazonaws.com")
    for dvo in dicts(raw.get("DomainNameConfigurations")):
        if dvo.get("ApiGatewayDomainName"):
            names.add(_dns(dvo["ApiGatewayDomainName"]))
    for k in ("publicIp", "ipAddress", "publicIpAddress", "dnsName", "domainName"):
        v = rec.props.get(k)
        if isinstance(v, str) and v:
            if _IPV4.match(v) or ":" in v:
                ips.add(v)
            elif "." in v:
                names.add(_dns(v))
    return names, ips


def _inner(raw: dict[str, Any] | None, key: str) -> dict[str, Any]:
    raw = raw or {}
    inner = raw.get(key)
    return inner if isinstance(inner, dict) else raw


def _record_set(rec: Record) -> dict[str, Any]:
    return _inner(rec.raw, "ResourceRecordSet")


def dns_connections(view: GraphView) -> Iterator[Entity | Relationship]:
    by_name: dict[str, Record] = {}
    by_ip: dict[str, Record] = {}
    # Later types win a shared address: an instance or load balancer (the Host/Gateway
    # itself) over the EIP or network interface that carries its IP.
    rank = {"aws_eip": 0, "aws_eni": 1, "aws_instance": 3}
    order = sorted(_HOST_TYPES, key=lambda t: rank.get(t, 2))
    for rec in view.entities(*order):
        names, ips = _names_and_ips(rec)
        for n in names:
            by_name[n] = rec
        for ip in ips:
            by_ip[ip] = rec
    buckets = {str((b.raw or {}).get("Name") or b.props.get("name") or ""): b
               for b in view.entities("aws_s3_bucket")}
    record_names = {_dns(_record_set(r).get("Name")) for r in view.entities("aws_route53_record")}
    made: set[str] = set()
    for rec in view.entities("aws_route53_record"):
        rs = _record_set(rec)
        rtype = str(rs.get("Type") or rec.props.get("type") or "").upper()
        if rtype not in ("A", "AAAA", "CNAME"):
            continue
        own_name = _dns(rs.get("Name"))
        values: list[str] = []
        alias = mapping(rs.get("AliasTarget"))
        if alias.get("DNSName"):
            values.append(_dns(alias["DNSName"]))
        for rr in dicts(rs.get("ResourceRecords")):
            if rr.get("Value"):
                values.append(str(rr["Value"]).strip())
        for value in values:
            is_ip = rtype in ("A", "AAAA") and not alias
            target = by_ip.get(value) if is_ip else by_name.get(_dns(value))
            if target is None and not is_ip and ".s3-website" in f".{_dns(value)}":
                target = buckets.get(own_name)  # website hosting: the bucket is named after the record
            if target is not None:
                yield Relationship(rec.key, "CONNECTS", target.key, rec.type, target.type,
                                   {"recordType": rtype, "value": value}, mapped=False)
                continue
            if is_ip:
                key, typ, cls = f"host:{value}", "host", ("Host",)
                ph_props: dict[str, Any] = {"ipAddress": value,
                                            "ipv6Addresses" if ":" in value else "ipv4Addresses": [value]}
            else:
                name = _dns(value)
                if not name or name.endswith(".internal") or name in record_names:
                    continue  # another record of ours: it connects what it resolves to itself
                key, typ, cls = f"host:{name}", "host", ("Host",)
                ph_props = host_names(name)  # hostname: the first label; fqdn: the whole name
            if key not in made:
                made.add(key)
                yield placeholder(key, typ, cls, displayName=value, **ph_props)
            yield Relationship(rec.key, "CONNECTS", key, rec.type, typ, {"recordType": rtype, "value": value},
                               mapped=True)


def domain_zones(view: GraphView) -> Iterator[Entity | Relationship]:
    domains: dict[str, Record] = {}
    for d in view.entities("aws_route53_domain", "domain"):
        name = _dns(d.props.get("domainName") or d.props.get("name") or (d.raw or {}).get("DomainName"))
        if name:
            domains[name] = d
    made: set[str] = set()
    for zone in view.entities("aws_route53_zone"):
        hz = _inner(zone.raw, "HostedZone")
        if mapping(hz.get("Config")).get("PrivateZone") or zone.props.get("privateZone") is True:
            continue
        name = _dns(hz.get("Name") or zone.props.get("domainName") or zone.props.get("name"))
        if not name:
            continue
        domain = domains.get(name)
        if domain is None:
            # a sub-zone belongs to the registered domain it sits under
            labels = name.split(".")
            for i in range(1, len(labels) - 1):
                domain = domains.get(".".join(labels[i:]))
                if domain is not None:
                    break
        if domain is not None:
            yield Relationship(domain.key, "HAS", zone.key, domain.type, zone.type, {},
                               mapped=domain.type == "domain")
            continue
        key = f"domain:{name}"
        if key not in made:
            made.add(key)
            yield placeholder(key, "domain", ("Domain",), domainName=name, name=name, displayName=name)
        yield Relationship(key, "HAS", zone.key, "domain", zone.type, {}, mapped=True)


# --- VPC peering ----------------------------------------------------------------------------

_DEAD = {"deleted", "deleting", "rejected", "failed", "expired"}


def vpc_peering(view: GraphView) -> Iterator[Entity | Relationship]:
    vpcs: dict[str, Record] = {}
    for v in view.entities("aws_vpc"):
        vid = (v.raw or {}).get("VpcId") or v.props.get("vpcId")
        if vid:
            vpcs[str(vid)] = v
    made: set[str] = set()

    def end(info: dict[str, Any]) -> tuple[str, str, bool, Entity | None]:
        vid = str(info.get("VpcId") or "")
        rec = vpcs.get(vid)
        if rec is not None:
            return rec.key, rec.type, False, None
        owner = str(info.get("OwnerId") or "")
        region = str(info.get("Region") or "")
        key = f"arn:aws:ec2:{region}:{owner}:vpc/{vid}"
        ph = placeholder(key, "aws_vpc", ("Network",), vpcId=vid, accountId=owner or None,
                         region=region or None, CIDR=info.get("CidrBlock"), displayName=vid,
                         public=False, internal=True)  # what every VPC is (as collected ones say)
        return key, "aws_vpc", True, ph

    for pcx in view.entities("aws_vpc_peering_connection"):
        raw = pcx.raw or {}
        status = str(mapping(raw.get("Status")).get("Code") or raw.get("status") or "active").lower()
        if status in _DEAD:
            continue
        req, acc = mapping(raw.get("RequesterVpcInfo")), mapping(raw.get("AccepterVpcInfo"))
        if not req.get("VpcId") or not acc.get("VpcId"):
            continue
        a_key, a_type, a_ph, a_ent = end(req)
        b_key, b_type, b_ph, b_ent = end(acc)
        for ent in (a_ent, b_ent):
            if ent is not None and ent.key not in made:
                made.add(ent.key)
                yield ent
        props = {
            "vpcPeeringConnectionId": raw.get("VpcPeeringConnectionId"),
            "status": status,
            "crossAccount": bool(req.get("OwnerId") and acc.get("OwnerId")
                                 and req["OwnerId"] != acc["OwnerId"]),
            "crossRegion": bool(req.get("Region") and acc.get("Region") and req["Region"] != acc["Region"]),
            "requesterCIDR": req.get("CidrBlock"),
            "accepterCIDR": acc.get("CidrBlock"),
        }
        yield Relationship(a_key, "CONNECTS", b_key, a_type, b_type, props, mapped=a_ph or b_ph)

