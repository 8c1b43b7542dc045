"""S3 buckets: private encrypted data, a public website, logs, and one in another region."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from awsgraph.sandbox.seed import Estate


def seed(estate: Estate) -> None:
    acct = estate.account
    s3 = estate.client("s3", "us-east-1")
    data = f"acme-customer-data-{acct}"
    public = f"acme-public-assets-{acct}"
    logs = f"acme-logs-{acct}"
    artifacts = f"acme-artifacts-{acct}"
    for name in (data, public, logs, artifacts):
        s3.create_bucket(Bucket=name)
    # An object whose contents must never reach the graph (before the policy that denies plain HTTP).
    s3.put_object(Bucket=data, Key="customers.csv", Body=b"name,card\nalice,4111111111111111\n")
    kms = estate.made.get("kms", {}).get("us-east-1", {})
    s3.put_bucket_encryption(Bucket=data, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms.get("data", "")}}]})
    s3.put_bucket_tagging(Bucket=data, Tagging={"TagSet": [
        {"Key": "Classification", "Value": "Confidential"}, {"Key": "PII", "Value": "true"},
        {"Key": "Owner", "Value": "Data-Team"}, {"Key": "Production", "Value": "true"}]})
    s3.put_bucket_versioning(Bucket=data, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=data, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=data, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{data}", f"arn:aws:s3:::{data}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "AppRole", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:role/app-instance-role"},
         "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{data}/*"}]}))
    s3.put_bucket_policy(Bucket=public, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{public}/*"}]}))
    s3.put_bucket_tagging(Bucket=public, Tagging={"TagSet": [{"Key": "Owner", "Value": "web-team"}]})
    s3.put_bucket_acl(Bucket=logs, ACL="log-delivery-write")
    s3.put_bucket_logging(Bucket=data, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": logs, "TargetPrefix": "data/"}})
    if len(estate.regions) > 1:
        other = estate.regions[1]
        eu = f"acme-{other}-backups-{acct}"
        estate.client("s3", other).create_bucket(Bucket=eu, CreateBucketConfiguration={"LocationConstraint": other})
        estate.made["eu_bucket"] = eu
    estate.made["buckets"] = {"data": data, "public": public, "logs": logs, "artifacts": artifacts}
