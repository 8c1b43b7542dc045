"""AWS Transfer Family servers and their users (roles, home-directory buckets)."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Parent, Resource
from awsgraph.model.hostnames import host_names

# "/bucket/prefix" home directories and LOGICAL mappings' targets name the bucket first.
HOME_BUCKETS = "map(&split('/', @)[1], [HomeDirectory, User.HomeDirectoryMappings[].Target][] | [?starts_with(@, '/')])"


def _server(item: dict[str, Any]) -> dict[str, Any]:
    server = item.get("Server") or {}
    endpoint = server.get("EndpointType") or item.get("EndpointType")
    details = server.get("EndpointDetails") or {}
    arn = str(item.get("Arn", ""))
    endpoint_name = (f"{item.get('ServerId')}.server.transfer.{arn.split(':')[3]}.amazonaws.com"
                     if item.get("ServerId") and arn.count(":") >= 5 else None)
    return {
        "public": endpoint == "PUBLIC" or bool(details.get("AddressAllocationIds")),
        "protocols": server.get("Protocols"),
        "securityPolicyName": server.get("SecurityPolicyName"),
        "vpcId": details.get("VpcId"),
        "subnetIds": details.get("SubnetIds"),
        "securityGroupIds": details.get("SecurityGroupIds"),
        "hostKeyFingerprint": server.get("HostKeyFingerprint"),
        "endpoint": endpoint_name,
        **host_names(endpoint_name),
        # "file-transfer" is no value of Gateway.function: "other", and gatewayKind says what it is.
        "category": ["network"],
        "function": ["other"],
        "gatewayKind": "file-transfer",
    }


SERVER = Resource(
    type="aws_transfer_server",
    # The spec says Host and Gateway, but their schemas want category as a string and as a list:
    # no entity can be both. It is a managed endpoint, so Gateway.
    cls=("Gateway",),
    service="transfer",
    call="list_servers",
    id="ServerId",
    arn="Arn",
    name="ServerId",
    tags="Server.Tags",
    active="State == 'ONLINE'",
    props={
        "state": "State",
        "endpointType": "EndpointType",
        "domain": "Domain",
        "identityProviderType": "IdentityProviderType",
        "loggingRole": "LoggingRole",
        "userCount": "UserCount",
        "invocationRole": "Server.IdentityProviderDetails.InvocationRole",
        "identityProviderFunction": "Server.IdentityProviderDetails.Function",
        "certificateArn": "Server.Certificate",
    },
    compute=_server,
    details=(Detail("describe_server", into="Server", params={"ServerId": "ServerId"}, result="Server"),),
    web_link="https://console.aws.amazon.com/transfer/home?region={region}#/servers/{ServerId}",
    links=(
        Link(
            "ASSIGNED",
            "aws_iam_role",
            values="[LoggingRole, Server.IdentityProviderDetails.InvocationRole]",
            reverse=True,
        ),
        Link(
            "PROTECTS",
            "aws_security_group",
            values="Server.EndpointDetails.SecurityGroupIds",
            on="id",
            reverse=True,
        ),
        Link("USES", "aws_acm_certificate", values="Server.Certificate"),
    ),
)

USER = Resource(
    type="aws_transfer_user",
    cls=("User",),
    service="transfer",
    call="list_users",
    parent=Parent("aws_transfer_server", params={"ServerId": "ServerId"}, carry={"ServerId": "ServerId"}),
    id="Arn",
    arn="Arn",
    name="UserName",
    tags="User.Tags",
    props={
        "username": "[UserName]",  # User.username is a list
        "serverId": "ServerId",
        "roleArn": "Role",
        "homeDirectory": "HomeDirectory",
        "homeDirectoryType": "HomeDirectoryType",
        "sshPublicKeyCount": "SshPublicKeyCount",
        "homeBuckets": HOME_BUCKETS,
        "policyAttached": "User.Policy && `true` || `false`",
    },
    details=(
        Detail(
            "describe_user",
            into="User",
            params={"ServerId": "ServerId", "UserName": "UserName"},
            result="User",
        ),
    ),
    web_link="https://console.aws.amazon.com/transfer/home?region={region}#/servers/{ServerId}/users/{UserName}",
    links=(
        Link("HAS", "aws_transfer_server", values="ServerId", on="id", reverse=True),
        Link("ASSIGNED", "aws_iam_role", values="Role", reverse=True),
        Link("ALLOWS", "aws_s3_bucket", values=HOME_BUCKETS, on="name", reverse=True),
    ),
    service_has=False,
    description="Listed per server with ListUsers (which some emulators lack: recorded, the run goes on).",
)

SPECS = (SERVER, USER)
