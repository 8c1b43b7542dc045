"""EC2 and VPC: instances, images, key pairs, volumes, snapshots, addresses, gateways, ACLs,
interfaces, route tables, security groups, subnets, VPCs and peering connections."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource
from awsgraph.model.hostnames import host_names

EC2_ARN = "arn:{partition}:ec2:{region}:{account}:"
CONSOLE = "https://console.aws.amazon.com/ec2/v2/home?region={region}#"
VPC_CONSOLE = "https://console.aws.amazon.com/vpc/home?region={region}#"


def _instance(item: dict[str, Any]) -> dict[str, Any]:
    enis = item.get("NetworkInterfaces") or []
    public_ips = sorted({i for i in [item.get("PublicIpAddress")] +
                         [(e.get("Association") or {}).get("PublicIp") for e in enis] if i})
    private_ips = sorted({i for i in [item.get("PrivateIpAddress")] +
                          [a.get("PrivateIpAddress") for e in enis for a in e.get("PrivateIpAddresses") or []]
                          if i})
    ipv6 = sorted({a.get("Ipv6Address") for e in enis for a in e.get("Ipv6Addresses") or [] if a.get("Ipv6Address")})
    macs = sorted({e.get("MacAddress") for e in enis if e.get("MacAddress")})
    tokens = (item.get("MetadataOptions") or {}).get("HttpTokens")
    return {
        "publicIpAddresses": public_ips, "privateIpAddresses": private_ips,
        "ipv4Addresses": sorted(set(public_ips) | set(private_ips)), "ipv6Addresses": ipv6,
        "macAddresses": macs, "public": bool(public_ips),
        **host_names(item.get("PrivateDnsName"), item.get("PublicDnsName")),
        "imdsv2Required": tokens == "required" if tokens else None,
        "osType": "windows" if (item.get("Platform") or "").lower() == "windows" else "linux",
        "category": "host", "make": "AWS", "model": item.get("InstanceType"), "deviceId": [item.get("InstanceId")],
    }


def _snapshot_public(item: dict[str, Any]) -> dict[str, Any]:
    perms = item.get("CreateVolumePermissions") or []
    return {"public": any(p.get("Group") == "all" for p in perms if isinstance(p, dict)),
            "sharedWithAccounts": [p["UserId"] for p in perms if isinstance(p, dict) and p.get("UserId")]}


def _image_public(item: dict[str, Any]) -> dict[str, Any]:
    return {"public": bool(item.get("Public"))}


def _sg(item: dict[str, Any]) -> dict[str, Any]:
    return {"category": ["network", "host"], "ingressRuleCount": len(item.get("IpPermissions") or []),
            "egressRuleCount": len(item.get("IpPermissionsEgress") or []), "isStateful": True}


def _network(item: dict[str, Any]) -> dict[str, Any]:
    return {"internal": True}


INSTANCE = Resource(
    type="aws_instance", cls=("Host",), service="ec2", call="describe_instances",
    items="Reservations[].Instances[]", id="InstanceId", arn_template=EC2_ARN + "instance/{InstanceId}",
    page_size=200,  # large pages of instances take the API (and emulators) seconds to render
    created="LaunchTime", active="State.Name == 'running'",
    props={"instanceId": "InstanceId", "instanceType": "InstanceType", "state": "State.Name",
           "imageId": "ImageId", "keyName": "KeyName", "platform": "Platform", "architecture": "Architecture",
           "vpcId": "VpcId", "subnetId": "SubnetId", "availabilityZone": "Placement.AvailabilityZone",
           "publicIpAddress": "PublicIpAddress", "privateIpAddress": "PrivateIpAddress",
           "publicDnsName": "PublicDnsName", "privateDnsName": "PrivateDnsName",
           "iamInstanceProfile": "IamInstanceProfile.Arn", "monitoring": "Monitoring.State",
           "securityGroupIds": "SecurityGroups[].GroupId", "securityGroupNames": "SecurityGroups[].GroupName",
           "metadataHttpTokens": "MetadataOptions.HttpTokens", "rootDeviceType": "RootDeviceType",
           "ebsOptimized": "EbsOptimized", "launchTime": "LaunchTime"},
    compute=_instance,
    # what network exposure and DNS resolution read (never UserData, which is not even asked for)
    raw=("InstanceId", "VpcId", "SubnetId", "PublicIpAddress", "PrivateIpAddress", "Ipv6Address", "PublicDnsName",
         "PrivateDnsName", "SecurityGroups", "NetworkInterfaces.NetworkInterfaceId", "NetworkInterfaces.SubnetId",
         "NetworkInterfaces.Association.PublicIp", "NetworkInterfaces.Association.PublicDnsName",
         "NetworkInterfaces.Ipv6Addresses"),
    web_link=CONSOLE + "InstanceDetails:instanceId={InstanceId}",
    links=(
        Link("USES", "aws_ebs_volume", values="BlockDeviceMappings[].Ebs.VolumeId", on="id"),
        Link("USES", "aws_eni", values="NetworkInterfaces[].NetworkInterfaceId", on="id"),
        Link("HAS", "aws_security_group", values="SecurityGroups[].GroupId", on="id"),
        Link("PROTECTS", "aws_security_group", values="SecurityGroups[].GroupId", on="id", reverse=True),
        Link("HAS", "aws_subnet", values="SubnetId", on="id", reverse=True),
        Link("USES", "aws_key_pair", values="KeyName", on="name"),
        Link("USES", "aws_ami", values="ImageId", on="id"),
    ),
)
IMAGE = Resource(
    type="aws_ami", cls=("Image",), service="ec2", call="describe_images", params={"Owners": ["self"]},
    items="Images", id="ImageId", arn_template=EC2_ARN + "image/{ImageId}", name="Name || ImageId",
    created="CreationDate", active="State == 'available'",
    props={"imageId": "ImageId", "state": "State", "platform": "Platform", "architecture": "Architecture",
           "imageType": "ImageType", "rootDeviceType": "RootDeviceType", "description": "Description",
           "ownerId": "OwnerId", "snapshotIds": "BlockDeviceMappings[].Ebs.SnapshotId",
           "encrypted": "BlockDeviceMappings[0].Ebs.Encrypted"},
    compute=_image_public,
    web_link=CONSOLE + "ImageDetails:imageId={ImageId}",
    service_has=False,
)
KEY_PAIR = Resource(
    type="aws_key_pair", cls=("AccessKey",), service="ec2", call="describe_key_pairs", items="KeyPairs",
    id="KeyPairId || KeyName", name="KeyName", arn_template=EC2_ARN + "key-pair/{KeyName}",
    created="CreateTime",
    props={"keyName": "KeyName", "fingerprint": "KeyFingerprint", "keyType": "KeyType"},
    web_link=CONSOLE + "KeyPairs:search={KeyName}",
    service_has=False,
)
VOLUME = Resource(
    type="aws_ebs_volume", cls=("DataStore", "Disk"), service="ec2", call="describe_volumes", items="Volumes",
    id="VolumeId", arn_template=EC2_ARN + "volume/{VolumeId}", created="CreateTime",
    active="State == 'in-use' || State == 'available'",
    props={"volumeId": "VolumeId", "encrypted": "Encrypted", "kmsKeyId": "KmsKeyId", "size": "Size",
           "volumeType": "VolumeType", "state": "State", "iops": "Iops", "snapshotId": "SnapshotId",
           "availabilityZone": "AvailabilityZone", "attachedInstanceIds": "Attachments[].InstanceId",
           "multiAttachEnabled": "MultiAttachEnabled"},
    compute=lambda item: {"classification": None, "location": item.get("AvailabilityZone")},
    web_link=CONSOLE + "VolumeDetails:volumeId={VolumeId}",
    links=(
        Link("USES", "aws_kms_key", values="KmsKeyId", on="keyRefs"),
        Link("USES", "aws_ebs_snapshot", values="SnapshotId", on="id"),
    ),
)
SNAPSHOT = Resource(
    type="aws_ebs_snapshot", cls=("DataStore", "Disk", "Image"), service="ec2", call="describe_snapshots",
    # owner-id filter rather than OwnerIds=['self']: both mean "owned by this account" on AWS,
    # and the filter is also honoured by emulators.
    params={"Filters": [{"Name": "owner-id", "Values": ["{account}"]}]}, items="Snapshots",
    id="SnapshotId", arn_template=EC2_ARN + "snapshot/{SnapshotId}", created="StartTime",
    props={"snapshotId": "SnapshotId", "encrypted": "Encrypted", "kmsKeyId": "KmsKeyId",
           "volumeId": "VolumeId", "volumeSize": "VolumeSize", "state": "State", "description": "Description",
           "ownerId": "OwnerId"},
    compute=lambda item: {**_snapshot_public(item), "classification": None},
    details=(Detail("describe_snapshot_attribute", into="CreateVolumePermissions",
                    params={"SnapshotId": "SnapshotId"}, static={"Attribute": "createVolumePermission"},
                    result="CreateVolumePermissions"),),
    web_link=CONSOLE + "SnapshotDetails:snapshotId={SnapshotId}",
    links=(Link("HAS", "aws_ebs_volume", values="VolumeId", on="id", reverse=True),),
    service_has=False,
)
ADDRESS = Resource(
    type="aws_eip", cls=("IpAddress",), service="ec2", call="describe_addresses", items="Addresses",
    id="AllocationId || PublicIp", name="PublicIp", arn_template=EC2_ARN + "elastic-ip/{AllocationId}",
    props={"allocationId": "AllocationId", "publicIp": "PublicIp", "ipAddress": "PublicIp",
           "publicIpAddress": "PublicIp", "privateIpAddress": "PrivateIpAddress", "domain": "Domain",
           "instanceId": "InstanceId", "networkInterfaceId": "NetworkInterfaceId",
           "associationId": "AssociationId"},
    compute=lambda item: {"public": True, "ipVersion": 4},
    raw=("AllocationId", "PublicIp", "PrivateIpAddress"),
    web_link=CONSOLE + "ElasticIpDetails:AllocationId={AllocationId}",
    links=(
        Link("USES", "aws_instance", values="InstanceId", on="id", reverse=True),
        Link("USES", "aws_eni", values="NetworkInterfaceId", on="id", reverse=True),
    ),
    service_has=False,
)
INTERNET_GATEWAY = Resource(
    type="aws_internet_gateway", cls=("Gateway",), service="ec2", call="describe_internet_gateways",
    items="InternetGateways", id="InternetGatewayId",
    arn_template=EC2_ARN + "internet-gateway/{InternetGatewayId}",
    props={"vpcIds": "Attachments[].VpcId", "attachmentStates": "Attachments[].State"},
    compute=lambda item: {"public": True, "category": ["network"], "function": ["routing"]},
    web_link=VPC_CONSOLE + "InternetGateway:internetGatewayId={InternetGatewayId}",
    links=(Link("HAS", "aws_vpc", values="Attachments[].VpcId", on="id", reverse=True),),
    service_has=False,
)
NAT_GATEWAY = Resource(
    type="aws_nat_gateway", cls=("Gateway",), service="ec2", call="describe_nat_gateways",
    items="NatGateways", id="NatGatewayId", arn_template=EC2_ARN + "natgateway/{NatGatewayId}",
    created="CreateTime", active="State == 'available'",
    props={"state": "State", "vpcId": "VpcId", "subnetId": "SubnetId", "connectivityType": "ConnectivityType",
           "publicIps": "NatGatewayAddresses[].PublicIp", "privateIps": "NatGatewayAddresses[].PrivateIp"},
    compute=lambda item: {"public": item.get("ConnectivityType", "public") == "public",
                          "category": ["network"], "function": ["nat"]},
    web_link=VPC_CONSOLE + "NatGatewayDetails:natGatewayId={NatGatewayId}",
    links=(
        Link("HAS", "aws_vpc", values="VpcId", on="id", reverse=True),
        Link("USES", "aws_eni", values="NatGatewayAddresses[].NetworkInterfaceId", on="id"),
        Link("USES", "aws_eip", values="NatGatewayAddresses[].AllocationId", on="id"),
    ),
    service_has=False,
)
VPN_GATEWAY = Resource(
    type="aws_vpn_gateway", cls=("Gateway",), service="ec2", call="describe_vpn_gateways",
    items="VpnGateways", id="VpnGatewayId", arn_template=EC2_ARN + "vpn-gateway/{VpnGatewayId}",
    active="State == 'available'",
    props={"state": "State", "vpnType": "Type", "amazonSideAsn": "AmazonSideAsn",
           "vpcIds": "VpcAttachments[].VpcId", "availabilityZone": "AvailabilityZone"},
    # "vpn" is no value of Gateway.function: the nearest is remote-access-gateway; gatewayKind says vpn.
    compute=lambda item: {"public": True, "category": ["network"], "function": ["remote-access-gateway"],
                          "gatewayKind": "vpn"},
    web_link=VPC_CONSOLE + "VpnGateways:search={VpnGatewayId}",
    links=(Link("HAS", "aws_vpc", values="VpcAttachments[?State=='attached'].VpcId", on="id", reverse=True),),
    service_has=False,
)
NETWORK_ACL = Resource(
    type="aws_network_acl", cls=("Firewall",), service="ec2", call="describe_network_acls",
    items="NetworkAcls", id="NetworkAclId", arn_template=EC2_ARN + "network-acl/{NetworkAclId}",
    props={"vpcId": "VpcId", "isDefault": "IsDefault", "subnetIds": "Associations[].SubnetId"},
    compute=lambda item: {"category": ["network"], "isStateful": False},
    raw=("NetworkAclId", "VpcId", "Entries", "Associations"),
    web_link=VPC_CONSOLE + "NetworkAclDetails:networkAclId={NetworkAclId}",
    links=(Link("PROTECTS", "aws_subnet", values="Associations[].SubnetId", on="id"),),
)
ENI = Resource(
    type="aws_eni", cls=("NetworkInterface",), service="ec2", call="describe_network_interfaces",
    items="NetworkInterfaces", id="NetworkInterfaceId",
    arn_template=EC2_ARN + "network-interface/{NetworkInterfaceId}",
    props={"interfaceType": "InterfaceType", "status": "Status", "vpcId": "VpcId", "subnetId": "SubnetId",
           "privateIpAddress": "PrivateIpAddress", "ipAddress": "PrivateIpAddress",
           "publicIpAddress": "Association.PublicIp", "dnsName": "PrivateDnsName", "publicDnsName":
           "Association.PublicDnsName", "macAddress": "MacAddress", "description": "Description",
           "attachedInstanceId": "Attachment.InstanceId", "requesterManaged": "RequesterManaged",
           "securityGroupIds": "Groups[].GroupId", "availabilityZone": "AvailabilityZone",
           "privateIpAddresses": "PrivateIpAddresses[].PrivateIpAddress",
           "ipv6Addresses": "Ipv6Addresses[].Ipv6Address"},
    compute=lambda item: {"public": bool((item.get("Association") or {}).get("PublicIp"))},
    tags="TagSet",
    raw=("NetworkInterfaceId", "VpcId", "SubnetId", "PrivateIpAddress", "PrivateDnsName", "Ipv6Address",
         "Ipv6Addresses", "Groups", "Association.PublicIp", "Association.PublicDnsName"),
    web_link=CONSOLE + "NetworkInterface:networkInterfaceId={NetworkInterfaceId}",
    service_has=False,
)
ROUTE_TABLE = Resource(
    type="aws_route_table", cls=("Configuration",), service="ec2", call="describe_route_tables",
    items="RouteTables", id="RouteTableId", arn_template=EC2_ARN + "route-table/{RouteTableId}",
    props={"vpcId": "VpcId", "main": "Associations[?Main] | length(@) > `0`",
           "subnetIds": "Associations[].SubnetId", "gatewayIds": "Routes[].GatewayId",
           "natGatewayIds": "Routes[].NatGatewayId",
           "internetRoute": "Routes[?DestinationCidrBlock=='0.0.0.0/0' && starts_with(GatewayId || '', 'igw-')]"
                            " | length(@) > `0`"},
    raw=("RouteTableId", "VpcId", "Routes", "Associations"),
    web_link=VPC_CONSOLE + "RouteTableDetails:RouteTableId={RouteTableId}",
    links=(
        Link("HAS", "aws_vpc", values="VpcId", on="id", reverse=True),
        Link("USES", "aws_subnet", values="Associations[].SubnetId", on="id", reverse=True),
    ),
    service_has=False,
)
SECURITY_GROUP = Resource(
    type="aws_security_group", cls=("Firewall",), service="ec2", call="describe_security_groups",
    items="SecurityGroups", id="GroupId", name="GroupName", arn="SecurityGroupArn",
    arn_template=EC2_ARN + "security-group/{GroupId}",
    props={"groupId": "GroupId", "groupName": "GroupName", "description": "Description", "vpcId": "VpcId",
           "ownerId": "OwnerId"},
    compute=_sg,
    raw=("GroupId", "GroupName", "VpcId", "IpPermissions", "IpPermissionsEgress"),
    web_link=CONSOLE + "SecurityGroup:groupId={GroupId}",
)
SUBNET = Resource(
    type="aws_subnet", cls=("Network",), service="ec2", call="describe_subnets", items="Subnets",
    id="SubnetId", arn="SubnetArn", arn_template=EC2_ARN + "subnet/{SubnetId}",
    active="State == 'available'",
    props={"subnetId": "SubnetId", "CIDR": "CidrBlock", "cidrBlock": "CidrBlock", "vpcId": "VpcId",
           "availabilityZone": "AvailabilityZone", "public": "MapPublicIpOnLaunch",
           "mapPublicIpOnLaunch": "MapPublicIpOnLaunch", "defaultForAz": "DefaultForAz", "state": "State",
           "availableIpAddressCount": "AvailableIpAddressCount",
           "ipv6CIDR": "Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock"},
    compute=_network,
    raw=("SubnetId", "VpcId", "CidrBlock"),
    web_link=VPC_CONSOLE + "SubnetDetails:subnetId={SubnetId}",
    links=(Link("CONTAINS", "aws_vpc", values="VpcId", on="id", reverse=True),),
)
VPC = Resource(
    type="aws_vpc", cls=("Network",), service="ec2", call="describe_vpcs", items="Vpcs", id="VpcId",
    arn_template=EC2_ARN + "vpc/{VpcId}", active="State == 'available'",
    props={"vpcId": "VpcId", "CIDR": "CidrBlock", "cidrBlock": "CidrBlock", "isDefault": "IsDefault",
           "default": "IsDefault", "state": "State", "instanceTenancy": "InstanceTenancy",
           "dhcpOptionsId": "DhcpOptionsId", "ownerId": "OwnerId",
           "ipv6CIDR": "Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock"},
    compute=lambda item: {"public": False, "internal": True},
    raw=("VpcId",),
    web_link=VPC_CONSOLE + "VpcDetails:VpcId={VpcId}",
)
PEERING = Resource(
    type="aws_vpc_peering_connection", cls=("Configuration",), service="ec2",
    call="describe_vpc_peering_connections", items="VpcPeeringConnections", id="VpcPeeringConnectionId",
    arn_template=EC2_ARN + "vpc-peering-connection/{VpcPeeringConnectionId}",
    active="Status.Code == 'active'",
    props={"status": "Status.Code", "requesterVpcId": "RequesterVpcInfo.VpcId",
           "requesterOwnerId": "RequesterVpcInfo.OwnerId", "requesterRegion": "RequesterVpcInfo.Region",
           "requesterCidr": "RequesterVpcInfo.CidrBlock", "accepterVpcId": "AccepterVpcInfo.VpcId",
           "accepterOwnerId": "AccepterVpcInfo.OwnerId", "accepterRegion": "AccepterVpcInfo.Region",
           "accepterCidr": "AccepterVpcInfo.CidrBlock"},
    raw=("VpcPeeringConnectionId", "Status", "RequesterVpcInfo", "AccepterVpcInfo"),
    web_link=VPC_CONSOLE + "PeeringConnectionDetails:VpcPeeringConnectionId={VpcPeeringConnectionId}",
    service_has=False,
    description="Recorded for the analysis that makes aws_vpc CONNECTS aws_vpc.",
)

SPECS = (INSTANCE, IMAGE, KEY_PAIR, VOLUME, SNAPSHOT, ADDRESS, INTERNET_GATEWAY, NAT_GATEWAY, VPN_GATEWAY,
         NETWORK_ACL, ENI, ROUTE_TABLE, SECURITY_GROUP, SUBNET, VPC, PEERING)
