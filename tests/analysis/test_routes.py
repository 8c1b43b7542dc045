"""Subnets without an explicit route-table association use their VPC's main table."""

from __future__ import annotations

from awsgraph.analysis.routes import main_route_tables
from awsgraph.analysis.view import GraphView, Record


def test_implicit_main_route_table() -> None:
    acct = {"accountId": "111122223333"}
    main = Record("rt-main", "aws_route_table", acct,
                  {"VpcId": "vpc-1", "Associations": [{"Main": True, "RouteTableId": "rt-main"}]})
    custom = Record("rt-2", "aws_route_table", acct, {"VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-b"}]})
    other_vpc = Record("rt-9", "aws_route_table", acct, {"VpcId": "vpc-9", "Associations": [{"Main": True}]})
    a = Record("sa", "aws_subnet", {**acct, "id": "subnet-a", "vpcId": "vpc-1"}, {"SubnetId": "subnet-a"})
    b = Record("sb", "aws_subnet", {**acct, "id": "subnet-b", "vpcId": "vpc-1"}, {"SubnetId": "subnet-b"})
    rels = list(main_route_tables(GraphView([main, custom, other_vpc, a, b])))
    assert [(r.from_key, r.verb, r.to_key) for r in rels] == [("sa", "USES", "rt-main")]
    assert rels[0].type == "aws_subnet_uses_route_table"
