
from __future__ import annotations

from analysis_records import ACCT, OTHER, account, edges, out_of, rec

from awsgraph.analysis.mapped import dns_connections, domain_zones, user_persons, vpc_peering


def user(name, tags=()):
    arn = f"arn:aws:iam::{ACCT}:user/{name}"
    return rec(arn, "aws_iam_user", {"UserName": name, "Tags": list(tags)}, username=name, name=name)


def test_user_named_by_email_is_person():
    ents, rels = out_of([account(), user("Alice@Example.com"), user("svc-deploy")], user_persons)
    assert [(r.verb, r.to_key) for r in rels] == [("IS", "person:alice@example.com")]
    assert rels[0].mapped is True and ents["person:alice@example.com"].classes[0] == "Person"


def test_email_tag_and_existing_person():
    person = rec("emp-1", "employee", {}, email="bob@example.com")
    u = user("bob", tags=[{"Key": "Email", "Value": "bob@example.com"}])
    ents, rels = out_of([account(), person, u], user_persons)
    assert set(edges(rels)) == {(u.key, "emp-1")} and "person:bob@example.com" not in ents


def record(name, rtype, values=(), alias=None):
    rs = {"Name": name, "Type": rtype, "ResourceRecords": [{"Value": v} for v in values]}
    if alias:
        rs["AliasTarget"] = {"DNSName": alias, "HostedZoneId": "Z1"}
    return rec(f"Z1/{name}/{rtype}", "aws_route53_record", rs)


def test_dns_records_connect_by_ip_and_alias_and_cname():
    inst = rec(f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-1", "aws_instance",
               {"InstanceId": "i-1", "PublicIpAddress": "54.1.2.3", "PublicDnsName": "ec2-54-1-2-3.compute.aws"})
    lb = rec(f"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:loadbalancer/app/web/1", "aws_alb",
             {"DNSName": "web-1.us-east-1.elb.amazonaws.com"})
    eni = rec(f"arn:aws:ec2:us-east-1:{ACCT}:network-interface/eni-1", "aws_eni",
              {"NetworkInterfaceId": "eni-1", "Association": {"PublicIp": "54.1.2.3"}})
    eip = rec(f"arn:aws:ec2:us-east-1:{ACCT}:elastic-ip/eipalloc-1", "aws_eip", {"PublicIp": "54.1.2.3"})
    lone_eip = rec(f"arn:aws:ec2:us-east-1:{ACCT}:elastic-ip/eipalloc-2", "aws_eip", {"PublicIp": "54.9.9.9"})
    recs = [record("a.example.com.", "A", ["54.1.2.3"]),
            record("www.example.com.", "A", alias="dualstack.web-1.us-east-1.elb.amazonaws.com."),
            record("c.example.com.", "CNAME", ["ec2-54-1-2-3.compute.aws"]),
            record("x.example.com.", "A", ["198.51.100.7"]),
            record("example.com.", "TXT", ["\"v=spf1\""]),
            record("eip.example.com.", "A", ["54.9.9.9"])]
    ents, rels = out_of([account(), eni, eip, lone_eip, inst, lb, *recs], dns_connections)
    e = edges(rels, "CONNECTS")
    assert set(e) == {(recs[0].key, inst.key), (recs[1].key, lb.key), (recs[2].key, inst.key),
                      (recs[3].key, "host:198.51.100.7"), (recs[5].key, lone_eip.key)}
    assert e[(recs[3].key, "host:198.51.100.7")].mapped is True
    assert ents["host:198.51.100.7"].props["_source"] == "system-mapper"


def test_domain_has_zone_registered_and_elsewhere():
    dom = rec("example.com", "aws_route53_domain", {"DomainName": "example.com"}, domainName="example.com")
    z1 = rec("Z1", "aws_route53_zone", {"HostedZone": {"Id": "/hostedzone/Z1", "Name": "example.com."}})
    z2 = rec("Z2", "aws_route53_zone", {"HostedZone": {"Id": "/hostedzone/Z2", "Name": "dev.example.com."}})
    z3 = rec("Z3", "aws_route53_zone", {"HostedZone": {"Id": "/hostedzone/Z3", "Name": "other.org."}})
    z4 = rec("Z4", "aws_route53_zone", {"HostedZone": {"Name": "corp.internal.", "Config": {"PrivateZone": True}}})
    ents, rels = out_of([account(), dom, z1, z2, z3, z4], domain_zones)
    assert set(edges(rels, "HAS")) == {("example.com", "Z1"), ("example.com", "Z2"), ("domain:other.org", "Z3")}
    assert ents["domain:other.org"].type == "domain"


def test_vpc_peering_same_and_cross_account():
    v1 = rec(f"arn:aws:ec2:us-east-1:{ACCT}:vpc/vpc-1", "aws_vpc", {"VpcId": "vpc-1"})
    v2 = rec(f"arn:aws:ec2:us-east-1:{ACCT}:vpc/vpc-2", "aws_vpc", {"VpcId": "vpc-2"})
    p1 = rec("pcx-1", "aws_vpc_peering_connection", {
        "VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
        "RequesterVpcInfo": {"VpcId": "vpc-1", "OwnerId": ACCT, "Region": "us-east-1"},
        "AccepterVpcInfo": {"VpcId": "vpc-2", "OwnerId": ACCT, "Region": "us-east-1"}})
    p2 = rec("pcx-2", "aws_vpc_peering_connection", {
        "VpcPeeringConnectionId": "pcx-2", "Status": {"Code": "active"},
        "RequesterVpcInfo": {"VpcId": "vpc-1", "OwnerId": ACCT, "Region": "us-east-1"},
        "AccepterVpcInfo": {"VpcId": "vpc-9", "OwnerId": OTHER, "Region": "eu-west-1"}})
    p3 = rec("pcx-3", "aws_vpc_peering_connection", {
        "VpcPeeringConnectionId": "pcx-3", "Status": {"Code": "deleted"},
        "RequesterVpcInfo": {"VpcId": "vpc-1"}, "AccepterVpcInfo": {"VpcId": "vpc-2"}})
    ents, rels = out_of([account(), v1, v2, p1, p2, p3], vpc_peering)
    other = f"arn:aws:ec2:eu-west-1:{OTHER}:vpc/vpc-9"
    e = edges(rels, "CONNECTS")
    assert set(e) == {(v1.key, v2.key), (v1.key, other)}
    assert e[(v1.key, other)].props["crossAccount"] is True and e[(v1.key, other)].mapped is True
    assert e[(v1.key, v2.key)].type == "aws_vpc_connects_vpc"
    assert ents[other].props["accountId"] == OTHER


def test_cname_to_api_gateway_default_endpoint():
    api = rec("arn:aws:apigateway:us-east-1::/restapis/abc123", "aws_api_gateway_rest_api", {"id": "abc123"})
    r = record("api.example.com.", "CNAME", ["abc123.execute-api.us-east-1.amazonaws.com"])
    _, rels = out_of([account(), api, r], dns_connections)
    assert set(edges(rels)) == {(r.key, api.key)}


def test_s3_website_alias_and_alias_to_own_record():
    b = rec("arn:aws:s3:::www.example.org", "aws_s3_bucket", {"Name": "www.example.org"})
    site = record("www.example.org.", "A", alias="s3-website-us-east-1.amazonaws.com.")
    apex = record("example.org.", "A", alias="www.example.org.")
    ents, rels = out_of([account(), b, site, apex], dns_connections)
    assert set(edges(rels)) == {(site.key, b.key)}
    assert not ents
