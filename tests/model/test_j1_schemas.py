"""The class vocabulary, the analysers' placeholders and tag properties against J1's class schemas.

Collected entities are checked where they are collected: the sandbox estate in
``tests/e2e/test_cli_sandbox.py`` and the Stubber estate in ``tests/catalog/test_edge_stubbed.py``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from awsgraph.analysis import ANALYSERS
from awsgraph.analysis.view import GraphView, Record
from awsgraph.catalog import CATALOG
from awsgraph.catalog.spec import Resource
from awsgraph.model import Entity
from awsgraph.model.classes import CLASSES, nullable_required, required_properties
from awsgraph.model.entity import normalize_tags
from awsgraph.model.tags import decode_tag_key, encode_tag_key, stored_property, tag_key, tag_property
from tests import j1_schemas
from tests.j1_schemas import ANALYSIS_TYPES, OUTSIDE_MODEL, SHARED, VENDORED, assert_conform, schema_errors, schemas

sys.path.insert(0, str(Path(__file__).parents[1] / "analysis"))
from analysis_records import ACCT, OTHER, account, bucket, rec


def test_vendored_schemas_are_the_shared_reference_unchanged() -> None:
    vendored = {p.name: p.read_bytes() for p in VENDORED.glob("*.json")}
    assert len(vendored) > 100 and (VENDORED.parent / "LICENSE").read_text().startswith("Mozilla Public License")
    if not SHARED.is_dir():
        return  # a clean clone: the vendored copy is all there is (the rest of this file still runs)
    assert vendored == {p.name: p.read_bytes() for p in SHARED.glob("*.json")}


def test_schema_location_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(j1_schemas.SCHEMA_ENV, str(tmp_path))
    assert j1_schemas.schema_dir() == tmp_path
    monkeypatch.delenv(j1_schemas.SCHEMA_ENV)
    monkeypatch.setattr(j1_schemas, "SHARED", tmp_path / "absent")
    assert j1_schemas.schema_dir() == VENDORED


def _nullable(spec: dict[str, Any]) -> bool:
    t = spec.get("type")
    return t == "null" or (isinstance(t, list) and "null" in t) or any(
        _nullable(s) for k in ("oneOf", "anyOf") for s in spec.get(k, []))


def test_class_vocabulary_matches_the_schemas() -> None:
    known = schemas()
    assert set(CLASSES) - set(known) == set(OUTSIDE_MODEL)
    for name, schema in known.items():
        parts = schema.get("allOf", [])
        parent = next((p["$ref"].lstrip("#") for p in parts if "$ref" in p), "")
        required = list(schema.get("required", [])) + [r for p in parts for r in p.get("required", [])]
        assert CLASSES[name][0] == parent, name
        assert [r.rstrip("?") for r in CLASSES[name][1]] == required, name
    for name in known:
        for prop in required_properties(name):
            specs: list[dict[str, Any]] = []  # every definition along the chain: all must accept null
            cls: str | None = name
            while cls:
                specs += [p["properties"][prop] for p in [known[cls], *known[cls].get("allOf", [])]
                          if prop in p.get("properties", {})]
                cls = CLASSES[cls][0] or None
            if not prop.startswith("_"):
                assert (prop in nullable_required(name)) == bool(specs and all(map(_nullable, specs))), (name, prop)


def test_every_class_the_catalog_names_is_known() -> None:
    for spec in CATALOG:
        if isinstance(spec, Resource):
            for cls in spec.cls:
                assert cls in CLASSES, (spec.type, cls)


def _placeholder_estate() -> list[Record]:
    sg_arn = f"arn:aws:ec2:us-east-1:{ACCT}:security-group/sg-web"
    rules = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
              "IpRanges": [{"CidrIp": "203.0.113.7/32"}, {"CidrIp": "198.51.100.0/24"}],
              "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}, {"CidrIpv6": "::/0"}],
              "UserIdGroupPairs": [{"GroupId": "sg-far", "UserId": OTHER}],
              "PrefixListIds": [{"PrefixListId": "pl-9"}]}]
    group = rec(sg_arn, "aws_security_group", {"GroupId": "sg-web", "IpPermissions": rules,
                                                "IpPermissionsEgress": []}, region="us-east-1")
    acl = rec(f"arn:aws:ec2:us-east-1:{ACCT}:network-acl/acl-1", "aws_network_acl", {"Entries": [
        {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": False, "CidrBlock": "192.0.2.9/32",
         "PortRange": {"From": 443, "To": 443}}]})
    role_arn = f"arn:aws:iam::{ACCT}:role/app"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
        "AWS": [f"arn:aws:iam::{OTHER}:role/ops", f"arn:aws:iam::{OTHER}:user/eve", "444455556666"],
        "Federated": ["cognito-identity.amazonaws.com", f"arn:aws:iam::{ACCT}:saml-provider/okta"],
        "Service": "glue.amazonaws.com"}}]}
    role = rec(role_arn, "aws_iam_role", {"RoleName": "app", "Arn": role_arn, "AssumeRolePolicyDocument": trust})
    public = bucket("open", Policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open/*"}]})
    user = rec(f"arn:aws:iam::{ACCT}:user/carol@example.com", "aws_iam_user", {"UserName": "carol@example.com"},
               username=["carol@example.com"])
    zone = rec("zone-1", "aws_route53_zone", {"Name": "example.org.", "Config": {"PrivateZone": False}})
    records = [rec(f"rec-{n}", "aws_route53_record", raw) for n, raw in enumerate([
        {"Name": "api.example.org.", "Type": "CNAME", "ResourceRecords": [{"Value": "api.partner-host.net"}]},
        {"Name": "ip.example.org.", "Type": "A", "ResourceRecords": [{"Value": "192.0.2.44"}]},
    ])]
    peering = rec("pcx-1", "aws_vpc_peering_connection", {
        "VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
        "RequesterVpcInfo": {"VpcId": "vpc-a", "OwnerId": ACCT, "Region": "us-east-1", "CidrBlock": "10.0.0.0/16"},
        "AccepterVpcInfo": {"VpcId": "vpc-b", "OwnerId": OTHER, "Region": "us-east-1", "CidrBlock": "10.1.0.0/16"}})
    vpc = rec(f"arn:aws:ec2:us-east-1:{ACCT}:vpc/vpc-a", "aws_vpc", {"VpcId": "vpc-a"})
    return [account(), group, acl, role, public, user, zone, *records, peering, vpc]


def test_every_placeholder_the_analysers_make_conforms() -> None:
    view = GraphView(_placeholder_estate())
    made = [item for analyse in ANALYSERS for item in analyse(view)
            if isinstance(item, Entity) and not (item.raw or {}).get("__merge__")]
    types = assert_conform(e.to_j1() for e in made)
    assert types >= ANALYSIS_TYPES  # every kind of placeholder was made and checked
    assert {"aws_account", "aws_security_group", "aws_iam_role", "aws_iam_user", "aws_vpc", "aws_glue",
            "aws_iam_saml_provider"} <= types
    everyone = next(e.to_j1() for e in made if e.type == "everyone")
    assert everyone["name"] == "Everyone"


def test_unknown_values_are_null_never_invented() -> None:
    e = Entity("arn:aws:ec2:us-east-1:1:instance/i-1", "aws_instance", ("Host",),
               {"name": "i-1", "displayName": "i-1"}).to_j1()
    assert e["serial"] is None and e["osVersion"] is None and e["lastSeenOn"] is None
    # a required property that cannot be null is left out, and the schema check says so
    svc = Entity("aws:1:s3", "aws_s3", ("Service",), {"name": "s3", "displayName": "S3"}).to_j1()
    assert "category" not in svc
    assert any("'category' is a required property" in p for p in schema_errors(svc))


@pytest.mark.parametrize(("key", "prop"), [
    ("Name", "tag.Name"),
    ("cost-center", "tag.cost-center"),
    ("Cost Center", "tag.Cost Center"),
    ("aws:autoscaling:groupName", "tag.-aws-3Aautoscaling-3AgroupName"),
    ("cost_center", "tag.-cost-5Fcenter"),
    ("kubernetes.io/cluster/prod", "tag.-kubernetes.io-2Fcluster-2Fprod"),
    ("-leading", "tag.--2Dleading"),
    ("owner@team+ops=1", "tag.-owner-40team-2Bops-3D1"),
    ("Équipe", "tag.--C3-89quipe"),
])
def test_tag_keys_encode_reversibly_into_schema_property_names(key: str, prop: str) -> None:
    assert tag_property(key) == prop
    assert tag_key(prop) == key and decode_tag_key(encode_tag_key(key)) == key
    assert re.fullmatch(r"^(_|tag\.)?[A-Za-z0-9. -]+$", prop)
    # J1QL may name the tag either way
    assert stored_property(f"tag.{key}") == prop and stored_property(prop) == prop


def test_tag_properties_validate_and_queries_find_them_by_the_aws_key(tmp_path: Path) -> None:
    from awsgraph.query import run_query
    from awsgraph.store import SQLiteStore

    tags = [{"Key": "aws:autoscaling:groupName", "Value": "web-asg"}, {"Key": "cost_center", "Value": "42"},
            {"Key": "Email", "Value": "not an address"}]
    props: dict[str, Any] = {"name": "i-1", "displayName": "i-1", **normalize_tags(tags)}
    inst = Entity(f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-1", "aws_instance", ("Host",), props)
    j1 = inst.to_j1()
    assert "email" not in j1  # an Email tag that is no address is not copied as one
    assert not schema_errors(j1)
    store = SQLiteStore(str(tmp_path / "g.db"))
    run = store.begin_run({})
    store.stage_entities(run, [inst])
    store.finish_run(run, [], [], None, {})
    conn = store.connection
    for query in ("FIND aws_instance WITH tag.aws:autoscaling:groupName = 'web-asg'",
                  "FIND aws_instance WITH [tag.-aws-3Aautoscaling-3AgroupName] = 'web-asg'",
                  "FIND aws_instance WITH tag.cost_center = 42"):
        assert [r["_key"] for r in run_query(conn, query)] == [inst.key], query
    row = run_query(conn, "FIND aws_instance AS i RETURN i.tag.aws:autoscaling:groupName")
    assert json.loads(json.dumps(row)) == [{"i.tag.aws:autoscaling:groupName": "web-asg"}]
    store.close()


def test_user_and_person_lists() -> None:
    user = Entity(f"arn:aws:iam::{ACCT}:user/bob", "aws_iam_user", ("User",),
                  {"name": "bob", "displayName": "bob", "username": ["bob"],
                   **normalize_tags([{"Key": "Email", "Value": "Bob@Example.com"}])}).to_j1()
    assert user["email"] == ["bob@example.com"] and user["username"] == ["bob"]
    assert user["firstName"] is None and user["shortLoginId"] is None
    assert not schema_errors(user)
