
from __future__ import annotations

from analysis_records import ACCT, account, out_of, rec

from awsgraph.analysis.exposure import exposure
from awsgraph.analysis.nacl import nacl_allows, nacl_edges, nacl_open
from awsgraph.analysis.security_groups import security_group_edges

SG = f"arn:aws:ec2:us-east-1:{ACCT}:security-group/sg-web"
SG_DB = f"arn:aws:ec2:us-east-1:{ACCT}:security-group/sg-db"


def sg(gid, ingress=(), egress=()):
    return rec(f"arn:aws:ec2:us-east-1:{ACCT}:security-group/{gid}", "aws_security_group",
               {"GroupId": gid, "VpcId": "vpc-1", "IpPermissions": list(ingress),
                "IpPermissionsEgress": list(egress)}, region="us-east-1")


def perm(proto, lo=None, hi=None, cidrs=(), v6=(), groups=(), prefix=()):
    p = {"IpProtocol": proto, "IpRanges": [{"CidrIp": c} for c in cidrs],
         "Ipv6Ranges": [{"CidrIpv6": c} for c in v6], "UserIdGroupPairs": [{"GroupId": g} for g in groups],
         "PrefixListIds": [{"PrefixListId": p} for p in prefix]}
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    return p


def by_qualifier(rels, verb="ALLOWS"):
    return {r.qualifier: r for r in rels if r.verb == verb}


def test_one_edge_per_rule_and_source_never_merged():
    g = sg("sg-web", ingress=[perm("tcp", 443, 443, cidrs=["0.0.0.0/0"]), perm("tcp", 22, 22, v6=["::/0"])],
           egress=[perm("-1", cidrs=["0.0.0.0/0"])])
    ents, rels = out_of([account(), g], security_group_edges)
    e = by_qualifier(rels)
    assert set(e) == {"ingress:tcp:443:0.0.0.0/0", "ingress:tcp:22:::/0", "egress:*:0-65535:0.0.0.0/0"}
    https, ssh = e["ingress:tcp:443:0.0.0.0/0"], e["ingress:tcp:22:::/0"]
    assert (https.from_key, https.to_key) == (ssh.from_key, ssh.to_key) == ("global:internet", SG)
    assert https.key != ssh.key and https.key == f"global:internet|allows|{SG}|ingress:tcp:443:0.0.0.0/0"
    assert (https.props["fromPort"], https.props["toPort"], https.props["ipRange"]) == (443, 443, "0.0.0.0/0")
    assert (ssh.props["fromPort"], ssh.props["toPort"], ssh.props["ipRange"]) == (22, 22, "::/0")
    assert https.props["ingress"] is True and https.props["egress"] is False and https.props["ipProtocol"] == "tcp"
    # the README's port pattern: port 80 is in neither rule, so no edge matches it
    assert not [r for r in e.values() if r.props["ingress"] and r.props["fromPort"] <= 80 <= r.props["toPort"]]
    outbound = e["egress:*:0-65535:0.0.0.0/0"]
    assert (outbound.from_key, outbound.to_key) == (SG, "global:internet")
    assert outbound.props["ipProtocol"] == "*" and (outbound.props["fromPort"], outbound.props["toPort"]) == (0, 65535)
    assert outbound.props["egress"] is True and outbound.props["ingress"] is False
    assert ents["global:internet"].classes == ("Internet", "Network")


def test_one_permission_with_two_sources_gives_two_edges_with_their_descriptions():
    p = perm("tcp", 443, 443, cidrs=["0.0.0.0/0"], v6=["::/0"])
    p["IpRanges"][0]["Description"] = "web v4"
    g = sg("sg-web", ingress=[p])
    _, rels = out_of([account(), g], security_group_edges)
    e = by_qualifier(rels)
    assert set(e) == {"ingress:tcp:443:0.0.0.0/0", "ingress:tcp:443:::/0"}
    assert e["ingress:tcp:443:0.0.0.0/0"].props["description"] == "web v4"
    assert "description" not in e["ingress:tcp:443:::/0"].props


def test_sg_reference_and_private_cidr_and_public_cidr():
    web = sg("sg-web")
    db = sg("sg-db", ingress=[perm("tcp", 5432, 5432, groups=["sg-web"], cidrs=["10.0.0.0/8", "8.8.8.0/24"]),
                              perm("tcp", 6432, 6432, groups=["sg-web"])])
    ents, rels = out_of([account(), web, db], security_group_edges)
    e = by_qualifier(rels)
    assert set(e) == {"ingress:tcp:5432:sg-web", "ingress:tcp:6432:sg-web", "ingress:tcp:5432:8.8.8.0/24"}
    pg = e["ingress:tcp:5432:sg-web"]
    assert (pg.from_key, pg.to_key) == (SG, SG_DB) and pg.mapped is False and pg.props["groupId"] == "sg-web"
    other = e["ingress:tcp:6432:sg-web"].props
    assert (other["fromPort"], other["toPort"]) == (6432, 6432)
    assert e["ingress:tcp:5432:8.8.8.0/24"].from_key == "8.8.8.0/24"
    assert ents["8.8.8.0/24"].classes == ("Network",)


def test_egress_to_another_group_and_an_unknown_cross_account_group():
    web = sg("sg-web", egress=[perm("tcp", 5432, 5432, groups=["sg-db"])])
    web.raw["IpPermissionsEgress"][0]["UserIdGroupPairs"].append({"GroupId": "sg-far", "UserId": "222222222222"})
    db = sg("sg-db")
    ents, rels = out_of([account(), web, db], security_group_edges)
    e = by_qualifier(rels)
    assert set(e) == {"egress:tcp:5432:sg-db", "egress:tcp:5432:222222222222/sg-far"}
    assert (e["egress:tcp:5432:sg-db"].from_key, e["egress:tcp:5432:sg-db"].to_key) == (SG, SG_DB)
    far = e["egress:tcp:5432:222222222222/sg-far"]
    assert far.to_key == "arn:aws:ec2:us-east-1:222222222222:security-group/sg-far" and far.mapped is True
    assert ents[far.to_key].props["accountId"] == "222222222222"


def test_prefix_list_rule_edges_to_the_list_and_its_open_entries():
    pl = rec("pl-1", "aws_ec2_managed_prefix_list", {"PrefixListId": "pl-1", "Entries": [{"Cidr": "0.0.0.0/0"}]})
    g = sg("sg-web", ingress=[perm("tcp", 80, 80, prefix=["pl-1"])])
    _, rels = out_of([account(), pl, g], security_group_edges)
    e = by_qualifier(rels)
    assert set(e) == {"ingress:tcp:80:pl-1", "ingress:tcp:80:pl-1:0.0.0.0/0"}
    assert e["ingress:tcp:80:pl-1"].from_key == "pl-1" and e["ingress:tcp:80:pl-1"].mapped is False
    assert e["ingress:tcp:80:pl-1:0.0.0.0/0"].from_key == "global:internet"


def test_unknown_prefix_list_becomes_a_placeholder_network():
    g = sg("sg-web", egress=[perm("udp", 53, 53, prefix=["pl-9"])])
    ents, rels = out_of([account(), g], security_group_edges)
    (edge,) = rels
    key = f"arn:aws:ec2:us-east-1:{ACCT}:prefix-list/pl-9"
    assert (edge.from_key, edge.to_key, edge.qualifier) == (SG, key, "egress:udp:53:pl-9")
    assert ents[key].type == "aws_ec2_managed_prefix_list" and ents[key].classes == ("Configuration",)


def test_icmp_rule_matches_no_port_query():
    g = sg("sg-web", ingress=[perm("icmp", -1, -1, cidrs=["0.0.0.0/0"])])
    _, rels = out_of([account(), g], security_group_edges)
    (edge,) = rels
    assert edge.qualifier == "ingress:icmp:-1:0.0.0.0/0" and edge.props["fromPort"] == -1


def test_nacl_entries_are_one_edge_each_with_rule_numbers():
    acl = nacl([entry(100, "allow", proto="6", lo=443, hi=443), entry(90, "deny", proto="6", lo=22, hi=22),
                entry(110, "allow", proto="6", lo=0, hi=65535, cidr="10.0.0.0/8"),
                {**entry(120, "allow", proto="17", lo=53, hi=53), "CidrBlock": None, "Ipv6CidrBlock": "::/0"},
                entry(100, "allow", egress=True), entry(32767, "deny"), entry(32767, "deny", egress=True)])
    _, rels = out_of([account(), acl], nacl_edges)
    allows, denies = by_qualifier(rels), by_qualifier(rels, "DENIES")
    assert set(allows) == {"ingress:rule-100:tcp:443:0.0.0.0/0", "ingress:rule-120:udp:53:::/0",
                           "egress:rule-100:*:0-65535:0.0.0.0/0"}
    assert set(denies) == {"ingress:rule-90:tcp:22:0.0.0.0/0"}
    https = allows["ingress:rule-100:tcp:443:0.0.0.0/0"]
    assert (https.from_key, https.to_key) == ("global:internet", "acl-1")
    assert https.props["ruleNumber"] == 100 and https.props["ruleAction"] == "allow"
    assert (https.props["fromPort"], https.props["toPort"], https.props["ingress"]) == (443, 443, True)
    out = allows["egress:rule-100:*:0-65535:0.0.0.0/0"]
    assert (out.from_key, out.to_key, out.props["egress"]) == ("acl-1", "global:internet", True)


def nacl(entries, subnet="subnet-1"):
    return rec("acl-1", "aws_network_acl", {"NetworkAclId": "acl-1", "Entries": entries,
                                            "Associations": [{"SubnetId": subnet}]})


def entry(n, action, egress=False, proto="-1", lo=None, hi=None, cidr="0.0.0.0/0"):
    e = {"RuleNumber": n, "RuleAction": action, "Egress": egress, "Protocol": proto, "CidrBlock": cidr}
    if lo is not None:
        e["PortRange"] = {"From": lo, "To": hi}
    return e


def test_nacl_first_match_by_rule_number():
    acl = nacl([entry(200, "allow", proto="6", lo=0, hi=65535), entry(100, "deny", proto="6", lo=22, hi=22),
                entry(32767, "deny"), entry(100, "allow", egress=True), entry(32767, "deny", egress=True)])
    assert nacl_allows(acl, False, "tcp", 22) is False
    assert nacl_allows(acl, False, "tcp", 443) is True
    assert nacl_open(acl, "tcp", 20, 25) == [(20, 21), (23, 25)]


def test_nacl_narrow_deny_does_not_block_the_internet():
    acl = nacl([entry(50, "deny", cidr="198.51.100.0/24"), entry(100, "allow"), entry(32767, "deny"),
                entry(100, "allow", egress=True)])
    assert nacl_allows(acl, False, "tcp", 22) is True


def test_nacl_without_egress_blocks_replies():
    acl = nacl([entry(100, "allow"), entry(32767, "deny"), entry(32767, "deny", egress=True)])
    assert nacl_open(acl, "tcp", 22, 22) == []


def _estate(public_ip=True, igw=True, acl_entries=None, sg_cidr="0.0.0.0/0"):
    g = sg("sg-web", ingress=[perm("tcp", 22, 22, cidrs=[sg_cidr]), perm("tcp", 443, 443, cidrs=[sg_cidr])])
    inst = rec(f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-1", "aws_instance",
               {"InstanceId": "i-1", "SubnetId": "subnet-1", "SecurityGroups": [{"GroupId": "sg-web"}],
                **({"PublicIpAddress": "54.1.2.3"} if public_ip else {})})
    subnet = rec("subnet-1", "aws_subnet", {"SubnetId": "subnet-1", "VpcId": "vpc-1"})
    routes = [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}]
    if igw:
        routes.append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"})
    rt = rec("rtb-1", "aws_route_table", {"VpcId": "vpc-1", "Routes": routes,
                                          "Associations": [{"Main": True}]})
    records = [account(), g, inst, subnet, rt]
    if acl_entries is not None:
        records.append(nacl(acl_entries))
    return records


def _exposed(records):
    ents, _ = out_of(records, exposure)
    return ents[f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-1"].props


def test_instance_exposed_when_everything_lines_up():
    props = _exposed(_estate())
    assert props["exposedToInternet"] is True and props["openPorts"] == "22,443"


def test_not_exposed_without_public_ip():
    assert _exposed(_estate(public_ip=False))["exposedToInternet"] is False


def test_not_exposed_without_igw_route():
    assert _exposed(_estate(igw=False))["exposedToInternet"] is False


def test_not_exposed_when_sg_only_private():
    assert _exposed(_estate(sg_cidr="10.0.0.0/8"))["exposedToInternet"] is False


def test_nacl_denies_one_port():
    acl = [entry(90, "deny", proto="6", lo=22, hi=22), entry(100, "allow"), entry(32767, "deny"),
           entry(100, "allow", egress=True)]
    props = _exposed(_estate(acl_entries=acl))
    assert props["exposedToInternet"] is True and props["openPorts"] == "443"


def test_nacl_denies_all():
    acl = [entry(32767, "deny"), entry(100, "allow", egress=True)]
    assert _exposed(_estate(acl_entries=acl))["exposedToInternet"] is False


def test_internet_facing_load_balancer_ipv6_only_rule_needs_dualstack():
    g = sg("sg-web", ingress=[perm("tcp", 443, 443, v6=["::/0"])])
    raw = {"Scheme": "internet-facing", "SecurityGroups": ["sg-web"], "AvailabilityZones": [{"SubnetId": "subnet-1"}]}
    lb = rec(f"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:loadbalancer/app/web/1", "aws_alb", raw)
    lb6 = rec(f"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:loadbalancer/app/web6/1", "aws_alb",
              {**raw, "IpAddressType": "dualstack"})
    ents, _ = out_of([account(), g, lb, lb6], exposure)
    assert ents[lb.key].props == {"exposedToInternet": False}
    assert ents[lb6.key].props["exposedToInternet"] is True and ents[lb6.key].props["openPorts"] == "443"
    assert ents[lb6.key].raw == {"__merge__": True}


def test_internal_load_balancer_not_exposed():
    g = sg("sg-web", ingress=[perm("tcp", 443, 443, cidrs=["0.0.0.0/0"])])
    lb = rec(f"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:loadbalancer/app/in/1", "aws_alb",
             {"Scheme": "internal", "SecurityGroups": ["sg-web"]})
    ents, _ = out_of([account(), g, lb], exposure)
    assert ents[lb.key].props["exposedToInternet"] is False


def test_instance_with_only_ipv6_exposed_by_ipv6_rule():
    g = sg("sg-web", ingress=[perm("tcp", 80, 80, cidrs=["0.0.0.0/0"]), perm("tcp", 8443, 8443, v6=["::/0"])])
    inst = rec(f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-6", "aws_instance",
               {"InstanceId": "i-6", "SecurityGroups": [{"GroupId": "sg-web"}], "Ipv6Address": "2600:1f18::1"})
    ents, _ = out_of([account(), g, inst], exposure)
    assert ents[inst.key].props["exposedToInternet"] is True and ents[inst.key].props["openPorts"] == "8443"


def test_publicly_accessible_rds():
    g = sg("sg-db", ingress=[perm("tcp", 5432, 5432, cidrs=["0.0.0.0/0"])])
    db = rec(f"arn:aws:rds:us-east-1:{ACCT}:db:orders", "aws_db_instance",
             {"PubliclyAccessible": True, "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-db"}],
              "DBSubnetGroup": {"Subnets": [{"SubnetIdentifier": "subnet-1"}]}})
    private = rec(f"arn:aws:rds:us-east-1:{ACCT}:db:internal", "aws_db_instance",
                  {"PubliclyAccessible": False, "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-db"}]})
    ents, _ = out_of([account(), g, db, private], exposure)
    assert ents[db.key].props["openPorts"] == "5432" and ents[private.key].props["exposedToInternet"] is False


def test_documentation_range_counts_as_public_network():
    g = sg("sg-db", ingress=[perm("tcp", 3389, 3389, cidrs=["203.0.113.0/24", "192.168.1.0/24"]),
                             perm("tcp", 22, 22, cidrs=["198.51.100.7/32"])])
    ents, rels = out_of([account(), g], security_group_edges)
    assert {r.from_key for r in rels} == {"203.0.113.0/24", "198.51.100.7/32"}
    assert ents["198.51.100.7/32"].classes == ("Host",) and ents["203.0.113.0/24"].classes == ("Network",)


def test_load_balancer_open_ports_are_its_listeners_within_the_group():
    g = sg("sg-web", ingress=[perm("-1", cidrs=["0.0.0.0/0"])])
    lb = rec(f"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:loadbalancer/app/l/1", "aws_alb",
             {"Scheme": "internet-facing", "SecurityGroups": ["sg-web"],
              "Listeners": [{"Port": 443, "Protocol": "HTTPS"}, {"Port": 80, "Protocol": "HTTP"}]})
    ents, _ = out_of([account(), g, lb], exposure)
    assert ents[lb.key].props["openPorts"] == "80,443"
