"""The foundation's services on in-process moto: entities, properties and spec relationships."""

from __future__ import annotations

import json

import boto3

from tests.helpers import collect


def _seed_network(region: str = "us-east-1") -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    inst = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet,
                             SecurityGroupIds=[sg], UserData="PASSWORD=topsecret-userdata",
                             TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                 {"Key": "Name", "Value": "web-1"}, {"Key": "PII", "Value": "yes"},
                                 {"Key": "Cost", "Value": "42"}, {"Key": "Owner", "Value": "Team-A"}]}])
    iid = inst["Instances"][0]["InstanceId"]
    vol = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=True)["VolumeId"]
    ec2.attach_volume(VolumeId=vol, InstanceId=iid, Device="/dev/sdf")
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return {"vpc": vpc, "subnet": subnet, "sg": sg, "instance": iid, "volume": vol, "snapshot": snap, "igw": igw}


def test_ec2_entities_and_relationships(aws: None, db_path: str) -> None:
    ids = _seed_network()
    got = collect(db_path, services=["ec2"])
    inst = got.one("aws_instance", id=ids["instance"])
    assert inst["_class"] == ["Host"]
    assert inst["displayName"] == "web-1"
    assert inst["tag.Cost"] == 42 and inst["tag.PII"] is True and inst["owner"] == "team-a"
    assert inst["_key"].startswith("arn:aws:ec2:us-east-1:123456789012:instance/")
    assert inst["vpcId"] == ids["vpc"] and inst["subnetId"] == ids["subnet"]
    vpc = got.one("aws_vpc", id=ids["vpc"])
    subnet = got.one("aws_subnet", id=ids["subnet"])
    sg = got.one("aws_security_group", id=ids["sg"])
    vol = got.one("aws_ebs_volume", id=ids["volume"])
    snap = got.one("aws_ebs_snapshot", id=ids["snapshot"])
    igw = got.one("aws_internet_gateway", id=ids["igw"])
    assert vol["encrypted"] is True and vol["_class"] == ["DataStore", "Disk"]
    assert got.has_rel(vpc["_key"], "CONTAINS", subnet["_key"])
    assert got.has_rel(subnet["_key"], "HAS", inst["_key"])
    assert got.has_rel(sg["_key"], "PROTECTS", inst["_key"])
    assert got.has_rel(inst["_key"], "HAS", sg["_key"])
    assert got.has_rel(inst["_key"], "USES", vol["_key"])
    assert got.has_rel(vol["_key"], "HAS", snap["_key"])
    assert got.has_rel(vpc["_key"], "HAS", igw["_key"])
    assert got.has_rel("aws:123456789012:ec2", "HAS", inst["_key"])
    assert got.has_rel("aws:account:123456789012", "HAS", "aws:123456789012:ec2")
    assert "topsecret-userdata" not in got.dump()
    assert "topsecret-userdata" not in json.dumps(got.raw)
    assert got.step("aws_instance", "us-east-1").status == "success"


def test_iam_from_authorization_details(aws: None, db_path: str) -> None:
    iam = boto3.client("iam")
    iam.create_user(UserName="carol@example.com")
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="carol@example.com")
    iam.put_group_policy(GroupName="ops", PolicyName="ops-inline", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}))
    iam.attach_group_policy(GroupName="ops", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    key = iam.create_access_key(UserName="carol@example.com")["AccessKey"]
    iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    got = collect(db_path, services=["iam"])
    user = got.one("aws_iam_user", name="carol@example.com")
    group = got.one("aws_iam_group", name="ops")
    inline = got.one("aws_iam_group_policy", name="ops-inline")
    managed = got.one("aws_iam_policy", name="ReadOnlyAccess")
    access_key = got.one("aws_iam_access_key", id=key["AccessKeyId"])
    role = got.one("aws_iam_role", name="fn")
    assert group["_class"] == ["UserGroup"] and role["trustedServices"] == ["lambda.amazonaws.com"]
    assert got.has_rel(group["_key"], "CONTAINS", user["_key"])
    assert got.has_rel(group["_key"], "HAS", inline["_key"])
    assert got.has_rel(group["_key"], "HAS", managed["_key"])
    assert got.has_rel(user["_key"], "HAS", access_key["_key"])
    assert got.has_rel("aws:123456789012:iam", "HAS", user["_key"])
    # Only AWS-managed policies that something uses are collected.
    assert len([p for p in got.of_type("aws_iam_policy") if p.get("awsManaged")]) == 1
    assert key["SecretAccessKey"] not in got.dump() and key["SecretAccessKey"] not in json.dumps(got.raw)


def test_s3_bucket_details_and_policy(aws: None, db_path: str) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key()["KeyMetadata"]
    s3.create_bucket(Bucket="pub-bucket-test")
    s3.put_bucket_policy(Bucket="pub-bucket-test", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::pub-bucket-test/*"}
    ]}))
    s3.create_bucket(Bucket="eu-bucket-test", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_encryption(Bucket="eu-bucket-test", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}}]})
    s3.put_bucket_tagging(Bucket="eu-bucket-test", Tagging={"TagSet": [{"Key": "Classification",
                                                                          "Value": "Restricted"}]})
    s3.put_object(Bucket="eu-bucket-test", Key="x.txt", Body=b"object-content-never-stored")
    got = collect(db_path, services=["s3", "kms"], regions=("us-east-1", "eu-west-1"))
    pub = got.one("aws_s3_bucket", name="pub-bucket-test")
    eu = got.one("aws_s3_bucket", name="eu-bucket-test")
    assert pub["public"] is True and pub["region"] == "us-east-1"
    # listed per region (ListBuckets filtered by BucketRegion), tags for the region at once, then the
    # bucket's own reads
    from awsgraph.catalog.s3 import BUCKET

    assert "get_bucket_location" not in {d.call for d in BUCKET.details}
    assert got.step("aws_s3_bucket", "eu-west-1").calls == 1 + len(BUCKET.bulk) + len(BUCKET.details)
    assert eu["region"] == "eu-west-1" and eu["encrypted"] is True and eu["classification"] == "restricted"
    policy = got.one("aws_s3_bucket_policy", bucketName="pub-bucket-test")
    assert got.has_rel(pub["_key"], "HAS", policy["_key"])
    kms_key = got.one("aws_kms_key", id=key["KeyId"])
    assert got.has_rel(eu["_key"], "USES", kms_key["_key"])
    assert "object-content-never-stored" not in got.dump()


def test_s3_buckets_come_from_the_regions_collected(aws: None, db_path: str) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="home-bucket")
    s3.create_bucket(Bucket="far-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
    got = collect(db_path, services=["s3"], regions=("us-east-1",))
    assert [b["name"] for b in got.of_type("aws_s3_bucket")] == ["home-bucket"]
    assert got.step("aws_s3_bucket", "us-east-1").status == "success"


def test_organization_master_has_member_accounts(aws: None, db_path: str) -> None:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="workloads", Email="aws-workloads@example.com")
    member_id = org.describe_create_account_status(
        CreateAccountRequestId=member["CreateAccountStatus"]["Id"])["CreateAccountStatus"]["AccountId"]
    boto3.client("iam").create_account_alias(AccountAlias="acme-root")
    got = collect(db_path, services=["iam"])
    master = got.one("aws_account", accountId="123456789012")
    sub = got.one("aws_account", accountId=member_id)
    assert master["alias"] == "acme-root" and master["name"] == "acme-root"
    assert sub["accountName"] == "workloads"
    assert got.has_rel(master["_key"], "HAS", sub["_key"])
    assert got.step("account").status == "success"


def test_region_discovery_skips_other_partitions_and_opt_in(aws: None) -> None:
    from awsgraph.collect.regions import discover_regions

    regions, note = discover_regions(boto3.client("ec2", region_name="us-east-1"))
    assert note == ""
    assert "us-east-1" in regions and "eu-west-1" in regions
    assert not any(r.startswith(("cn-", "us-gov-")) for r in regions)
    described = boto3.client("ec2", region_name="us-east-1").describe_regions()["Regions"]
    not_opted = {r["RegionName"] for r in described if r.get("OptInStatus") == "not-opted-in"}
    assert not_opted and not (not_opted & set(regions))
