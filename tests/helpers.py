"""Run the real collector against in-process moto and read the result back from the store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from awsgraph.catalog import CATALOG, Spec
from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.run import RunSummary, open_session, run_collection
from awsgraph.store.sqlite import SQLiteStore


@dataclass
class Collected:
    summary: RunSummary
    entities: list[dict[str, Any]]
    relationships: list[dict[str, Any]]
    raw: dict[str, Any] = field(default_factory=dict)

    def of_type(self, etype: str) -> list[dict[str, Any]]:
        return [e for e in self.entities if e["_type"] == etype]

    def one(self, etype: str, **match: Any) -> dict[str, Any]:
        found = [e for e in self.of_type(etype) if all(e.get(k) == v for k, v in match.items())]
        if len(found) != 1:  # say what the steps of that type did, to tell a failed read from a wrong match
            steps = [(s.region, s.status, s.reason, s.entities, s.calls) for s in self.summary.steps if s.step == etype]
            ids = [e.get("id") for e in self.of_type(etype)]
            raise AssertionError(f"expected one {etype} with {match}, found {len(found)}; stored ids {ids[:10]};"
                                 f" steps (region, status, reason, entities, calls) {steps}")
        return found[0]

    def rels(self, rtype: str) -> list[dict[str, Any]]:
        return [r for r in self.relationships if r["_type"] == rtype]

    def has_rel(self, from_key: str, verb: str, to_key: str) -> bool:
        return any(r["_fromEntityKey"] == from_key and r["_class"] == verb and r["_toEntityKey"] == to_key
                   for r in self.relationships)

    def step(self, name: str, region: str | None = None) -> Any:
        found = [s for s in self.summary.steps if s.step == name and (region is None or s.region == region)]
        assert found, f"no step {name} in {region}"
        return found[0]

    def dump(self) -> str:
        return json.dumps({"entities": self.entities, "relationships": self.relationships}, default=str)


def collect(db: str, *, regions: Sequence[str] = ("us-east-1",), services: Sequence[str] | None = None,
            catalog: Sequence[Spec] = CATALOG, **cfg: Any) -> Collected:
    """Collect with the production code path (session, engine, store, resolver) into ``db``."""
    config = InstanceConfig(regions=list(regions), services=list(services) if services else None, db=db,
                            workers=cfg.pop("workers", 8), max_attempts=cfg.pop("max_attempts", 2), **cfg)
    session = open_session(config)
    store = SQLiteStore(db)
    try:
        summary = run_collection(config, session, store, catalog=catalog)
        entities = [e.props for e in store.iter_entities()]
        rels = list(store.relationships())
        raw = {e.key: e.props.get("__raw__") for e in store.iter_entities(with_raw=True)}
    finally:
        store.close()
    return Collected(summary, entities, rels, raw)


def public_and_private_subnets(ec2: Any) -> tuple[str, str, str, str]:
    """A VPC whose two subnets both hand out public addresses, only one with a route to an internet
    gateway, and a security group ``web`` open to the world on 443: ``(public, private, sg, vpc)``."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    for subnet in (public, private):  # both hand out public addresses: only the route differs
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt_public = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rt_public, SubnetId=public)
    rt_private = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=rt_private, SubnetId=private)
    sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return public, private, sg, vpc
