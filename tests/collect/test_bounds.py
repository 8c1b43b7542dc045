"""Every loop over what an API answers has a bound, and reaching one makes the step partial."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from awsgraph.catalog import ec2
from awsgraph.catalog.spec import Custom, FetchContext, Resource
from awsgraph.collect.config import build_config
from awsgraph.collect.engine import Collector, CollectResult, Options
from awsgraph.collect.session import AwsSession
from awsgraph.model import Entity


def _vpc(i: int) -> dict[str, Any]:
    return {"VpcId": f"vpc-{i:08x}", "CidrBlock": "10.0.0.0/16", "State": "available"}


def _run(specs: tuple[Any, ...], options: Options, stub: list[dict[str, Any]] | None = None
         ) -> tuple[CollectResult, list[Entity], AwsSession]:
    session = AwsSession(max_attempts=1)
    staged: list[Entity] = []
    if stub is not None:
        stubber = Stubber(session.client("ec2", "us-east-1"))
        for page in stub:
            stubber.add_response("describe_vpcs", page)
        stubber.activate()
    result = Collector(session, specs, sink=staged.extend, options=options).run()
    return result, staged, session


def _step(result: CollectResult, name: str) -> Any:
    return next(s for s in result.steps if s.step == name)


def test_a_cycling_pagination_stops_at_the_first_repeated_token(aws: None) -> None:
    """A -> B -> A: botocore only notices a token repeated back to back; the engine notices any."""
    pages = [{"Vpcs": [_vpc(1)], "NextToken": "A"}, {"Vpcs": [_vpc(2)], "NextToken": "B"},
             {"Vpcs": [_vpc(3)], "NextToken": "A"}, {"Vpcs": [_vpc(4)], "NextToken": "B"}]
    result, staged, _ = _run((ec2.VPC,), Options(regions=["us-east-1"], workers=2), pages)
    step = _step(result, "aws_vpc")
    assert step.status == "partial" and "token repeated after 3 pages" in step.reason
    assert sorted(e.props["id"] for e in staged if e.type == "aws_vpc") == [_vpc(i)["VpcId"] for i in (1, 2, 3)]
    assert ("123456789012", "us-east-1", "aws_vpc") in result.partial_scopes  # nothing will be deleted


def test_a_token_repeated_back_to_back_is_partial_too(aws: None) -> None:
    pages = [{"Vpcs": [_vpc(1)], "NextToken": "A"}, {"Vpcs": [_vpc(2)], "NextToken": "A"}]
    result, _, _ = _run((ec2.VPC,), Options(regions=["us-east-1"], workers=2), pages)
    step = _step(result, "aws_vpc")
    assert step.status == "partial" and "token repeated" in step.reason


def test_pages_per_call_are_capped(aws: None) -> None:
    pages = [{"Vpcs": [_vpc(i)], "NextToken": f"t{i}"} for i in range(10)]
    result, staged, _ = _run((ec2.VPC,), Options(regions=["us-east-1"], workers=2, max_pages=3), pages)
    step = _step(result, "aws_vpc")
    assert step.status == "partial" and "stopped at 3 pages (--max-pages)" in step.reason and step.capped
    assert len([e for e in staged if e.type == "aws_vpc"]) == 3


def test_items_per_call_are_capped(aws: None) -> None:
    page = {"Vpcs": [_vpc(i) for i in range(5000)]}
    result, staged, _ = _run((ec2.VPC,), Options(regions=["us-east-1"], workers=2, max_items=700), [page])
    step = _step(result, "aws_vpc")
    assert step.status == "partial" and "stopped at 700 items (--max-items)" in step.reason
    assert len([e for e in staged if e.type == "aws_vpc"]) == 700


def test_detail_calls_per_step_are_capped(aws: None) -> None:
    client = boto3.client("ec2", region_name="us-east-1")
    volume = client.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    for _ in range(5):
        client.create_snapshot(VolumeId=volume)
    result, staged, session = _run((ec2.SNAPSHOT,), Options(regions=["us-east-1"], workers=2, max_details=2))
    step = _step(result, "aws_ebs_snapshot")
    assert step.status == "partial" and "stopped after 2 detail calls (--max-details)" in step.reason
    snapshots = [e for e in staged if e.type == "aws_ebs_snapshot"]
    assert len(snapshots) == 5 and sum(e.incomplete for e in snapshots) == 3  # built, without the details
    assert session.stats.calls["ec2:DescribeSnapshotAttribute"] == 2


def test_a_custom_step_yielding_forever_is_capped(aws: None) -> None:
    def endless(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
        for i in itertools.count():
            yield "test_endless", {"Id": str(i)}

    endless_type = Resource(type="test_endless", cls=("Configuration",), service="ec2", call=None, id="Id",
                            tags=None, service_has=False)
    custom = Custom(name="endless", service="ec2", fetch=endless, produces=("test_endless",), operations=())
    result, staged, _ = _run((custom, endless_type), Options(regions=["us-east-1"], workers=2, max_items=50))
    step = _step(result, "endless")
    assert step.status == "partial" and "stopped at 50 items" in step.reason
    assert len([e for e in staged if e.type == "test_endless"]) == 50


def test_bounds_are_settable_and_validated() -> None:
    cfg = build_config({"maxPages": 7}, {}, {"maxItems": "9", "maxDetails": 0}, ["ec2"])
    assert (cfg.max_pages, cfg.max_items, cfg.max_details) == (7, 9, 0)
    default = build_config({}, {}, {}, ["ec2"])
    assert (default.max_pages, default.max_items, default.max_details) == (5_000, 100_000, 25_000)
    from awsgraph.collect.config import ConfigError

    with pytest.raises(ConfigError, match="maxPages must be between"):
        build_config({}, {}, {"maxPages": 0}, ["ec2"])
