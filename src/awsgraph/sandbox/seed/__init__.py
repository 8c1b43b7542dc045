"""Seed the sandbox with a sample estate of our own design, in the demo account.

Everything is created through the same assume-role path a real account takes. Each
service group has its own module exposing ``seed(estate)``; ``SEEDERS`` lists them in
the order they run (later ones may use what earlier ones made, via ``estate.made``).
The estate deliberately contains risky configurations (open SSH, a public bucket, a
public snapshot, an admin user without MFA, a role trusted by an outside account) and
secrets in places the collector must never copy (user data, access key secrets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from awsgraph.sandbox.demo_account import DEMO_ACCOUNT, DEMO_REGIONS, DEMO_ROLE_ARN
from awsgraph.sandbox.seed import core_ec2, core_iam, core_kms, core_s3

# Values planted in the estate that must never appear in awsgraph's output.
PLANTED_SECRETS = ("hunter2-demo-db-password", "sk_live_demo_51HxSECRET", "demo-lambda-env-secret-value",
                   "demo-secretsmanager-value-5e2b")


@dataclass
class Estate:
    endpoint_url: str
    regions: tuple[str, ...]
    session: boto3.Session
    made: dict[str, Any] = field(default_factory=dict)
    account: str = DEMO_ACCOUNT
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        # One client per (service, region): creating a botocore client costs ~60 ms, seeding asks ~90 times.
        key = (service, region or self.regions[0])
        if key not in self._clients:
            self._clients[key] = self.session.client(  # type: ignore[call-overload]
                service, region_name=key[1], endpoint_url=self.endpoint_url)
        return self._clients[key]


SEEDERS: list[Callable[[Estate], None]] = [core_kms.seed, core_iam.seed, core_ec2.seed, core_s3.seed]

for _name in ("compute", "edge"):
    try:  # seeders that later issues add (compute/data services, edge/monitoring services)
        SEEDERS.append(__import__(f"awsgraph.sandbox.seed.{_name}", fromlist=["seed"]).seed)
    except ModuleNotFoundError as _exc:
        if _exc.name != f"awsgraph.sandbox.seed.{_name}":
            raise


def assumed_session(endpoint_url: str, role_arn: str = DEMO_ROLE_ARN) -> boto3.Session:
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint_url)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="awsgraph-seed", ExternalId="seed")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])


def seed_estate(endpoint_url: str, regions: tuple[str, ...] = DEMO_REGIONS) -> Estate:
    estate = Estate(endpoint_url, tuple(regions), assumed_session(endpoint_url))
    for seeder in SEEDERS:
        seeder(estate)
    return estate
