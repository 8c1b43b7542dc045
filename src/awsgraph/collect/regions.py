"""Which regions a run reads."""

from __future__ import annotations

import functools
import threading
from typing import Any

import botocore.session
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import Loader
from botocore.regions import EndpointResolver

EXCLUDED_BY_DEFAULT = ("cn-", "us-gov-", "us-iso", "eu-isoe-")
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


# Clients whose endpoint prefix is not their name. botocore reads the prefix from the full
# service model; this table spares loading every model just to plan the run
# (tests/collect/test_regions.py checks it against botocore for every catalog service).
ENDPOINT_PREFIX = {
    "accessanalyzer": "access-analyzer", "cloudwatch": "monitoring", "ecr": "api.ecr",
    "efs": "elasticfilesystem", "elb": "elasticloadbalancing", "elbv2": "elasticloadbalancing",
    "opensearch": "es",
}

_loader: Loader | None = None
_loader_lock = threading.Lock()


def botocore_session(profile: str | None = None) -> botocore.session.Session:
    """A botocore session that shares one data loader with every other one in the process.

    Each loader lists botocore's ~400 service directories and parses each model it is asked
    for; sharing it means that happens once per process rather than once per session.
    """
    global _loader
    session = botocore.session.Session(profile=profile)
    with _loader_lock:
        if _loader is None:
            _loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _loader)
    return session


@functools.cache
def _resolver() -> EndpointResolver:
    loader = botocore_session().get_component("data_loader")
    endpoints, path = loader.load_data_with_path("endpoints")
    return EndpointResolver(endpoints, uses_builtin_data=loader.is_builtin_path(path))


def available_regions(service: str, partition: str = "aws") -> list[str]:
    """Regions botocore's endpoint data lists for a client name (``elbv2``) in a partition."""
    return list(_resolver().get_available_endpoints(ENDPOINT_PREFIX.get(service, service), partition))


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore's endpoint data knows, in every public partition."""
    found: set[str] = set()
    for partition in PARTITIONS:
        for service in ("ec2", "sts", "s3"):
            found.update(available_regions(service, partition))
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
        fallback = sorted(r for r in available_regions("ec2") if not default_excluded(r))
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
