"""EC2 and VPC in each region: a public and a private tier, gateways, ACLs, disks, a peering."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from awsgraph.sandbox.seed import Estate

USER_DATA = "#!/bin/bash\nexport DB_PASSWORD=hunter2-demo-db-password\nexport STRIPE=sk_live_demo_51HxSECRET\n"


def _tags(**kw: str) -> list[dict[str, Any]]:
    return [{"Key": k, "Value": v} for k, v in kw.items()]


def _spec(rtype: str, **kw: str) -> list[dict[str, Any]]:
    return [{"ResourceType": rtype, "Tags": _tags(**kw)}]


def seed(estate: Estate) -> None:
    made: dict[str, Any] = {}
    for i, region in enumerate(estate.regions):
        ec2 = estate.client("ec2", region)
        cidr = f"10.{i}.0.0/16"
        vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_spec("vpc", Name=f"acme-{region}",
                                                                     Environment="production"))["Vpc"]["VpcId"]
        az = f"{region}a"
        public = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{i}.1.0/24", AvailabilityZone=az,
                                   TagSpecifications=_spec("subnet", Name="public-a"))["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
        private = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{i}.2.0/24", AvailabilityZone=az,
                                    TagSpecifications=_spec("subnet", Name="private-a"))["Subnet"]["SubnetId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=_spec("route-table", Name="public-rt"))
        rt_id = rt["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=rt_id, SubnetId=public)
        nat_eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=public, AllocationId=nat_eip)
        vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
        ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)

        web_sg = ec2.create_security_group(GroupName="web", Description="public web tier", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
             "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ])
        db_sg = ec2.create_security_group(GroupName="db", Description="database tier", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=db_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web_sg}]},
            {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]},
        ])
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                     Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=200, Protocol="-1", RuleAction="deny",
                                     Egress=False, CidrBlock="0.0.0.0/0")
        key_name = f"acme-ops-{region}"
        ec2.create_key_pair(KeyName=key_name)

        web = ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.small", SubnetId=public,
            SecurityGroupIds=[web_sg], KeyName=key_name, UserData=USER_DATA,
            IamInstanceProfile={"Name": "app-instance-profile"},
            MetadataOptions={"HttpTokens": "optional"},
            TagSpecifications=_spec("instance", Name=f"web-{region}", Owner="web-team", Classification="public",
                                    Production="true"),
        )["Instances"][0]["InstanceId"]
        app = ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=2, MaxCount=2, InstanceType="m5.large", SubnetId=private,
            SecurityGroupIds=[db_sg], MetadataOptions={"HttpTokens": "required"},
            TagSpecifications=_spec("instance", Name=f"app-{region}", PII="true"),
        )["Instances"]
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.associate_address(AllocationId=eip, InstanceId=web)

        kms = estate.made.get("kms", {}).get(region, {})
        enc = ec2.create_volume(AvailabilityZone=az, Size=50, VolumeType="gp3", Encrypted=True,
                                KmsKeyId=kms.get("ebs", ""), TagSpecifications=_spec("volume", Name="data-enc"))
        ec2.attach_volume(VolumeId=enc["VolumeId"], InstanceId=app[0]["InstanceId"], Device="/dev/sdf")
        plain = ec2.create_volume(AvailabilityZone=az, Size=20, VolumeType="gp2",
                                  TagSpecifications=_spec("volume", Name="scratch-unencrypted"))
        snap = ec2.create_snapshot(VolumeId=plain["VolumeId"], Description="scratch backup")["SnapshotId"]
        ec2.modify_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission",
                                      OperationType="add", GroupNames=["all"])
        ec2.create_snapshot(VolumeId=enc["VolumeId"], Description="data backup")
        ec2.create_image(InstanceId=web, Name=f"web-golden-{region}", Description="golden web image")
        ec2.create_network_interface(SubnetId=private, Groups=[db_sg], Description="spare interface")
        made[region] = {"vpc": vpc, "public_subnet": public, "private_subnet": private, "web_sg": web_sg,
                        "db_sg": db_sg, "web_instance": web, "app_instances": [a["InstanceId"] for a in app],
                        "igw": igw}
    regions = list(made)
    if len(regions) >= 2:
        a, b = regions[0], regions[1]
        pcx = estate.client("ec2", a).create_vpc_peering_connection(
            VpcId=made[a]["vpc"], PeerVpcId=made[b]["vpc"], PeerRegion=b)["VpcPeeringConnection"]
        made["peering"] = pcx["VpcPeeringConnectionId"]
    estate.made["ec2"] = made
