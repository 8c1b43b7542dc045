"""A small estate written through the real store API, shared by the query tests."""

from __future__ import annotations

import time
from collections.abc import Iterable

from awsgraph.model import Entity, Relationship
from awsgraph.store import PostgresStore, SQLiteStore, is_url

ACCOUNT = "111122223333"
NOW_MS = 1_760_000_000_000
DAY_MS = 86_400_000


def ent(key: str, etype: str, classes: Iterable[str], region: str = "us-east-1", **props: object) -> Entity:
    base: dict[str, object] = {"accountId": ACCOUNT, "region": region, "displayName": props.get("name", key)}
    base.update(props)
    return Entity(key=key, type=etype, classes=tuple(classes), props=base)  # type: ignore[arg-type]


def rel(a: Entity, verb: str, b: Entity, **props: object) -> Relationship:
    return Relationship(a.key, verb, b.key, a.type, b.type, props=dict(props))  # type: ignore[arg-type]


def estate() -> tuple[list[Entity], list[Relationship]]:
    acct = ent("acct", "aws_account", ["Account"], region="global", name="prod-account")
    internet = ent("global:internet", "internet", ["Internet"], region="global", name="Internet")
    everyone = ent("global:everyone", "everyone", ["Everyone"], region="global", name="Everyone")
    sub_pub = ent("subnet-pub", "aws_subnet", ["Network"], name="public-a", public=True)
    sub_priv = ent("subnet-priv", "aws_subnet", ["Network"], name="private-a", public=False)
    web = ent("i-web", "aws_instance", ["Host"], name="web", state="running", **{"tag.Owner": "alice"})
    db = ent("i-db", "aws_instance", ["Host"], name="db", state="stopped", **{"tag.Owner": "bob"})
    batch = ent(
        "i-batch",
        "aws_instance",
        ["Host"],
        region="eu-west-1",
        name="batch-job",
        state="running",
        **{"tag.cost-center": "42"},
    )
    sg_web = ent("sg-web", "aws_security_group", ["Firewall"], name="web-sg", groupId="sg-web")
    sg_db = ent("sg-db", "aws_security_group", ["Firewall"], name="db-sg", groupId="sg-db")
    vol1 = ent("vol-1", "aws_ebs_volume", ["DataStore", "Disk"], name="vol-1", encrypted=True, size=100)
    vol2 = ent("vol-2", "aws_ebs_volume", ["DataStore", "Disk"], name="vol-2", encrypted=False, size=20)
    vol3 = ent("vol-3", "aws_ebs_volume", ["DataStore", "Disk"], name="vol-3", size=8)
    bucket_pub = ent(
        "bucket-pub",
        "aws_s3_bucket",
        ["DataStore"],
        name="public-site",
        encrypted=True,
        createdOn=NOW_MS - 30 * DAY_MS,
        **{"tag.Classification": "public"},
    )
    bucket_priv = ent(
        "bucket-priv",
        "aws_s3_bucket",
        ["DataStore"],
        name="secrets",
        encrypted=True,
        createdOn=NOW_MS - 2 * DAY_MS,
    )
    alice = ent("user-alice", "aws_iam_user", ["User"], name="alice", mfaEnabled=True, aliases=["al", "ally"])
    bob = ent("user-bob", "aws_iam_user", ["User"], name="bob", mfaEnabled=False)
    admins = ent("group-admins", "aws_iam_group", ["UserGroup"], name="admins")
    role = ent("role-app", "aws_iam_role", ["AccessRole"], name="app-role")
    admin_pol = ent("pol-admin", "aws_iam_policy", ["AccessPolicy"], name="AdministratorAccess")
    read_pol = ent("pol-read", "aws_iam_policy", ["AccessPolicy"], name="ReadOnly")
    entities = [
        acct,
        internet,
        everyone,
        sub_pub,
        sub_priv,
        web,
        db,
        batch,
        sg_web,
        sg_db,
        vol1,
        vol2,
        vol3,
        bucket_pub,
        bucket_priv,
        alice,
        bob,
        admins,
        role,
        admin_pol,
        read_pol,
    ]
    rels = [
        rel(acct, "HAS", alice),
        rel(acct, "HAS", bob),
        rel(acct, "HAS", web),
        rel(acct, "HAS", db),
        rel(sub_pub, "HAS", web),
        rel(sub_priv, "HAS", db),
        rel(sg_web, "PROTECTS", web),
        rel(sg_db, "PROTECTS", db),
        rel(internet, "ALLOWS", sg_web, ingress=True, egress=False, ipProtocol="tcp", fromPort=22, toPort=22),
        rel(
            internet, "ALLOWS", sg_db, ingress=True, egress=False, ipProtocol="tcp", fromPort=443, toPort=443
        ),
        rel(
            sg_web, "ALLOWS", sg_db, ingress=True, egress=False, ipProtocol="tcp", fromPort=5432, toPort=5432
        ),
        rel(web, "USES", vol1),
        rel(db, "USES", vol2),
        rel(bucket_pub, "ALLOWS", everyone, actions=["s3:GetObject"]),
        rel(admins, "HAS", admin_pol),
        rel(admins, "CONTAINS", bob),
        rel(role, "HAS", read_pol),
        rel(alice, "ASSIGNED", admin_pol),
        rel(admin_pol, "ALLOWS", bucket_priv, admin=True, actions=["*"]),
        rel(admin_pol, "ALLOWS", bucket_pub, admin=True, actions=["*"]),
        rel(read_pol, "ALLOWS", bucket_priv, admin=False, actions=["s3:GetObject"]),
        rel(alice, "IS", everyone),
    ]
    return entities, rels


def docs_estate() -> tuple[list[Entity], list[Relationship]]:
    """The estate plus what the J1QL documentation's own examples (docs/j1ql.md) need, adapted to AWS."""
    entities, rels = estate()
    now = int(time.time() * 1000)  # the CLI's date.now is the real clock
    by_key = {e.key: e for e in entities}
    web = by_key["i-web"]
    web.props.update(privateIpAddress="10.0.1.5", privateDnsName="ip-10-0-1-5.ec2.internal")
    eni = ent("eni-web", "aws_eni", ["NetworkInterface"], name="eni-web", publicIpAddress="54.0.0.10",
              privateIp="10.0.1.5", subnetId="subnet-pub", securityGroupIds=["sg-other", "sg-web"])
    records = ent("bucket-pii", "aws_s3_bucket", ["DataStore"], name="customer-records", encrypted=True,
                  createdOn=now - 2 * DAY_MS, tags=["PII"], **{"tag.PII": True, "tag.Classification": "confidential"})
    orders = ent("db-orders", "aws_db_instance", ["Database", "DataStore"], name="orders-db", encrypted=True,
                 **{"tag.DataClass": "PII"})
    crown = ent("db-crown", "aws_db_instance", ["Database", "DataStore"], name="crown-jewels", encrypted=True,
                classification="critical", **{"tag.Production": True})
    snapshot = ent("snap-orders", "aws_db_snapshot", ["Backup"], name="orders-snap", allocatedStorage=50,
                   **{"tag.AccountName": "acme-prod"})
    archive = ent("snap-archive", "aws_db_cluster_snapshot", ["Backup"], name="archive-snap",
                  allocatedStorage=150, **{"tag.AccountName": "acme-prod"})
    cert = ent("cert-shop", "aws_acm_certificate", ["Certificate"], name="shop.example.com",
               issuedOn=now - 335 * DAY_MS, expiresOn=now + 30 * DAY_MS, notBefore=1_717_200_000_000,
               notAfter="2025-06-01T00:00:00.000+00:00")
    alb = ent("alb-web", "aws_alb", ["Gateway"], name="acme-web-alb")
    target_group = ent("tg-web", "aws_lb_target_group", ["Configuration"], name="acme-web-tg")
    entities += [eni, records, orders, crown, snapshot, archive, cert, alb, target_group]
    rels += [rel(web, "USES", eni), rel(alb, "CONNECTS", target_group), rel(target_group, "HAS", web)]
    return entities, rels


def build(
    path: str, entities: list[Entity] | None = None, rels: list[Relationship] | None = None
) -> SQLiteStore:
    """Write one finished run holding ``entities`` and ``rels`` (the estate by default)."""
    if entities is None or rels is None:
        entities, rels = estate()
    store = SQLiteStore(path)
    run = store.begin_run({})
    store.stage_entities(run, entities)
    scopes = {(ACCOUNT, str(e.props.get("region")), e.type) for e in entities}
    store.finish_run(run, complete_scopes=scopes, partial_scopes=[], derive=lambda _s: ([], rels), summary={})
    return store


def load(target: str, entities: list[Entity] | None = None, rels: list[Relationship] | None = None) -> None:
    """:func:`build` for either store: an SQLite path through a run, a PostgreSQL URL through the bulk loader."""
    if not is_url(target):
        build(target, entities, rels).close()
        return
    if entities is None or rels is None:
        entities, rels = estate()
    store = PostgresStore(target, write=True)
    try:
        store.load(entities, rels, complete_scopes={(ACCOUNT, str(e.props.get("region")), e.type) for e in entities})
    finally:
        store.close()
