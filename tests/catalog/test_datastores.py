"""EFS, RDS, Redshift, DynamoDB, ElastiCache and OpenSearch/Elasticsearch on in-process moto."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from awsgraph.catalog import CATALOG, ec2
from tests.helpers import collect

# Only the EC2 types these tests link to: the whole EC2 catalog would cost seconds per test.
NETWORK = (ec2.VPC, ec2.SUBNET, ec2.SECURITY_GROUP, ec2.ENI, ec2.INSTANCE)
SLIM = [s for s in CATALOG if s.service_group != "ec2"] + list(NETWORK)

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def aws() -> Iterator[None]:
    """In-process moto without AWS-managed IAM policies (nothing here uses them)."""
    with mock_aws():
        yield


def _network(region: str = "us-east-1", second: int = 2) -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{second}.0/24", AvailabilityZone=f"{region}b")["Subnet"][
        "SubnetId"
    ]
    sg = ec2.create_security_group(GroupName="data", Description="data", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnet": a, "subnet_b": b, "sg": sg}


def test_efs_file_system_and_mount_target(aws: None, db_path: str) -> None:
    net = _network()
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    efs = boto3.client("efs")
    fs = efs.create_file_system(
        CreationToken="shared", Encrypted=True, KmsKeyId=key, Tags=[{"Key": "Name", "Value": "shared"}]
    )
    mt = efs.create_mount_target(FileSystemId=fs["FileSystemId"], SubnetId=net["subnet"], SecurityGroups=[net["sg"]])
    got = collect(db_path, services=["efs", "ec2", "kms"], catalog=SLIM)
    f = got.one("aws_efs_file_system", id=fs["FileSystemId"])
    m = got.one("aws_efs_mount_target", id=mt["MountTargetId"])
    assert f["_class"] == ["DataStore"] and f["encrypted"] is True and f["kmsKeyId"] == key and f["name"] == "shared"
    assert m["_class"] == ["NetworkEndpoint"] and m["subnetId"] == net["subnet"] and m["vpcId"] == net["vpc"]
    assert m["securityGroupIds"] == [net["sg"]]
    eni = got.one("aws_eni", id=mt["NetworkInterfaceId"])
    assert got.has_rel(f"aws:{ACCOUNT}:efs", "HAS", f["_key"])
    assert got.has_rel(f["_key"], "HAS", m["_key"])
    assert got.has_rel(m["_key"], "USES", eni["_key"])
    assert got.has_rel(got.one("aws_subnet", id=net["subnet"])["_key"], "HAS", m["_key"])
    assert got.has_rel(got.one("aws_security_group", id=net["sg"])["_key"], "PROTECTS", m["_key"])
    assert got.has_rel(f["_key"], "USES", got.one("aws_kms_key", arn=key)["_key"])


def _rds_estate(region: str, key_ref: str) -> dict[str, str]:
    net = _network(region)
    rds = boto3.client("rds", region_name=region)
    rds.create_db_subnet_group(
        DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=[net["subnet"], net["subnet_b"]]
    )
    rds.create_db_cluster(
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        MasterUsername="app",
        MasterUserPassword="hunter2-demo-db-password",
        DBSubnetGroupName="db",
        VpcSecurityGroupIds=[net["sg"]],
        StorageEncrypted=True,
        KmsKeyId=key_ref,
        BackupRetentionPeriod=7,
        DeletionProtection=True,
        EnableIAMDatabaseAuthentication=True,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="orders-1",
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        DBSubnetGroupName="db",
    )
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="orders-snap", DBClusterIdentifier="orders")
    rds.create_db_instance(
        DBInstanceIdentifier="legacy",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="hunter2-demo-db-password",
        PubliclyAccessible=True,
        DBSubnetGroupName="db",
        VpcSecurityGroupIds=[net["sg"]],
        MultiAZ=True,
    )
    rds.create_db_snapshot(DBSnapshotIdentifier="legacy-export", DBInstanceIdentifier="legacy")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="legacy-export", AttributeName="restore", ValuesToAdd=["all"])
    return net


def test_rds_in_two_regions_links_within_each_region(aws: None, db_path: str) -> None:
    nets, keys = {}, {}
    for region in REGIONS:
        kms = boto3.client("kms", region_name=region)
        keys[region] = kms.create_key()["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName="alias/orders", TargetKeyId=keys[region])
        # The same identifiers and the same alias name in both regions: links must not cross.
        nets[region] = _rds_estate(region, "alias/orders")
    got = collect(db_path, services=["rds", "kms"], regions=REGIONS)
    for region in REGIONS:
        arn = f"arn:aws:rds:{region}:{ACCOUNT}"
        cluster = got.one("aws_rds_cluster", _key=f"{arn}:cluster:orders")
        member = got.one("aws_db_instance", _key=f"{arn}:db:orders-1")
        legacy = got.one("aws_db_instance", _key=f"{arn}:db:legacy")
        csnap = got.one("aws_db_cluster_snapshot", _key=f"{arn}:cluster-snapshot:orders-snap")
        snap = got.one("aws_db_snapshot", _key=f"{arn}:snapshot:legacy-export")
        key = got.one("aws_kms_key", arn=keys[region])
        assert cluster["_class"] == ["DataStore", "Database", "Cluster"]
        assert member["_class"] == ["DataStore", "Database", "Host"]
        assert snap["_class"] == csnap["_class"] == ["DataStore", "Database", "Image"]
        assert (cluster["engine"], cluster["encrypted"], cluster["backupRetentionPeriod"]) == (
            "aurora-postgresql",
            True,
            7,
        )
        assert cluster["deletionProtection"] is True and cluster["iamAuth"] is True
        assert cluster["vpcId"] == nets[region]["vpc"] and cluster["securityGroupIds"] == [nets[region]["sg"]]
        assert cluster["endpoint"] and cluster["engineVersion"]
        assert legacy["publiclyAccessible"] is True and legacy["multiAZ"] is True and legacy["encrypted"] is False
        assert legacy["vpcId"] == nets[region]["vpc"] and legacy["endpoint"] and legacy["port"] == 3306
        assert sorted(legacy["subnetIds"]) == sorted([nets[region]["subnet"], nets[region]["subnet_b"]])
        assert snap["public"] is True and csnap["public"] is False
        assert got.has_rel(cluster["_key"], "CONTAINS", member["_key"])
        assert got.has_rel(cluster["_key"], "USES", key["_key"])
        assert got.has_rel(cluster["_key"], "CONTAINS", csnap["_key"])
        assert got.has_rel(legacy["_key"], "CONTAINS", snap["_key"])
        assert got.has_rel(f"aws:{ACCOUNT}:rds", "HAS", cluster["_key"])
        assert got.has_rel(f"aws:{ACCOUNT}:rds", "HAS", legacy["_key"])
    cross = [
        r
        for r in got.relationships
        if r["_class"] in ("CONTAINS", "USES") and r["_fromEntityKey"].split(":")[3] != r["_toEntityKey"].split(":")[3]
    ]
    assert not cross, cross
    assert "hunter2-demo-db-password" not in got.dump() + json.dumps(got.raw)


def test_redshift_cluster_vpc_from_subnet_group(aws: None, db_path: str) -> None:
    net = _network()
    rs = boto3.client("redshift")
    rs.create_cluster_subnet_group(ClusterSubnetGroupName="dw", Description="dw", SubnetIds=[net["subnet"]])
    rs.create_cluster(
        ClusterIdentifier="warehouse",
        NodeType="ra3.xlplus",
        NumberOfNodes=2,
        MasterUsername="dw",
        MasterUserPassword="Hunter2Password1",
        ClusterSubnetGroupName="dw",
        PubliclyAccessible=True,
        VpcSecurityGroupIds=[net["sg"]],
        Encrypted=True,
    )
    got = collect(db_path, services=["redshift", "ec2"], catalog=SLIM)
    c = got.one("aws_redshift_cluster", name="warehouse")
    assert c["_class"] == ["DataStore", "Database", "Cluster"]
    assert c["_key"] == f"arn:aws:redshift:us-east-1:{ACCOUNT}:cluster:warehouse"
    assert c["vpcId"] == net["vpc"] and c["subnetIds"] == [net["subnet"]] and c["securityGroupIds"] == [net["sg"]]
    assert c["publiclyAccessible"] is True and c["encrypted"] is True and c["endpoint"]
    assert got.has_rel(got.one("aws_vpc", id=net["vpc"])["_key"], "HAS", c["_key"])
    assert got.has_rel(f"aws:{ACCOUNT}:redshift", "HAS", c["_key"])


def test_dynamodb_table_uses_its_kms_key(aws: None, db_path: str) -> None:
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    ddb = boto3.client("dynamodb")
    schema = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    ddb.create_table(
        TableName="orders",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
        Tags=[{"Key": "Classification", "Value": "Restricted"}],
        **schema,
    )
    ddb.create_table(TableName="sessions", **schema)
    ddb.put_item(TableName="orders", Item={"pk": {"S": "item-content-never-read"}})
    got = collect(db_path, services=["dynamodb", "kms"])
    orders = got.one("aws_dynamodb_table", name="orders")
    sessions = got.one("aws_dynamodb_table", name="sessions")
    assert orders["_class"] == ["DataStore", "Database"] and orders["encrypted"] is True
    assert orders["kmsKeyId"] == key and orders["_key"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
    assert orders["tag.Classification"] == "Restricted" and orders["classification"] == "restricted"
    assert sessions["encrypted"] is True and "kmsKeyId" not in sessions
    assert got.has_rel(orders["_key"], "USES", got.one("aws_kms_key", arn=key)["_key"])
    assert got.has_rel(f"aws:{ACCOUNT}:dynamodb", "HAS", orders["_key"])
    assert "item-content-never-read" not in got.dump() + json.dumps(got.raw)


def test_elasticache_memcached_and_redis(aws: None, db_path: str) -> None:
    """moto returns no cache nodes or security groups (see test_elasticache_stubbed for those)."""
    net = _network()
    ec = boto3.client("elasticache")
    ec.create_cache_subnet_group(
        CacheSubnetGroupName="cache", CacheSubnetGroupDescription="c", SubnetIds=[net["subnet"]]
    )
    ec.create_cache_cluster(
        CacheClusterId="sessions",
        Engine="memcached",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=2,
        CacheSubnetGroupName="cache",
        SecurityGroupIds=[net["sg"]],
    )
    ec.create_replication_group(
        ReplicationGroupId="queue",
        ReplicationGroupDescription="q",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=2,
        CacheSubnetGroupName="cache",
        AtRestEncryptionEnabled=True,
        Tags=[{"Key": "Owner", "Value": "jobs"}],
    )
    got = collect(db_path, services=["elasticache"])
    mc = got.one("aws_elasticache_memcached_cluster", name="sessions")
    rg = got.one("aws_elasticache_redis_cluster", name="queue")
    assert mc["_class"] == rg["_class"] == ["Database", "DataStore", "Cluster"]
    assert mc["engine"] == "memcached" and mc["vpcId"] == net["vpc"] and mc["encrypted"] is False
    assert rg["encrypted"] is True and rg["engine"] == "redis" and rg["endpoint"] and rg["tag.Owner"] == "jobs"
    nodes = got.of_type("aws_elasticache_cluster_node")
    assert nodes and all(n["_class"] == ["Database", "DataStore", "Host"] for n in nodes)
    assert all(got.has_rel(rg["_key"], "HAS", n["_key"]) for n in nodes)
    assert got.has_rel(f"aws:{ACCOUNT}:elasticache", "HAS", mc["_key"])
    assert got.has_rel(f"aws:{ACCOUNT}:elasticache", "HAS", rg["_key"])
    assert all(s.status == "success" for s in got.summary.steps if s.service == "elasticache")


def test_opensearch_and_elasticsearch_domains_once_each(aws: None, db_path: str) -> None:
    net = _network()
    boto3.client("opensearch").create_domain(
        DomainName="logs",
        EngineVersion="OpenSearch_2.11",
        EncryptionAtRestOptions={"Enabled": True},
        VPCOptions={"SubnetIds": [net["subnet"]], "SecurityGroupIds": [net["sg"]]},
    )
    boto3.client("es").create_elasticsearch_domain(
        DomainName="legacy",
        ElasticsearchVersion="7.10",
        AccessPolicies=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": "*"}],
            }
        ),
    )
    got = collect(db_path, services=["es", "ec2"], catalog=SLIM)
    domains = got.of_type("aws_elasticsearch_domain")
    assert sorted(d["name"] for d in domains) == [
        "legacy",
        "logs",
    ]  # each domain once, though both APIs list both
    logs = got.one("aws_elasticsearch_domain", name="logs")
    legacy = got.one("aws_elasticsearch_domain", name="legacy")
    assert logs["_class"] == ["Database", "DataStore", "Cluster"]
    assert (logs["engine"], logs["engineVersion"], logs["encrypted"]) == ("opensearch", "2.11", True)
    assert (legacy["engine"], legacy["engineVersion"], legacy["encrypted"]) == (
        "elasticsearch",
        "7.10",
        False,
    )
    assert (logs["readThrough"], legacy["readThrough"]) == ("opensearch", "es")  # each through its engine's API
    assert logs["securityGroupIds"] == [net["sg"]] and logs["subnetIds"] == [net["subnet"]]
    assert legacy["public"] is True and legacy["publiclyAccessible"] is True
    assert got.has_rel(got.one("aws_security_group", id=net["sg"])["_key"], "PROTECTS", logs["_key"])
    assert got.has_rel(f"aws:{ACCOUNT}:es", "HAS", logs["_key"])
    assert got.has_rel(f"aws:account:{ACCOUNT}", "HAS", f"aws:{ACCOUNT}:es")
