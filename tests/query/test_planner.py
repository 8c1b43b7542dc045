"""The planner picks a cheap starting selector; every join order gives the same rows."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from query_estate import ent, rel

from awsgraph.query import compile_query, execute, parse
from awsgraph.query.engine import connection_of, dialect_for
from awsgraph.query.planner import choose_start
from awsgraph.store import Store, open_store

CHAINS = [
    "FIND aws_subnet WITH public=true AS n THAT HAS aws_instance AS i THAT PROTECTS aws_security_group AS sg "
    "THAT ALLOWS AS rule Internet RETURN n.displayName, i.displayName, sg.groupId, rule.fromPort",
    "FIND Firewall AS fw THAT ALLOWS AS rule * AS src WHERE rule.ingress=true AND rule.fromPort<=22 "
    "RETURN fw.displayName, src.displayName",
    "FIND (aws_iam_user|aws_iam_group|aws_iam_role) AS p THAT (HAS|ASSIGNED) AccessPolicy AS policy "
    "THAT ALLOWS AS perm * AS r WHERE perm.admin=true RETURN p.name, r._key",
    "FIND Account AS a THAT HAS User AS u RETURN a.name, count(u)",
    "FIND aws_instance AS a THAT RELATES TO aws_account THAT RELATES TO aws_instance AS b "
    "WHERE a.region = b.region RETURN a.name, b.name",
    "FIND aws_security_group THAT PROTECTS >> aws_instance THAT USES aws_ebs_volume",
]


def canonical(rows: list[dict[str, object]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


@pytest.mark.parametrize("text", CHAINS)
def test_every_start_gives_the_same_rows(conn: Store, text: str) -> None:
    query = parse(text)
    dialect = dialect_for(conn)
    expected = canonical(execute(conn, compile_query(query, dialect=dialect)))
    assert expected, "the chain should match something in the estate"
    for start in range(len(query.steps) + 1):
        assert canonical(execute(conn, compile_query(query, start, dialect))) == expected, start


def test_walks_from_the_small_side_of_a_hub(make_db: Callable[..., str]) -> None:
    acct = ent("acct", "aws_account", ["Account"], name="hub")
    users = [ent(f"u{i}", "aws_iam_user", ["User"]) for i in range(3)]
    queues = [ent(f"q{i}", "aws_sqs_queue", ["Queue"]) for i in range(400)]
    rels = [rel(acct, "HAS", x) for x in [*users, *queues]]
    store = open_store(make_db("hub", [acct, *users, *queues], rels))
    conn = connection_of(store)
    # Starting at the one account would walk its 403 HAS edges; from the 3 users it is 3 edges.
    d = dialect_for(conn)
    assert choose_start(conn, parse("FIND Account AS a THAT HAS User AS u RETURN a.name, count(u)"), d) == 1
    # One named user is cheaper to start from than the account's 403 edges.
    assert choose_start(conn, parse("FIND aws_iam_user WITH name='u1' THAT HAS Account"), d) == 0
    # Starting anywhere in the middle is allowed: the walk goes right, then left.
    assert choose_start(conn, parse("FIND aws_sqs_queue THAT HAS Account THAT HAS User"), d) == 2
    store.close()
