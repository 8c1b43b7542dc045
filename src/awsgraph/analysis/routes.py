"""Implicit route-table associations: a subnet with no explicit one uses its VPC's main table."""

from __future__ import annotations

from collections.abc import Iterator

from awsgraph.analysis.view import GraphView
from awsgraph.model import Relationship


def main_route_tables(view: GraphView) -> Iterator[Relationship]:
    explicit: set[str] = set()
    main: dict[tuple[str | None, str], str] = {}
    for rt in view.entities("aws_route_table"):
        for assoc in rt.raw.get("Associations") or []:
            if not isinstance(assoc, dict):
                continue
            if assoc.get("SubnetId"):
                explicit.add(str(assoc["SubnetId"]))
            if assoc.get("Main") and rt.raw.get("VpcId"):
                main[(rt.account, str(rt.raw["VpcId"]))] = rt.key
    for subnet in view.entities("aws_subnet"):
        sid = str(subnet.props.get("id") or subnet.raw.get("SubnetId") or "")
        vpc = subnet.props.get("vpcId")
        target = main.get((subnet.account, str(vpc)))
        if sid and sid not in explicit and target:
            yield Relationship(subnet.key, "USES", target, "aws_subnet", "aws_route_table", {"implicit": True})
