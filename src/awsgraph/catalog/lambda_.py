"""Lambda functions: configuration, resource policy, function URL and tags (never code or
environment values; ``list_functions`` already returns the configuration)."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.refs import kms_ref
from awsgraph.catalog.spec import Bulk, Detail, Link, Resource

VPC_ID = "SubnetVpcIds[0] || VpcConfig.VpcId"
SUBNET_IDS = "VpcConfig.SubnetIds[0] && VpcConfig.SubnetIds"  # null (no call) outside a VPC


def _function(item: dict[str, Any]) -> dict[str, Any]:
    env = item.get("Environment") or {}
    url = item.get("FunctionUrl") or {}
    vpc = item.get("VpcConfig") or {}
    return {
        # Only the variable names survive the client's redaction; their values never arrive.
        "environmentVariableNames": env.get("VariableNames") or None,
        "functionUrl": url.get("FunctionUrl"),
        "functionUrlAuthType": url.get("AuthType"),
        "publicUrl": url.get("AuthType") == "NONE" if url else None,
        "inVpc": bool(vpc.get("VpcId")),
        # Function.memorySize and codeSize are strings in the J1 schema; the numbers stay in
        # memorySizeMB and codeSizeBytes for comparisons.
        "memorySize": str(item["MemorySize"]) if item.get("MemorySize") is not None else None,
        "codeSize": str(item["CodeSize"]) if item.get("CodeSize") is not None else None,
        "category": ["function"],
        "function": ["compute"],
    }


FUNCTION = Resource(
    type="aws_lambda_function",
    cls=("Function",),
    service="lambda",
    call="list_functions",
    items="Functions",
    id="FunctionName",
    arn="FunctionArn",
    name="FunctionName",
    props={
        "functionName": "FunctionName",
        "runtime": "Runtime",
        "handler": "Handler",
        "memorySizeMB": "MemorySize",
        "timeout": "Timeout",
        "role": "Role",
        "codeSizeBytes": "CodeSize",
        "description": "Description",
        "version": "Version",
        "lastModified": "LastModified",
        "packageType": "PackageType",
        "architectures": "Architectures",
        "state": "State",
        "vpcId": VPC_ID,
        "subnetIds": "VpcConfig.SubnetIds",
        "securityGroupIds": "VpcConfig.SecurityGroupIds",
        "layers": "Layers[].Arn",
        "kmsKeyId": "KMSKeyArn",
        "tracingMode": "TracingConfig.Mode",
        "ephemeralStorageSize": "EphemeralStorage.Size",
        "imageUri": "ImageConfigResponse.ImageUri",
    },
    compute=_function,
    # never Environment (values are redacted by the client; names only reach the properties)
    raw=("FunctionName", "Policy"),
    safe={"Policy": "the function's resource policy, in IAM's policy language; read by the ALLOWS analysis"},
    # the region's function tags in pages of a hundred, rather than a ListTags per function
    bulk=(Bulk("get_resources", service="resourcegroupstaggingapi", into="Tags",
               static={"ResourceTypeFilters": ["lambda:function"]}, items="ResourceTagMappingList",
               key="ResourceARN", match="FunctionArn", value="Tags", default=[],
               fallback=Detail("list_tags", into="Tags", params={"Resource": "FunctionArn"}, result="Tags")),
          # The VPC as its subnets' VPC (some emulators put a placeholder in VpcConfig.VpcId): the
          # region's subnets once, rather than a DescribeSubnets per function in a VPC.
          Bulk("describe_subnets", service="ec2", into="SubnetVpcIds", items="Subnets", key="SubnetId",
               match="VpcConfig.SubnetIds[0]", value="VpcId", many=True, default=[],
               fallback=Detail("describe_subnets", service="ec2", into="SubnetVpcIds",
                               params={"SubnetIds": SUBNET_IDS}, result="Subnets[].VpcId")),),
    details=(
        Detail(
            "get_policy",
            into="Policy",
            params={"FunctionName": "FunctionArn"},
            result="Policy",
            decode_json=True,
            missing=("ResourceNotFoundException",),
        ),
        Detail(
            "get_function_url_config",
            into="FunctionUrl",
            params={"FunctionName": "FunctionArn"},
            missing=("ResourceNotFoundException", "404"),
        ),
    ),
    web_link="https://console.aws.amazon.com/lambda/home?region={region}#/functions/{FunctionName}",
    links=(
        Link("HAS", "aws_iam_role", values="Role"),
        Link("HAS", "aws_vpc", values=VPC_ID, on="id"),
        Link("USES", "aws_kms_key", values=kms_ref("KMSKeyArn", "FunctionArn"), on="keyRefs"),
    ),
)

SPECS = (FUNCTION,)
