"""Seed a moto server with an AWS Organization: a management account and N members.

Each account (the management account too) gets a few hundred resources of mixed services in
one region: IAM users, roles (inline and customer-managed policies; one role trusts a role of
the next account: cross-account trusts), a VPC with subnets, security groups and instances,
S3 buckets (one with a policy naming the next account), Lambda functions and KMS keys. Each
member's VPC is peered with the next member's. The organization has a ``prod`` and a ``dev``
OU; an SCP on ``prod`` denies ``s3:DeleteBucket``. Members are reached the way a collector
reaches them, through ``OrganizationAccountAccessRole``.

    python bench/seed_org.py --endpoint-url http://127.0.0.1:5000 --members 20
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import sys
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

MANAGEMENT = "123456789012"
MEMBER_ROLE = "OrganizationAccountAccessRole"
REGION = "us-east-1"
PER_ACCOUNT = {"users": 10, "roles": 30, "policies": 5, "subnets": 3, "security_groups": 15, "instances": 20,
               "buckets": 15, "functions": 8, "kms_keys": 3}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@dataclass
class OrgEstate:
    organization_id: str
    management: str
    members: list[str]
    regions: list[str]
    per_account: dict[str, int]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"organizationId": self.organization_id, "management": self.management, "members": self.members,
                "regions": self.regions, "perAccount": self.per_account, "seconds": round(self.seconds, 1)}


class OrgSeeder:
    def __init__(self, url: str, workers: int = 6) -> None:
        self.url = url.rstrip("/")
        self.workers = workers
        self.config = Config(retries={"max_attempts": 10, "mode": "standard"}, max_pool_connections=32,
                             read_timeout=300)

    def _management(self) -> boto3.Session:
        return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)

    def session(self, account: str) -> boto3.Session:
        if account == MANAGEMENT:
            return self._management()
        sts = self._management().client("sts", endpoint_url=self.url, config=self.config)
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{MEMBER_ROLE}", RoleSessionName="seed",
                                DurationSeconds=43200)["Credentials"]
        return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                             aws_session_token=creds["SessionToken"], region_name=REGION)

    def client(self, session: boto3.Session, service: str) -> Any:
        return session.client(service, endpoint_url=self.url, config=self.config)

    def configure_moto(self) -> None:
        body = json.dumps({"lambda": {"use_docker": False}, "batch": {"use_docker": False}}).encode()
        req = urllib.request.Request(f"{self.url}/moto-api/config", data=body, method="POST")
        urllib.request.urlopen(req, timeout=30).read()

    def organization(self, members: int) -> tuple[str, list[str]]:
        org = self.client(self._management(), "organizations")
        org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
        root = org.list_roots()["Roots"][0]["Id"]
        org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        ous = {name: org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
               for name in ("prod", "dev")}
        scp = org.create_policy(Name="no-bucket-deletes", Description="prod keeps its buckets",
                                Type="SERVICE_CONTROL_POLICY",
                                Content=_doc({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}))
        org.attach_policy(PolicyId=scp["Policy"]["PolicySummary"]["Id"], TargetId=ous["prod"])
        ids = []
        for i in range(members):
            req = org.create_account(AccountName=f"member-{i:02d}", Email=f"aws+member-{i:02d}@example.com")
            aid = org.describe_create_account_status(
                CreateAccountRequestId=req["CreateAccountStatus"]["Id"])["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=aid, SourceParentId=root, DestinationParentId=ous["prod" if i % 2 else "dev"])
            ids.append(str(aid))
        return str(org_id), ids

    def account(self, account: str, peer: str) -> str:
        """One account's resources; returns its VPC id (for peering)."""
        n = PER_ACCOUNT
        s = self.session(account)
        iam = self.client(s, "iam")
        policies = [iam.create_policy(PolicyName=f"app-policy-{i}", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": [f"arn:aws:s3:::data-{account}-{i}", f"arn:aws:s3:::data-{account}-{i}/*"]},
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}))["Policy"]["Arn"]
            for i in range(n["policies"])]
        for i in range(n["users"]):
            iam.create_user(UserName=f"user-{i}", Tags=[{"Key": "team", "Value": f"t{i % 3}"}])
            iam.attach_user_policy(UserName=f"user-{i}", PolicyArn=policies[i % len(policies)])
        roles = []
        for i in range(n["roles"]):
            principal: dict[str, Any] = {"Service": "lambda.amazonaws.com" if i % 2 else "ec2.amazonaws.com"}
            if i == 0:  # trusts the next account's role: a cross-account edge
                principal = {"AWS": f"arn:aws:iam::{peer}:role/app-role-1"}
            roles.append(iam.create_role(RoleName=f"app-role-{i}", AssumeRolePolicyDocument=_doc(
                {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}))["Role"]["Arn"])
            iam.put_role_policy(RoleName=f"app-role-{i}", PolicyName="inline", PolicyDocument=_doc(
                {"Effect": "Allow", "Action": "*" if i == 2 else "logs:*", "Resource": "*"}))
            iam.attach_role_policy(RoleName=f"app-role-{i}", PolicyArn=policies[i % len(policies)])
        ec2 = self.client(s, "ec2")
        octet = int(account[-2:]) % 250
        vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.{k}.0/24")["Subnet"]["SubnetId"]
                   for k in range(n["subnets"])]
        groups = []
        for k in range(n["security_groups"]):
            gid = ec2.create_security_group(GroupName=f"sg-{k}", Description=f"group {k}", VpcId=vpc)["GroupId"]
            perms: list[dict[str, Any]] = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
            if groups:
                perms.append({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": groups[-1]}]})
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
            groups.append(gid)
        ec2.run_instances(ImageId="ami-0abcdef1234567890", MinCount=n["instances"], MaxCount=n["instances"],
                          InstanceType="t3.micro", SubnetId=subnets[0], SecurityGroupIds=groups[:2])
        s3 = self.client(s, "s3")
        for i in range(n["buckets"]):
            name = f"data-{account}-{i}"
            s3.create_bucket(Bucket=name)
            if i == 0:  # the next account may read it: a cross-account resource policy
                s3.put_bucket_policy(Bucket=name, Policy=_doc(
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{peer}:root"},
                     "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("lambda_function.py", "def handler(event, context):\n    return {}\n")
        fn = self.client(s, "lambda")
        for i in range(n["functions"]):
            fn.create_function(FunctionName=f"fn-{i}", Runtime="python3.11", Role=roles[1 + 2 * (i % 10)],
                               Handler="lambda_function.handler", Code={"ZipFile": buf.getvalue()})
        kms = self.client(s, "kms")
        for i in range(n["kms_keys"]):
            kms.create_key(Description=f"key {i}")
        return str(vpc)

    def peer(self, ring: list[tuple[str, str]]) -> None:
        """Each member's VPC peered with the next member's (requested by one, accepted by the other)."""
        for (a, vpc_a), (b, vpc_b) in itertools.pairwise(ring):
            pcx = self.client(self.session(a), "ec2").create_vpc_peering_connection(
                VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
            self.client(self.session(b), "ec2").accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)

    def seed(self, members: int) -> OrgEstate:
        t0 = time.perf_counter()
        self.configure_moto()
        org_id, ids = self.organization(members)
        accounts = [MANAGEMENT, *ids]
        peers = {a: accounts[(i + 1) % len(accounts)] for i, a in enumerate(accounts)}
        with ThreadPoolExecutor(self.workers) as pool:
            vpcs = dict(zip(accounts, pool.map(lambda a: self.account(a, peers[a]), accounts), strict=True))
        self.peer([(a, vpcs[a]) for a in ids])
        return OrgEstate(org_id, MANAGEMENT, ids, [REGION], dict(PER_ACCOUNT), time.perf_counter() - t0)


def seed_org(url: str, members: int = 20, workers: int = 6) -> OrgEstate:
    return OrgSeeder(url, workers).seed(members)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint-url", required=True)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--workers", type=int, default=6)
    args = ap.parse_args(argv)
    if not args.endpoint_url.startswith(("http://127.", "http://localhost")):
        ap.error("seed only a local moto server (http://127.0.0.1:PORT)")
    print(json.dumps(seed_org(args.endpoint_url, args.members, args.workers).as_dict(), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
