"""S3 buckets (listed per region) and their bucket policies."""

from __future__ import annotations

import json
from typing import Any

from awsgraph.catalog.spec import Bulk, Detail, Link, Resource

RESOURCE_POLICY = ("a resource policy: who may use the resource, in IAM's policy language, never a credential;"
                   " read by the ALLOWS analysis")
PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


def _region(item: dict[str, Any]) -> str:
    loc = item.get("LocationConstraint")
    if loc in (None, ""):
        return str(item.get("BucketRegion") or "us-east-1")
    return "eu-west-1" if loc == "EU" else str(loc)


def _policy_allows_anyone(doc: Any) -> bool:
    """An Allow for every principal with no condition to narrow it (the analysers refine this)."""
    if not isinstance(doc, dict):
        return False
    statements = doc.get("Statement") or []
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict) or st.get("Effect") != "Allow" or st.get("Condition"):
            continue
        principal = st.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else principal
        if aws == "*" or (isinstance(aws, list) and "*" in aws):
            return True
    return False


def _bucket(item: dict[str, Any]) -> dict[str, Any]:
    pab = item.get("PublicAccessBlock") or {}
    blocks_acls = bool(pab.get("IgnorePublicAcls")) and bool(pab.get("BlockPublicAcls"))
    blocks_policy = bool(pab.get("RestrictPublicBuckets")) and bool(pab.get("BlockPublicPolicy"))
    acl_public = any(
        (g.get("Grantee") or {}).get("URI") in PUBLIC_GRANTEES for g in item.get("Acl") or [] if isinstance(g, dict)
    )
    policy_public = _policy_allows_anyone(item.get("Policy"))
    rules = ((item.get("Encryption") or {}).get("Rules")) or []
    default = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}) if rules else {}
    versioning = item.get("Versioning") or {}
    logging = item.get("Logging") or {}
    out: dict[str, Any] = {
        "region": _region(item),
        "public": (acl_public and not blocks_acls) or (policy_public and not blocks_policy),
        "publicAcl": acl_public,
        "publicPolicy": policy_public,
        "blockPublicAcls": pab.get("BlockPublicAcls"), "ignorePublicAcls": pab.get("IgnorePublicAcls"),
        "blockPublicPolicy": pab.get("BlockPublicPolicy"), "restrictPublicBuckets": pab.get("RestrictPublicBuckets"),
        "versioningEnabled": versioning.get("Status") == "Enabled",
        "mfaDelete": versioning.get("MFADelete") == "Enabled",
        "loggingEnabled": bool(logging),
        "loggingTargetBucket": logging.get("TargetBucket"),
        "hasPolicy": isinstance(item.get("Policy"), dict),
        "classification": None,
        "location": _region(item),
    }
    if rules:
        out["encrypted"] = True
        out["encryptionAlgorithm"] = default.get("SSEAlgorithm")
        out["kmsKeyId"] = default.get("KMSMasterKeyID")
        out["encryptionKeyRef"] = default.get("KMSMasterKeyID")
    else:
        # No default-encryption configuration was returned. Since January 2023 AWS encrypts every
        # new object with SSE-S3 whatever the bucket says, so "unknown" is more honest than false.
        out["encrypted"] = None
    return out


def _policy(item: dict[str, Any]) -> dict[str, Any]:
    return {"document": json.dumps(item.get("Policy"), sort_keys=True), "bucketName": item.get("BucketName")}


BUCKET = Resource(
    # Listed per region (ListBuckets filtered by BucketRegion): no GetBucketLocation per bucket, and
    # each bucket's reads go to its own region's endpoint rather than through a redirect.
    type="aws_s3_bucket", cls=("DataStore",), service="s3", call="list_buckets", items="Buckets", id="Name",
    params={"BucketRegion": "{region}"}, region_field="BucketRegion",
    arn_template="arn:{partition}:s3:::{Name}", name="Name", created="CreationDate",
    region="BucketRegion", tags="TagSet",
    props={"bucketName": "Name"},
    compute=_bucket,
    raw=("Name", "Policy", "PublicAccessBlock", "Acl"),
    safe={"Policy": RESOURCE_POLICY},
    details=(
        Detail("get_bucket_policy", into="Policy", params={"Bucket": "Name"}, result="Policy",
               decode_json=True, missing=("NoSuchBucketPolicy",)),
        Detail("get_bucket_encryption", into="Encryption", params={"Bucket": "Name"},
               result="ServerSideEncryptionConfiguration",
               missing=("ServerSideEncryptionConfigurationNotFoundError",)),
        Detail("get_bucket_versioning", into="Versioning", params={"Bucket": "Name"}),
        Detail("get_bucket_logging", into="Logging", params={"Bucket": "Name"}, result="LoggingEnabled"),
        Detail("get_public_access_block", into="PublicAccessBlock", params={"Bucket": "Name"},
               result="PublicAccessBlockConfiguration", missing=("NoSuchPublicAccessBlockConfiguration",)),
        Detail("get_bucket_acl", into="Acl", params={"Bucket": "Name"}, result="Grants"),
    ),
    # the region's bucket tags in pages of a hundred, rather than a GetBucketTagging per bucket
    bulk=(Bulk("get_resources", service="resourcegroupstaggingapi", into="TagSet",
               static={"ResourceTypeFilters": ["s3"]}, items="ResourceTagMappingList",
               key="split(':', ResourceARN)[5]", match="Name", value="Tags", default=[],
               fallback=Detail("get_bucket_tagging", into="TagSet", params={"Bucket": "Name"}, result="TagSet",
                               missing=("NoSuchTagSet", "NoSuchTagSetError"))),),
    spawn={"aws_s3_bucket_policy": "Policy && {Policy: Policy, BucketName: Name}"},
    web_link="https://s3.console.aws.amazon.com/s3/buckets/{Name}",
    links=(Link("USES", "aws_kms_key",
                values="Encryption.Rules[].ApplyServerSideEncryptionByDefault.KMSMasterKeyID", on="keyRefs"),),
)
BUCKET_POLICY = Resource(
    type="aws_s3_bucket_policy", cls=("AccessPolicy",), service="s3", call=None, id="BucketName",
    name="BucketName", key_template="arn:{partition}:s3:::{BucketName}|policy", scope="global", tags=None,
    compute=_policy,
    web_link="https://s3.console.aws.amazon.com/s3/buckets/{BucketName}?tab=permissions",
    links=(Link("HAS", "aws_s3_bucket", values="BucketName", on="name", reverse=True),),
    service_has=False,
)

SPECS = (BUCKET, BUCKET_POLICY)
