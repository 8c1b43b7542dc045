"""Each J1QL feature against a small estate stored through the real store API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from query_estate import NOW_MS

from awsgraph.query import QueryError, run_query
from awsgraph.store import Store


def q(conn: Store, text: str) -> list[dict[str, object]]:
    return run_query(conn, text, now_ms=NOW_MS)


def keys(rows: list[dict[str, object]]) -> set[object]:
    return {r["_key"] for r in rows}


# -- the examples -----------------------------------------------------------------------
def test_subnet_to_internet_chain(conn: Store) -> None:
    rows = q(
        conn,
        "FIND aws_subnet WITH public=true AS n THAT HAS aws_instance AS i THAT PROTECTS "
        "aws_security_group AS sg THAT ALLOWS AS rule Internet RETURN n.displayName, i.displayName, "
        "sg.groupId, rule.ipProtocol, rule.fromPort, rule.toPort",
    )
    assert rows == [
        {
            "n.displayName": "public-a",
            "i.displayName": "web",
            "sg.groupId": "sg-web",
            "rule.ipProtocol": "tcp",
            "rule.fromPort": 22,
            "rule.toPort": 22,
        }
    ]


def test_firewall_rules_covering_ssh(conn: Store) -> None:
    rows = q(
        conn,
        "FIND Firewall AS fw THAT ALLOWS AS rule * AS src WHERE rule.ingress=true AND "
        "rule.fromPort<=22 AND rule.toPort>=22 RETURN fw.displayName, src.displayName",
    )
    assert rows == [{"fw.displayName": "web-sg", "src.displayName": "Internet"}]


def test_bucket_allows_everyone_returns_bucket_entities(conn: Store) -> None:
    rows = q(conn, "FIND aws_s3_bucket THAT ALLOWS Everyone")
    assert keys(rows) == {"bucket-pub"}
    assert rows[0]["_type"] == "aws_s3_bucket" and rows[0]["_class"] == ["DataStore"]


def test_admin_principals_through_policies(conn: Store) -> None:
    rows = q(
        conn,
        "FIND (aws_iam_user|aws_iam_group|aws_iam_role) AS p THAT (HAS|ASSIGNED) AccessPolicy AS "
        "policy THAT ALLOWS AS perm * AS r WHERE perm.admin=true RETURN p.name, r._type",
    )
    assert {(r["p.name"], r["r._type"]) for r in rows} == {
        ("alice", "aws_s3_bucket"),
        ("admins", "aws_s3_bucket"),
    }
    assert len(rows) == 4  # one row per path: two principals x two buckets
    assert "app-role" not in {r["p.name"] for r in rows}


def test_negated_traversal(conn: Store) -> None:
    assert keys(q(conn, "FIND aws_ebs_volume THAT !USES aws_instance")) == {"vol-3"}
    assert keys(q(conn, "FIND aws_ebs_volume !THAT USES aws_instance")) == {"vol-3"}


def test_not_equal_includes_missing_property(conn: Store) -> None:
    assert keys(q(conn, "FIND DataStore WITH encrypted!=true")) == {"vol-2", "vol-3"}


def test_count_per_group(conn: Store) -> None:
    assert q(conn, "FIND Account AS a THAT HAS User AS u RETURN a.name, count(u)") == [
        {"a.name": "prod-account", "count(u)": 2}
    ]


# -- selectors ---------------------------------------------------------------------------------
def test_class_type_star_and_alternation(conn: Store) -> None:
    assert keys(q(conn, "FIND Host")) == {"i-web", "i-db", "i-batch"}
    assert keys(q(conn, "FIND aws_security_group")) == {"sg-web", "sg-db"}
    assert keys(q(conn, "FIND (aws_iam_role|UserGroup)")) == {"role-app", "group-admins"}
    assert len(q(conn, "FIND * LIMIT 1000")) == 21
    assert keys(q(conn, "FIND * WITH name='web-sg'")) == {"sg-web"}


def test_multi_class_entity_matches_each_class_once(conn: Store) -> None:
    rows = q(conn, "FIND (DataStore|Disk) WITH size > 0")
    assert sorted(r["_key"] for r in rows) == ["vol-1", "vol-2", "vol-3"]  # type: ignore[type-var]


def test_keywords_are_case_insensitive(conn: Store) -> None:
    assert keys(q(conn, "find aws_ebs_volume that !uses aws_instance")) == {"vol-3"}


# -- filters ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("name = 'web'", {"i-web"}),
        ('name = "db"', {"i-db"}),
        ("name != 'web'", {"i-db", "i-batch"}),
        ("name ~= 'atch'", {"i-batch"}),
        ("name !~= 'atch'", {"i-web", "i-db"}),
        ("name ^= 'we'", {"i-web"}),
        ("name !^= 'we'", {"i-db", "i-batch"}),
        ("name $= 'job'", {"i-batch"}),
        ("name !$= 'job'", {"i-web", "i-db"}),
        ("state = ('running' OR 'stopped')", {"i-web", "i-db", "i-batch"}),
        ("name != ('web' OR 'db')", {"i-batch"}),
        ("state = 'running' AND region = 'us-east-1'", {"i-web"}),
        ("state = 'stopped' OR region = 'eu-west-1'", {"i-db", "i-batch"}),
        ("(state = 'stopped' OR region = 'eu-west-1') AND name ^= 'b'", {"i-batch"}),
        ("NOT state = 'running'", {"i-db"}),
        ("tag.Owner = undefined", {"i-batch"}),
        ("tag.Owner != undefined", {"i-web", "i-db"}),
        ("[tag.cost-center] = '42'", {"i-batch"}),
        ("[tag.cost-center] = 42", set()),  # values are typed: a string is not a number
    ],
)
def test_with_operators(conn: Store, flt: str, expected: set[str]) -> None:
    assert keys(q(conn, f"FIND aws_instance WITH {flt}")) == expected


def test_numbers_booleans_and_ordering_operators(conn: Store) -> None:
    assert keys(q(conn, "FIND aws_ebs_volume WITH size > 20")) == {"vol-1"}
    assert keys(q(conn, "FIND aws_ebs_volume WITH size >= 20")) == {"vol-1", "vol-2"}
    assert keys(q(conn, "FIND aws_ebs_volume WITH size < 20")) == {"vol-3"}
    assert keys(q(conn, "FIND aws_ebs_volume WITH size <= 8")) == {"vol-3"}
    assert keys(q(conn, "FIND aws_ebs_volume WITH encrypted = false")) == {"vol-2"}
    assert keys(q(conn, "FIND aws_ebs_volume WITH encrypted = true")) == {"vol-1"}
    assert keys(q(conn, "FIND aws_subnet WITH public = true")) == {"subnet-pub"}


def test_array_property_matches_any_element(conn: Store) -> None:
    assert keys(q(conn, "FIND User WITH aliases = 'ally'")) == {"user-alice"}
    assert keys(q(conn, "FIND User WITH aliases ^= 'al'")) == {"user-alice"}
    assert keys(q(conn, "FIND User WITH aliases != 'ally'")) == {"user-bob"}
    assert keys(q(conn, "FIND * WITH _class = 'Disk'")) == {"vol-1", "vol-2", "vol-3"}


def test_relative_dates(conn: Store) -> None:
    assert keys(q(conn, "FIND aws_s3_bucket WITH createdOn > date.now - 7 days")) == {"bucket-priv"}
    assert keys(q(conn, "FIND aws_s3_bucket WITH createdOn < date.now - 1 week")) == {"bucket-pub"}
    assert keys(q(conn, "FIND aws_s3_bucket WITH createdOn > date.now - 2 months")) == {
        "bucket-pub",
        "bucket-priv",
    }
    assert keys(q(conn, "FIND aws_s3_bucket WITH createdOn > date.now")) == set()
    assert keys(q(conn, "FIND aws_s3_bucket WITH createdOn > date.now-3day")) == {"bucket-priv"}


def test_absolute_dates(conn: Store) -> None:
    # NOW_MS is 2025-10-09T08:53:20Z; the public bucket was created 30 days earlier.
    assert keys(q(conn, "FIND aws_s3_bucket WITH createdOn < date(2025-09-15)")) == {"bucket-pub"}
    assert keys(q(conn, "FIND aws_s3_bucket WITH createdOn > date(2025-10-06T00:00:00Z)")) == {"bucket-priv"}
    with pytest.raises(QueryError, match="bad date"):
        q(conn, "FIND aws_s3_bucket WITH createdOn > date(yesterday)")


# -- traversals -------------------------------------------------------------------------------------
def test_both_directions_by_default_and_arrows_fix_one(conn: Store) -> None:
    # PROTECTS is stored security group -> instance; walking from the instance still matches.
    assert keys(q(conn, "FIND aws_instance THAT PROTECTS aws_security_group")) == {"i-web", "i-db"}
    assert keys(q(conn, "FIND aws_security_group THAT PROTECTS >> aws_instance")) == {"sg-web", "sg-db"}
    assert keys(q(conn, "FIND aws_instance THAT PROTECTS >> aws_security_group")) == set()
    assert keys(q(conn, "FIND aws_instance THAT << PROTECTS aws_security_group")) == {"i-web", "i-db"}


def test_relates_to_any_verb(conn: Store) -> None:
    rows = q(conn, "FIND aws_instance WITH name='web' THAT RELATES TO * AS x RETURN x._key")
    assert {r["x._key"] for r in rows} == {"acct", "subnet-pub", "sg-web", "vol-1"}


def test_verb_alternation(conn: Store) -> None:
    rows = q(conn, "FIND aws_iam_user AS u THAT (ASSIGNED|IS) * AS x RETURN u.name, x._key")
    assert {(r["u.name"], r["x._key"]) for r in rows} == {
        ("alice", "pol-admin"),
        ("alice", "global:everyone"),
    }


def test_optional_traversal_adds_related_entities(conn: Store) -> None:
    assert keys(q(conn, "FIND User (THAT IS Everyone)?")) == {"user-alice", "user-bob", "global:everyone"}
    rows = q(conn, "FIND User AS u (THAT IS Everyone AS e)? RETURN u.name, e.name")
    assert {(r["u.name"], r["e.name"]) for r in rows} == {
        ("alice", None),
        ("bob", None),
        ("alice", "Everyone"),
    }


def test_traversal_after_optional_continues_from_both(conn: Store) -> None:
    # alice HAS nothing, but Everyone (reached optionally) is ALLOWed by the public bucket;
    # bob is CONTAINed by the admins group.
    rows = q(
        conn,
        "FIND User (THAT IS Everyone)? AS x THAT RELATES TO (aws_s3_bucket|UserGroup) AS y "
        "RETURN x.name, y.name",
    )
    assert {(r["x.name"], r["y.name"]) for r in rows} == {("Everyone", "public-site"), ("bob", "admins")}


def test_where_compares_aliases(conn: Store) -> None:
    rows = q(
        conn,
        "FIND aws_instance AS a THAT RELATES TO aws_account AS acct THAT RELATES TO aws_instance AS b "
        "WHERE a.state = b.state AND a.name != b.name RETURN a.name, b.name",
    )
    assert rows == []  # web is running, db is stopped: no pair shares a state
    rows = q(
        conn,
        "FIND aws_instance AS a THAT RELATES TO aws_account AS acct THAT RELATES TO aws_instance AS b "
        "WHERE a.region = b.region AND a.name != b.name RETURN a.name, b.name",
    )
    assert {(r["a.name"], r["b.name"]) for r in rows} == {("web", "db"), ("db", "web")}


def test_where_on_relationship_property_lists(conn: Store) -> None:
    rows = q(
        conn,
        "FIND aws_s3_bucket AS b THAT ALLOWS AS perm AccessPolicy WHERE perm.actions = 's3:GetObject' "
        "RETURN b.name",
    )
    assert rows == [{"b.name": "secrets"}]


# -- RETURN ------------------------------------------------------------------------------------------
def test_return_names_alias_star_and_objects(conn: Store) -> None:
    rows = q(conn, "FIND aws_subnet WITH public=true AS n RETURN n.name AS subnet, n.*")
    assert rows[0]["subnet"] == "public-a"
    assert rows[0]["n._key"] == "subnet-pub" and rows[0]["n.public"] is True
    rows = q(conn, "FIND aws_subnet WITH public=true AS n THAT HAS aws_instance AS i RETURN n, i.name")
    assert rows == [{"n": rows[0]["n"], "i.name": "web"}]
    assert isinstance(rows[0]["n"], dict) and rows[0]["n"]["_key"] == "subnet-pub"


def test_return_by_implicit_type_alias(conn: Store) -> None:
    rows = q(conn, "FIND aws_subnet THAT HAS aws_instance RETURN aws_subnet.name, aws_instance.name")
    assert {(r["aws_subnet.name"], r["aws_instance.name"]) for r in rows} == {
        ("public-a", "web"),
        ("private-a", "db"),
    }


def test_aggregates(conn: Store) -> None:
    rows = q(
        conn, "FIND aws_ebs_volume AS v RETURN count(v), min(v.size), max(v.size), sum(v.size), avg(v.size)"
    )
    assert rows == [
        {
            "count(v)": 3,
            "min(v.size)": 8,
            "max(v.size)": 100,
            "sum(v.size)": 128,
            "avg(v.size)": pytest.approx(128 / 3),
        }
    ]
    rows = q(conn, "FIND aws_instance AS i RETURN i.region AS region, count(i) AS n ORDER BY n DESC")
    assert rows == [{"region": "us-east-1", "n": 2}, {"region": "eu-west-1", "n": 1}]


def test_return_tree(conn: Store) -> None:
    rows = q(
        conn, "FIND aws_subnet WITH public=true THAT HAS aws_instance THAT USES aws_ebs_volume RETURN TREE"
    )
    assert len(rows) == 1
    tree = rows[0]
    assert {v["_key"] for v in tree["vertices"]} == {"subnet-pub", "i-web", "vol-1"}  # type: ignore[index]
    assert {e["_class"] for e in tree["edges"]} == {"HAS", "USES"}  # type: ignore[index]


def test_order_skip_limit(conn: Store) -> None:
    names = [r["v.name"] for r in q(conn, "FIND aws_ebs_volume AS v RETURN v.name ORDER BY v.size")]
    assert names == ["vol-3", "vol-2", "vol-1"]
    names = [
        r["v.name"]
        for r in q(conn, "FIND aws_ebs_volume AS v RETURN v.name ORDER BY v.size DESC SKIP 1 LIMIT 1")
    ]
    assert names == ["vol-2"]
    # ordered by a RETURNed number: as numbers (8, 20, 100), not as text ("100" < "20" < "8")
    sizes = [r["v.size"] for r in q(conn, "FIND aws_ebs_volume AS v RETURN v.size ORDER BY v.size")]
    assert sizes == [8, 20, 100]
    sizes = [r["v.size"] for r in q(conn, "FIND aws_ebs_volume AS v RETURN v.size ORDER BY v.size DESC")]
    assert sizes == [100, 20, 8]
    assert [r["_key"] for r in q(conn, "FIND aws_ebs_volume ORDER BY aws_ebs_volume.size LIMIT 2")] == [
        "vol-3",
        "vol-2",
    ]


def test_default_limit_is_250(make_db: Callable[..., str]) -> None:
    from query_estate import ent

    from awsgraph.query import DEFAULT_LIMIT

    assert DEFAULT_LIMIT == 250
    db = make_db("many", [ent(f"q-{i}", "aws_sqs_queue", ["Queue"]) for i in range(300)], [])
    assert len(run_query(db, "FIND aws_sqs_queue")) == 250
    assert len(run_query(db, "FIND aws_sqs_queue LIMIT 1000")) == 300


def test_unique_removes_duplicate_rows(conn: Store) -> None:
    text = (
        "FIND (aws_iam_user|aws_iam_group) AS p THAT (HAS|ASSIGNED) AccessPolicy THAT ALLOWS AS perm * "
        "WHERE perm.admin=true RETURN p.name"
    )
    assert len(q(conn, text)) == 4
    assert sorted(r["p.name"] for r in q(conn, text.replace("FIND", "FIND UNIQUE"))) == [  # type: ignore[type-var]
        "admins",
        "alice",
    ]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_deleted_entities_are_invisible(kind: str, tmp_path: object, request: pytest.FixtureRequest) -> None:
    from query_estate import ACCOUNT, ent

    from awsgraph.store import open_store

    target = request.getfixturevalue("pg_server").database("deleted") if kind == "postgresql" else f"{tmp_path}/g.db"
    store = open_store(target, write=True, must_exist=False)
    try:
        for names in (["a", "b"], ["a"]):  # two runs through the store's run lifecycle: b is deleted by the second
            run = store.begin_run({})
            store.stage_entities(run, [ent(n, "aws_sqs_queue", ["Queue"]) for n in names])
            store.finish_run(run, [(ACCOUNT, "us-east-1", "aws_sqs_queue")], [], None, {})
        assert keys(run_query(store.connection, "FIND Queue")) == {"a"}
        assert keys(run_query(store.connection, "FIND aws_sqs_queue")) == {"a"}
        assert keys(run_query(store.connection, 'FIND "b"')) == set()  # nor found by full-text search
        assert keys(run_query(store.connection, 'FIND "a"')) == {"a"}
        run = store.begin_run({})  # a partial read of the scope that found nothing deletes nothing
        store.finish_run(run, [], [(ACCOUNT, "us-east-1", "aws_sqs_queue")], None, {})
        assert keys(run_query(store.connection, "FIND Queue")) == {"a"}
    finally:
        store.close()


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("FIND", "expected a class, a type or *", 5),
        ("FIND aws_instance WITH name = ", "expected a value", 31),
        ("FIND aws_instance WITH name 'x'", "expected a comparison", 29),
        ("FIND aws_instance AS i RETURN j.name", "unknown alias 'j'", 31),
        ("FIND aws_instance WITH name = 'x", "unterminated string", 31),
        ("FIND aws_instance THAT", "expected a relationship verb", 23),
        ("FIND aws_instance LIMIT x", "LIMIT needs a whole number", 25),
        ("FIND aws_instance garbage", "unexpected 'garbage'", 19),
        ("FIND aws_instance AS i THAT !HAS aws_ebs_volume AS v RETURN v.name", "negated", 61),
    ],
)
def test_syntax_errors_point_at_the_position(text: str, message: str, column: int) -> None:
    with pytest.raises(QueryError) as info:
        run_query(":memory:", text)
    err = info.value
    assert message in str(err)
    assert f"column {column})" in str(err)
    assert str(err).splitlines()[-1].index("^") - 2 == column - 1


def test_malformed_queries_only_raise_query_errors(conn: Store) -> None:
    """Random token soup: every failure is a QueryError with a position, never a crash."""
    import random

    words = ["FIND", "THAT", "WITH", "AS", "WHERE", "RETURN", "TREE", "ORDER", "BY", "LIMIT", "SKIP", "AND",
             "OR", "NOT", "UNIQUE", "RELATES", "TO", "HAS", "aws_instance", "Host", "*", "(", ")", "|", "?",
             "!", ">>", "<<", "=", "!=", "~=", "<=", "'x'", "22", "true", "undefined", "date.now", "-", "7",
             "days", "i", "i.name", "count(i)", ",", "[a-b]", "i.*", "date(2024-01-01)"]
    rng = random.Random(6)
    crashed = []
    for _ in range(1500):
        text = "FIND " + " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        try:
            run_query(conn, text)
        except QueryError as err:
            if err.pos is None:
                crashed.append((text, err.message))
        except Exception as exc:  # the point is to catch anything else
            crashed.append((text, repr(exc)))
    assert crashed == []
