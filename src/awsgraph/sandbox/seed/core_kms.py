"""KMS keys in each region."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from awsgraph.sandbox.seed import Estate


def seed(estate: Estate) -> None:
    keys: dict[str, dict[str, str]] = {}
    for region in estate.regions:
        kms = estate.client("kms", region)
        data = kms.create_key(Description="Customer data key", Tags=[{"TagKey": "Owner", "TagValue": "Data-Team"}])
        arn = data["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName="alias/customer-data", TargetKeyId=data["KeyMetadata"]["KeyId"])
        kms.enable_key_rotation(KeyId=data["KeyMetadata"]["KeyId"])
        policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{estate.account}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
             "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"}]}
        kms.put_key_policy(KeyId=data["KeyMetadata"]["KeyId"], PolicyName="default", Policy=json.dumps(policy))
        ebs = kms.create_key(Description="EBS key")
        keys[region] = {"data": arn, "ebs": ebs["KeyMetadata"]["Arn"], "data_id": data["KeyMetadata"]["KeyId"]}
    estate.made["kms"] = keys
