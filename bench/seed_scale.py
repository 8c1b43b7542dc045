"""Seed a moto server with a large estate, for scale and speed benchmarks.

At ``--scale 1``: 5,000 EC2 instances spread over VPCs and subnets in several regions,
2,000 security groups with ingress rules (CIDR and SG-to-SG), 2,000 IAM roles each with an
inline and a customer-managed policy, 1,000 S3 buckets with bucket policies, 1,000 Lambda
functions, plus KMS keys and instance profiles. ``--scale 0.1`` seeds 10 % of each.

Start the server with ``MOTO_EC2_LOAD_DEFAULT_AMIS=false`` (``bench/harness.py moto`` does)::

    python bench/seed_scale.py --endpoint-url http://127.0.0.1:5000 --scale 1

Writes are batched where AWS allows it (``run_instances(MaxCount=100)``, one
``authorize_security_group_ingress`` per group) and run on a thread pool.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
FULL = {"instances": 5000, "security_groups": 2000, "roles": 2000, "buckets": 1000, "functions": 1000,
        "managed_policies": 200, "kms_keys": 40, "instance_profiles": 40}
VPCS_PER_REGION = 3
SUBNETS_PER_VPC = 4
BATCH = 100
ACCOUNT = "123456789012"
Nets = dict[str, list[tuple[str, str]]]  # region -> [(vpc_id, subnet_id)]


@dataclass
class Counts:
    instances: int
    security_groups: int
    roles: int
    buckets: int
    functions: int
    managed_policies: int
    kms_keys: int
    instance_profiles: int

    @classmethod
    def at(cls, scale: float) -> Counts:
        return cls(**{k: max(1, round(v * scale)) for k, v in FULL.items()})


class Seeder:
    def __init__(self, endpoint_url: str, regions: Iterable[str], workers: int = 8) -> None:
        self.url = endpoint_url.rstrip("/")
        self.regions = list(regions)
        self.workers = workers
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._config = Config(retries={"max_attempts": 10, "mode": "standard"}, max_pool_connections=64,
                              read_timeout=300)
        self.timings: dict[str, float] = {}

    def client(self, service: str, region: str = "us-east-1") -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = boto3.client(
                    service, endpoint_url=self.url, region_name=region, config=self._config,
                    aws_access_key_id="testing", aws_secret_access_key="testing")
            return self._clients[key]

    def _parallel(self, label: str, fn: Callable[[Any], object], items: Iterable[Any],
                  workers: int | None = None) -> list[Any]:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers or self.workers) as pool:
            out = list(pool.map(fn, items))
        self.timings[label] = round(time.perf_counter() - t0, 2)
        return out

    def configure_moto(self) -> None:
        body = json.dumps({"lambda": {"use_docker": False}, "batch": {"use_docker": False}}).encode()
        req = urllib.request.Request(f"{self.url}/moto-api/config", data=body, method="POST")
        urllib.request.urlopen(req, timeout=30).read()

    # -- network -----------------------------------------------------------------------------
    def networks(self) -> dict[str, list[tuple[str, str]]]:
        """Per region, a list of (vpc_id, subnet_id)."""

        def one(region: str) -> tuple[str, list[tuple[str, str]]]:
            ec2 = self.client("ec2", region)
            out = []
            for v in range(VPCS_PER_REGION):
                vpc = ec2.create_vpc(CidrBlock=f"10.{v}.0.0/16", TagSpecifications=[
                    {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"scale-vpc-{v}"}]}])["Vpc"]
                igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
                ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc["VpcId"])
                for s in range(SUBNETS_PER_VPC):
                    sub = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=f"10.{v}.{s}.0/24")["Subnet"]
                    out.append((vpc["VpcId"], sub["SubnetId"]))
            return region, out

        return dict(self._parallel("vpcs+subnets", one, self.regions))

    def security_groups(self, n: int, nets: Nets) -> dict[tuple[str, str], list[str]]:
        """``n`` groups spread over the VPCs; each allows 443 from the internet, 22 from 10/8 and
        all traffic from the previous group in its VPC."""
        plan = []
        for i in range(n):
            region = self.regions[i % len(self.regions)]
            vpc_ids = sorted({v for v, _ in nets[region]})
            plan.append((i, region, vpc_ids[(i // len(self.regions)) % len(vpc_ids)]))

        def create(item: tuple[int, str, str]) -> tuple[str, str, str]:
            i, region, vpc = item
            gid = self.client("ec2", region).create_security_group(
                GroupName=f"scale-sg-{i}", Description=f"scale group {i}", VpcId=vpc)["GroupId"]
            return region, vpc, gid

        made = self._parallel("security_groups", create, plan)
        by_vpc: dict[tuple[str, str], list[str]] = {}
        for region, vpc, gid in made:
            by_vpc.setdefault((region, vpc), []).append(gid)

        def rules(item: tuple[tuple[str, str], list[str]]) -> None:
            (region, _vpc), gids = item
            ec2 = self.client("ec2", region)
            for k, gid in enumerate(gids):
                perms: list[dict[str, Any]] = [
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                     "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}]},
                    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                     "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
                ]
                if k:
                    perms.append({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": gids[k - 1]}]})
                ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)

        self._parallel("security_group_rules", rules, list(by_vpc.items()))
        return by_vpc

    # -- iam -----------------------------------------------------------------------------------
    def iam(self, counts: Counts) -> tuple[list[str], list[str]]:
        # One writer: moto's IAM backend iterates its role dict unlocked ("dictionary changed size
        # during iteration" as an HTML 500 under concurrent create_role/put_role_policy).
        iam = self.client("iam")

        def policy(i: int) -> str:
            doc = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                 "Resource": [f"arn:aws:s3:::scale-bucket-{i:05d}", f"arn:aws:s3:::scale-bucket-{i:05d}/*"]},
                {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}
            return str(iam.create_policy(PolicyName=f"scale-policy-{i}", PolicyDocument=json.dumps(doc),
                                         Path="/scale/")["Policy"]["Arn"])

        policies = self._parallel("managed_policies", policy, range(counts.managed_policies), workers=1)

        def role(i: int) -> str:
            service = "lambda.amazonaws.com" if i % 2 else "ec2.amazonaws.com"
            trust = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
            if i % 10 == 0:  # some roles trust another account (cross-account edges)
                trust["Statement"].append({"Effect": "Allow", "Action": "sts:AssumeRole",
                                           "Principal": {"AWS": "arn:aws:iam::210987654321:root"}})
            name = f"scale-role-{i:05d}"
            arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                                      Tags=[{"Key": "team", "Value": f"t{i % 17}"}])["Role"]["Arn"])
            inline = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "logs:*" if i % 3 else "*", "Resource": "*"}]}
            iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(inline))
            iam.attach_role_policy(RoleName=name, PolicyArn=policies[i % len(policies)])
            return arn

        roles = self._parallel("roles", role, range(counts.roles), workers=1)

        def profile(i: int) -> str:
            name = f"scale-profile-{i}"
            prof = iam.create_instance_profile(InstanceProfileName=name)["InstanceProfile"]
            iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=f"scale-role-{2 * i:05d}")
            return str(prof["Arn"])

        n_profiles = min(counts.instance_profiles, (counts.roles + 1) // 2)
        profiles = self._parallel("instance_profiles", profile, range(n_profiles), workers=1)
        return roles, profiles

    # -- compute -------------------------------------------------------------------------------
    def instances(self, n: int, nets: Nets, sgs: dict[tuple[str, str], list[str]],
                  profiles: list[str]) -> None:
        plan = []
        k = 0
        left = n
        while left > 0:
            region = self.regions[k % len(self.regions)]
            vpc, subnet = nets[region][(k // len(self.regions)) % len(nets[region])]
            plan.append((k, region, vpc, subnet, min(BATCH, left)))
            left -= BATCH
            k += 1

        def batch(item: tuple[int, str, str, str, int]) -> int:
            k, region, vpc, subnet, count = item
            ec2 = self.client("ec2", region)
            in_vpc = sgs.get((region, vpc), [])
            groups = [in_vpc[(k + j) % len(in_vpc)] for j in range(min(2, len(in_vpc)))]
            args: dict[str, Any] = dict(
                ImageId="ami-0abcdef1234567890", MinCount=count, MaxCount=count,
                InstanceType=("t3.micro", "m5.large", "c6g.xlarge")[k % 3], SubnetId=subnet,
                TagSpecifications=[{"ResourceType": "instance", "Tags": [
                    {"Key": "Name", "Value": f"scale-batch-{k}"},
                    {"Key": "env", "Value": ("prod", "dev")[k % 2]}]}],
                MetadataOptions={"HttpTokens": "required" if k % 2 else "optional"})
            if groups:
                args["SecurityGroupIds"] = groups
            if profiles and k % 3 == 0:
                args["IamInstanceProfile"] = {"Arn": profiles[k % len(profiles)]}
            return len(ec2.run_instances(**args)["Instances"])

        made = self._parallel("instances", batch, plan)
        assert sum(made) == n, (sum(made), n)

    def buckets(self, n: int) -> None:
        def one(i: int) -> None:
            region = self.regions[i % len(self.regions)]
            s3 = self.client("s3", region)
            name = f"scale-bucket-{i:05d}"
            kwargs: dict[str, Any] = {"Bucket": name}
            if region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
            s3.create_bucket(**kwargs)
            principal: Any = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/scale-role-{i:05d}"}
            if i % 25 == 0:  # a few public buckets
                principal = "*"
            policy = {"Version": "2012-10-17", "Statement": [
                {"Sid": "read", "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{name}/*"}]}
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))

        self._parallel("buckets", one, range(n))

    def functions(self, n: int, roles: list[str]) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("lambda_function.py", "def handler(event, context):\n    return {'ok': True}\n")
        code = buf.getvalue()
        lambda_roles = [r for i, r in enumerate(roles) if i % 2] or roles

        def one(i: int) -> None:
            region = self.regions[i % len(self.regions)]
            self.client("lambda", region).create_function(
                FunctionName=f"scale-fn-{i:05d}", Runtime="python3.11",
                Role=lambda_roles[i % len(lambda_roles)],
                Handler="lambda_function.handler", Code={"ZipFile": code}, Timeout=30, MemorySize=128,
                Environment={"Variables": {"STAGE": "bench"}}, Tags={"team": f"t{i % 17}"})

        self._parallel("functions", one, range(n))

    def kms(self, n: int) -> None:
        def one(i: int) -> None:
            kms = self.client("kms", self.regions[i % len(self.regions)])
            key = kms.create_key(Description=f"scale key {i}", Tags=[{"TagKey": "n", "TagValue": str(i)}])
            kms.create_alias(AliasName=f"alias/scale-{i}", TargetKeyId=key["KeyMetadata"]["KeyId"])

        self._parallel("kms_keys", one, range(n))

    def seed(self, counts: Counts) -> dict[str, Any]:
        t0 = time.perf_counter()
        self.configure_moto()
        nets = self.networks()
        roles, profiles = self.iam(counts)
        sgs = self.security_groups(counts.security_groups, nets)
        self.instances(counts.instances, nets, sgs, profiles)
        self.buckets(counts.buckets)
        self.functions(counts.functions, roles)
        self.kms(counts.kms_keys)
        n_subnets = sum(len(v) for v in nets.values())
        return {
            "regions": self.regions,
            "counts": {**asdict(counts), "instance_profiles": len(profiles),
                       "vpcs": VPCS_PER_REGION * len(self.regions), "subnets": n_subnets},
            "seconds": round(time.perf_counter() - t0, 1),
            "phases": self.timings,
        }


def seed_scale(endpoint_url: str, scale: float = 1.0, regions: Iterable[str] = DEFAULT_REGIONS,
               workers: int = 8) -> dict[str, Any]:
    """Seed the scale estate; returns what was made and how long each phase took."""
    return Seeder(endpoint_url, regions, workers).seed(Counts.at(scale))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint-url", required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--regions", default=",".join(DEFAULT_REGIONS))
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--out", help="also write the report as JSON here")
    args = ap.parse_args(argv)
    if not args.endpoint_url.startswith(("http://127.", "http://localhost")):
        ap.error("seed only a local moto server (http://127.0.0.1:PORT)")
    report = seed_scale(args.endpoint_url, args.scale, args.regions.split(","), args.workers)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
