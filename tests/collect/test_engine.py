"""The engine's own mechanics on a tiny catalog of real specs against moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3

from awsgraph.catalog import account, ec2
from awsgraph.catalog.spec import Custom, FetchContext, Resource
from tests.helpers import collect


def _after_vpcs(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
    vpcs = ctx.client("ec2").describe_vpcs()["Vpcs"]
    yield "test_vpc_count", {"Id": f"count-{ctx.region}", "Count": len(vpcs)}


COUNT = Resource(type="test_vpc_count", cls=("Configuration",), service="ec2", call=None, id="Id",
                 props={"count": "Count"}, tags=None, service_has=False)


def test_custom_step_waits_for_its_dependencies_and_caps_are_reported(aws: None, db_path: str) -> None:
    client = boto3.client("ec2", region_name="us-east-1")
    for i in range(4):
        client.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    capped_vpc = Resource(**{**ec2.VPC.__dict__, "cap": 2})
    custom = Custom(name="vpc_counter", service="ec2", fetch=_after_vpcs, produces=("test_vpc_count",),
                    operations=("ec2:describe_vpcs",), depends_on=("aws_vpc",))
    got = collect(db_path, catalog=(*account.SPECS, custom, COUNT, capped_vpc))
    vpc_step = got.step("aws_vpc", "us-east-1")
    assert vpc_step.entities == 2 and "capped at 2" in vpc_step.capped
    counter = got.one("test_vpc_count")
    assert counter["count"] == 5  # four created plus the default VPC
    assert got.step("vpc_counter", "us-east-1").status == "success"


def test_dependent_step_opens_after_the_steps_it_depends_on(aws: None) -> None:
    from awsgraph.collect.engine import Collector, Options
    from awsgraph.collect.session import AwsSession

    custom = Custom(name="vpc_counter", service="ec2", fetch=_after_vpcs, produces=("test_vpc_count",),
                    operations=("ec2:describe_vpcs",), depends_on=("aws_vpc",))
    staged: list[Any] = []
    collector = Collector(AwsSession(), (*account.SPECS, custom, COUNT, ec2.VPC, ec2.SUBNET),
                          sink=staged.extend, options=Options(regions=["us-east-1"], workers=4))
    collector.run()
    steps = {(s.spec.type if isinstance(s.spec, Resource) else s.spec.name): s for s in collector._steps}
    assert steps["vpc_counter"].started >= (steps["aws_vpc"].ended or 0) > 0
    assert any(e.type == "test_vpc_count" for e in staged)


def test_no_per_item_calls_where_the_list_returns_the_data(aws: None, db_path: str) -> None:
    got = collect(db_path, services=["ec2", "kms"], regions=("us-east-1", "eu-west-1"))
    assert got.summary.calls >= 2 * 15  # every ec2 list call in both regions
    for step in got.summary.steps:
        if step.service == "ec2" and step.step not in ("aws_ebs_snapshot",):
            assert step.calls <= 1, step


def test_clients_are_created_once_and_reused(aws: None) -> None:
    from awsgraph.collect.session import AwsSession

    session = AwsSession()
    assert session.client("ec2", "us-east-1") is session.client("ec2", "us-east-1")
    assert session.client("ec2", "us-east-1") is not session.client("ec2", "eu-west-1")


def _vpc_ids(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
    for vpc in ctx.client("ec2").describe_vpcs()["Vpcs"]:
        # only tagged VPCs carry something to look up; the rest must not cost a call
        yield "test_vpc_attr", {"Id": vpc["VpcId"], "LookUp": vpc["VpcId"] if vpc.get("Tags") else None}


def test_items_of_a_custom_step_get_their_types_details(aws: None, db_path: str) -> None:
    from awsgraph.catalog.spec import Detail

    client = boto3.client("ec2", region_name="us-east-1")
    tagged = [client.create_vpc(CidrBlock=f"10.{i}.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "n", "Value": str(i)}]}])["Vpc"]["VpcId"] for i in range(3)]
    attr = Resource(type="test_vpc_attr", cls=("Configuration",), service="ec2", call=None, id="Id", tags=None,
                    service_has=False, props={"dns": "Dns", "vpcs": "Found"},
                    details=(Detail("describe_vpc_attribute", into="Dns", params={"VpcId": "LookUp"},
                                    static={"Attribute": "enableDnsSupport"}, result="EnableDnsSupport.Value"),
                             Detail("describe_vpcs", into="*", stage=1, params={"VpcIds": "[LookUp]"},
                                    result="{Found: length(Vpcs)}")))
    custom = Custom(name="vpc_ids", service="ec2", fetch=_vpc_ids, produces=("test_vpc_attr",),
                    operations=("ec2:describe_vpcs",))
    got = collect(db_path, catalog=(*account.SPECS, custom, attr), regions=("us-east-1",))
    rows = {r["_key"]: r for r in got.of_type("test_vpc_attr")}
    assert len(rows) == 4  # three tagged plus the default VPC
    for key, row in rows.items():
        expected = (True, 1) if key.rsplit(":", 1)[-1] in tagged else (None, None)
        assert (row.get("dns"), row.get("vpcs")) == expected, key
    assert got.step("vpc_ids", "us-east-1").calls == 1 + 2 * 3  # the list, then two calls per tagged VPC
