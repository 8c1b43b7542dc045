"""Which regions a run reads."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

EXCLUDED_BY_DEFAULT = ("cn-", "us-gov-", "us-iso", "eu-isoe-")
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore's endpoint data knows, in every public partition."""
    session = boto3.Session()
    found: set[str] = set()
    for partition in PARTITIONS:
        for service in ("ec2", "sts", "s3"):
            found.update(session.get_available_regions(service, partition_name=partition))
    return frozenset(found)


def validate_regions(regions: list[str]) -> list[str]:
    unknown = [r for r in regions if r not in known_regions()]
    if unknown:
        raise ValueError(f"unknown region(s): {', '.join(unknown)}")
    return regions


def default_excluded(region: str) -> bool:
    return region.startswith(EXCLUDED_BY_DEFAULT)


def discover_regions(ec2_client: Any) -> tuple[list[str], str]:
    """Regions the account has enabled, without China, GovCloud or isolated partitions.

    Returns the regions and a note (empty unless discovery had to fall back).
    """
    try:
        resp = ec2_client.describe_regions()
    except (ClientError, BotoCoreError) as exc:
        fallback = sorted(r for r in boto3.Session().get_available_regions("ec2") if not default_excluded(r))
        return fallback, f"ec2:DescribeRegions failed ({exc}); using botocore's region list"
    regions = []
    for r in resp.get("Regions", []):
        name = r.get("RegionName", "")
        if default_excluded(name):
            continue
        if r.get("OptInStatus", "opt-in-not-required") not in ("opt-in-not-required", "opted-in"):
            continue
        regions.append(name)
    return sorted(set(regions)), ""
