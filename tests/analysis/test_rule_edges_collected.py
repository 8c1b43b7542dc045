"""Per-rule ALLOWS edges end to end: moto security groups and ACLs, the collector, the store, J1QL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import boto3
from tests.helpers import collect

from awsgraph.catalog import CATALOG
from awsgraph.catalog import ec2 as ec2_specs
from awsgraph.query import run_query


def test_one_row_per_rule_and_no_false_port_match(aws: None, tmp_path: Path) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
    ])
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]},
        {"IpProtocol": "tcp", "FromPort": 6432, "ToPort": 6432, "UserIdGroupPairs": [{"GroupId": web}]},
    ])
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny", Egress=False,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    db_path = str(tmp_path / "g.db")
    # only what the rules need: a smaller, faster collection of the same code path
    slim = [s for s in CATALOG if s.service_group != "ec2"] + [ec2_specs.SECURITY_GROUP, ec2_specs.NETWORK_ACL]
    got = collect(db_path, services=["ec2"], catalog=slim)
    assert not [s for s in got.summary.steps if s.status != "success"]

    conn = sqlite3.connect(db_path)
    rows = run_query(conn, f"FIND aws_security_group WITH groupId = '{web}' THAT ALLOWS AS r Internet "
                           "RETURN r.fromPort, r.toPort, r.ingress ORDER BY r.fromPort")
    # one row per rule: the two ingress rules and the default allow-all egress rule
    assert [(r["r.fromPort"], r["r.toPort"], r["r.ingress"]) for r in rows] == [
        (0, 65535, False), (22, 22, True), (443, 443, True)]
    readme = ("FIND aws_security_group AS fw THAT ALLOWS AS rule * AS src WHERE rule.ingress=true AND "
              "rule.fromPort<={port} AND rule.toPort>={port} RETURN fw.groupId, src._type, rule.fromPort")
    assert run_query(conn, readme.format(port=80)) == []
    assert [r["fw.groupId"] for r in run_query(conn, readme.format(port=443))] == [web]
    pg = run_query(conn, f"FIND aws_security_group WITH groupId = '{web}' THAT ALLOWS AS r aws_security_group "
                         f"AS other WHERE other.groupId = '{db}' RETURN r.fromPort ORDER BY r.fromPort")
    assert [r["r.fromPort"] for r in pg] == [5432, 6432]
    acl_rows = run_query(conn, f"FIND Internet THAT (ALLOWS|DENIES) AS r aws_network_acl WITH "
                               f"_key ~= '{acl}' RETURN r._class, r.ruleNumber, r.fromPort")
    assert sorted((r["r._class"], r["r.ruleNumber"], r["r.fromPort"]) for r in acl_rows) == [
        ("ALLOWS", 100, 443), ("DENIES", 90, 22)]
    keys = {r["_key"] for r in got.relationships if r["_class"] == "ALLOWS" and r["_toEntityKey"].endswith(web)}
    assert len(keys) == 2 and all(k.count("|") == 3 for k in keys)
