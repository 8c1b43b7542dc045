# ruff: noqa: E501  (fixture data)
"""Every analyser tolerates records with missing or odd raw data (other specs fill them)."""

from __future__ import annotations

import random

import pytest
from analysis_records import ACCT, rec

from awsgraph.analysis import ANALYSERS
from awsgraph.analysis.view import GraphView
from awsgraph.model import Entity, Relationship

TYPES = ["aws_iam_policy", "aws_iam_user_policy", "aws_iam_role", "aws_iam_user", "aws_iam_group", "aws_s3_bucket",
         "aws_sqs_queue", "aws_sns_topic", "aws_kms_key", "aws_ecr_repository", "aws_lambda_function",
         "aws_security_group", "aws_network_acl", "aws_route_table", "aws_subnet", "aws_instance", "aws_eni",
         "aws_db_instance", "aws_alb", "aws_nlb", "aws_elb", "aws_route53_record", "aws_route53_zone",
         "aws_route53_domain", "aws_vpc", "aws_vpc_peering_connection", "aws_account"]
ODD_VALUES = [None, "", "x", 0, 7, [], {}, [{}], [None], {"Statement": "nope"}, "%7B%22Statement%22%3A%5B%5D%7D",
              '{"Statement": [{"Effect": "Allow"}]}', {"Statement": [{"Effect": "Allow", "Action": 5, "Resource": None}]},
              [{"IpProtocol": None, "FromPort": None}], [{"RuleNumber": "x"}]]
FIELDS = ["Document", "PolicyDocument", "AssumeRolePolicyDocument", "Policy", "Attributes", "Acl", "PublicAccessBlock",
          "IpPermissions", "IpPermissionsEgress", "Entries", "Associations", "Routes", "SecurityGroups", "SubnetId",
          "PublicIpAddress", "NetworkInterfaces", "Scheme", "Listeners", "Type", "ResourceRecords", "AliasTarget",
          "Name", "Config", "RequesterVpcInfo", "AccepterVpcInfo", "Status", "UserName", "Tags", "GroupList",
          "AttachedManagedPolicies", "OwnerType", "OwnerName"]


@pytest.mark.parametrize("seed", range(6))
def test_analysers_survive_odd_records(seed):
    rng = random.Random(seed)
    records = [rec(f"aws:account:{ACCT}", "aws_account", {})]
    for i in range(600):
        t = TYPES[i % len(TYPES)]
        raw = {f: rng.choice(ODD_VALUES) for f in rng.sample(FIELDS, rng.randint(0, 8))}
        key = f"arn:aws:x:us-east-1:{ACCT}:{t}/{i}" if i % 3 else f"key-{i}"
        records.append(rec(key, t, raw))
    view = GraphView(records)
    produced = 0
    for analyser in ANALYSERS:
        try:
            for item in analyser(view):
                assert isinstance(item, Entity | Relationship)
                produced += 1
        except (AttributeError, TypeError, ValueError, KeyError) as exc:  # pragma: no cover - the failure report
            raise AssertionError(f"{analyser.__name__} failed on odd records: {exc!r}") from exc
    assert produced > 0
