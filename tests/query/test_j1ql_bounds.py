"""Query bounds (deadline, Ctrl-C, row cap, nesting, numbers, names) and the semantics the features rely on."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from query_estate import NOW_MS, ent, rel

from awsgraph.cli import main
from awsgraph.query import QueryError, parse, run
from awsgraph.query.parser import UNIT_MS
from awsgraph.store import Store, is_url

HOPS = 10
CARTESIAN = "FIND *" + " THAT RELATES TO *" * HOPS


@pytest.fixture(scope="module")
def dense_db(make_db: Callable[..., str]) -> str:
    """40 queues, each related to 8 others: a 10-hop walk has ~16^10 paths."""
    rng = random.Random(3)
    nodes = [ent(f"q-{i}", "aws_sqs_queue", ["Queue"], name=f"queue-{i}") for i in range(40)]
    edges = {(i, j) for i in range(40) for j in rng.sample(range(40), 4) if i != j}
    return make_db("dense", nodes, [rel(nodes[i], "HAS", nodes[j]) for i, j in sorted(edges)])


def _cli(db: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "awsgraph", "query", "--db", db, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# -- deadline, Ctrl-C, rows -------------------------------------------------------------------------
def test_cartesian_ten_hops_stops_at_its_deadline(dense_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    with pytest.raises(QueryError, match="deadline"):
        run(dense_db, CARTESIAN, timeout=1)
    assert time.monotonic() - started < 20  # the bound holds (generous: the machine is shared)
    assert main(["query", "--db", dense_db, "--timeout", "1", CARTESIAN]) == 2
    err = capsys.readouterr().err
    assert "stopped at its 1 s deadline" in err and "--timeout" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def _querying(pid: int, db: str) -> bool:
    """The CLI process ``pid`` is past its imports and reading ``db`` (SQLite: the file is open;
    PostgreSQL: a statement of ours is running on the server)."""
    if is_url(db):
        import psycopg

        with psycopg.connect(db, autocommit=True) as pg:
            return pg.execute("SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
                              " AND application_name = 'awsgraph' AND state = 'active'").fetchone() is not None
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(fd) == os.path.realpath(db) for fd in fds.iterdir())
    except OSError:
        return False


def test_ctrl_c_stops_a_running_query(dense_db: str) -> None:
    proc = _cli(dense_db, "--timeout", "600", CARTESIAN)
    waited = time.monotonic()
    while not _querying(proc.pid, dense_db):  # past the imports: the query is starting
        assert proc.poll() is None and time.monotonic() - waited < 120
        time.sleep(0.05)
    time.sleep(1)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert time.monotonic() - started < 30
    assert "interrupted" in err and "Traceback" not in err


def test_a_huge_limit_streams_up_to_the_row_cap(dense_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = "FIND * AS a THAT RELATES TO * THAT RELATES TO * AS c RETURN a.name, c.name LIMIT 100000000"
    rows = run(dense_db, text, max_rows=500)
    assert len(rows) == 500 and rows.truncated
    assert rows.notes == ["showing the first 500 rows; the query matched more (raise --max-rows to see more, "
                          "or add a LIMIT)"]
    assert main(["query", "--db", dense_db, "--format", "json", "--max-rows", "20", text]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 20  # JSON stays valid: the note goes to stderr
    assert "note: showing the first 20 rows" in captured.err
    full = run(dense_db, "FIND Queue LIMIT 100000000")  # fewer rows than the cap: no note
    assert len(full) == 40 and not full.truncated and full.notes == []


def test_the_row_cap_applies_to_default_rows_and_trees(dense_db: str) -> None:
    rows = run(dense_db, "FIND Queue LIMIT 1000", max_rows=7)
    assert len(rows) == 7 and rows.truncated
    tree = run(dense_db, "FIND Queue THAT HAS Queue RETURN TREE", max_rows=5)
    assert len(tree[0]["vertices"]) + len(tree[0]["edges"]) == 5 and tree.truncated


# -- hostile input: one line, exit 2 ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FIND aws_instance WITH " + "(" * 2000 + "name = 'x'" + ")" * 2000, "nests too deeply"),
        ("FIND aws_instance AS i WHERE " + "(" * 2000 + "i.name = 'x'" + ")" * 2000, "nests too deeply"),
        ("FIND aws_instance AS i RETURN " + "(" * 2000 + "i.size" + ")" * 2000, "nests too deeply"),
        ("FIND aws_instance WITH " + "NOT " * 2000 + "name = 'x'", "nests too deeply"),
        ("FIND aws_instance WITH size > 99999999999999999999999", "too large"),
        ("FIND aws_instance LIMIT 99999999999999999999", "LIMIT is too large"),
        ("FIND aws_instance AS i RETURN i.size * 1" + "0" * 400, "too large"),
        ('FIND aws_instance WITH ["x"] = 1', "property name"),
        ("FIND aws_instance WITH [] = 1", "property name"),
        ("FIND aws_instance WITH name = /(/", "bad regular expression"),
        ("FIND aws_instance WITH name = /a/gx", "only i"),
        ("FIND aws_instance WITH name > /a/", "expected a value"),
        ("FIND aws_instance AS i WHERE i.size * 'x' > 2 RETURN i.name", "math works on numbers"),
        ("FIND aws_instance AS i WHERE count(i) > 1", "belongs in RETURN"),
        ("FIND aws_instance AS i RETURN sum(i.size) * i.size", "mixes an aggregate"),
        ("FIND aws_instance WITH x > date(2024-13-45)", "bad date"),
        ("FIND aws_instance WITH x > date.now - 3 fortnights", "expected a unit"),
        ("FIND aws_instance " + "x" * 200_000, "longer than"),
    ],
)
def test_hostile_queries_are_one_query_error(graph_db: str, text: str, message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--db", graph_db, text]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
    assert err.startswith("awsgraph: error: query error:") and len(err.splitlines()) <= 3


@pytest.mark.parametrize("prop", ["it's", "a\\b", "名前", "tag.a:b/c=d", "x" * 5000, "$.y", "a]b"])
def test_odd_property_names_run(conn: Store, prop: str) -> None:
    name = prop.replace("]", "")
    assert run(conn, f"FIND aws_instance WITH [{name}] = 'x'") == []
    assert run(conn, f"FIND aws_instance AS i RETURN i.[{name}] LIMIT 1") == [{f"i.{name}": None}]


def test_control_characters_in_an_error_are_not_echoed(graph_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--db", graph_db, "FIND \x1b[31m aws_instance"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "'\\x1b'" in err


# -- FIND nonexistent_type ----------------------------------------------------------------------------
def test_unknown_type_or_class_says_so_and_suggests(graph_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--db", graph_db, "--format", "json", "FIND aws_instanc"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "note: no entity in this graph has the type 'aws_instanc'; nearest: aws_instance" in captured.err
    rows = run(graph_db, "FIND Hots THAT RELATES TO aws_iam_usr")
    assert rows.notes[0] == "no entity in this graph has the class 'Hots'; nearest: Host"
    assert rows.notes[1].startswith("no entity in this graph has the type 'aws_iam_usr'; nearest: aws_iam_user, ")
    assert len(rows.notes) == 2
    assert run(graph_db, "FIND zzz_nothing_like_it").notes == ["no entity in this graph has the type "
                                                               "'zzz_nothing_like_it'"]
    assert run(graph_db, "FIND (Host|aws_s3_bucket)").notes == []


# -- regexes ------------------------------------------------------------------------------------------
def test_regex_operators_and_flags(conn: Store) -> None:
    def k(text: str) -> set[str]:
        return {r["_key"] for r in run(conn, text)}

    assert k("FIND aws_instance WITH name = /WE/i") == {"i-web"}
    assert k("FIND aws_instance WITH name = /WE/") == set()  # case-sensitive without i
    assert k("FIND aws_instance WITH name != /^(web|db)$/") == {"i-batch"}
    assert k("FIND aws_instance WITH name ^= /b/") == {"i-batch"}  # at the start
    assert k("FIND aws_instance WITH name $= /(eb|job)/") == {"i-web", "i-batch"}  # at the end
    assert k("FIND aws_instance WITH name = (/^w/ OR /^d/)") == {"i-web", "i-db"}
    assert k("FIND aws_instance WITH tag.Owner != /./") == {"i-batch"}  # != includes the missing property
    assert k("FIND User WITH aliases = /^al+y$/") == {"user-alice"}  # any element of a list
    assert k("FIND aws_iam_role WITH name = /a\\/b|app/") == {"role-app"}


def test_a_hostile_regex_cannot_hang(make_db: Callable[..., str]) -> None:
    db = make_db("long", [ent("q", "aws_sqs_queue", ["Queue"], name="a" * 100_000 + "!")], [])
    started = time.monotonic()
    assert run(db, "FIND Queue WITH name = /(a+)+$/", timeout=60) == []  # exponential in a backtracking engine
    assert run(db, "FIND Queue WITH name = /(a|aa)*!/")[0]["_key"] == "q"
    assert time.monotonic() - started < 20


# -- dates, math, CONCAT, lists ---------------------------------------------------------------------------
@pytest.mark.parametrize("unit", sorted(UNIT_MS))
def test_every_unit_spelling(unit: str) -> None:
    where = parse(f"FIND Host WITH createdOn > date.now - 2 {unit}", now_ms=NOW_MS).start.filters
    assert where is not None and where.right.value == NOW_MS - 2 * UNIT_MS[unit]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("written", "iso"),
    [("2026", "2026-01-01T00:00:00+00:00"), ("2026-12", "2026-12-01T00:00:00+00:00"),
     ("2026-12-05", "2026-12-05T00:00:00+00:00"), ("2019-10-30T01Z", "2019-10-30T01:00:00+00:00"),
     ("2019-10-30T01:22Z", "2019-10-30T01:22:00+00:00"),
     ("2019-10-30T01:22:48.970+01:00", "2019-10-30T00:22:48.970+00:00"),
     ("2019-10-30T01:22:48.970-05:30", "2019-10-30T06:52:48.970+00:00")],
)
def test_every_static_date_form(written: str, iso: str) -> None:
    import datetime as dt

    where = parse(f"FIND Host WITH createdOn > date({written})").start.filters
    expected = round(dt.datetime.fromisoformat(iso).timestamp() * 1000)
    assert where is not None and where.right.value == expected  # type: ignore[union-attr]


def test_math_precedence_division_and_dates(conn: Store) -> None:
    rows = run(conn, "FIND aws_ebs_volume WITH name = 'vol-2' AS v RETURN 1 + v.size * 3 AS a, (1 + v.size) * 3 AS b,"
                     " v.size / 8 AS c, v.size / 0 AS d, -v.size AS e, v.missing + 1 AS f")
    assert rows == [{"a": 61, "b": 63, "c": 2.5, "d": None, "e": -20, "f": None}]
    rows = run(conn, "FIND aws_s3_bucket AS b WHERE (date.now - b.createdOn) / (3600000 * 24) > 10 RETURN b.name",
               now_ms=NOW_MS)
    assert rows == [{"b.name": "public-site"}]


def test_iso_date_strings_count_as_dates(docs_db: str) -> None:
    rows = run(docs_db, "FIND Certificate AS c RETURN (c.notBefore - c.notAfter) / 86400000 AS days, c.notAfter")
    assert rows == [{"days": -365, "c.notAfter": "2025-06-01T00:00:00.000+00:00"}]
    assert len(run(docs_db, "FIND Certificate WITH notAfter > date(2025-05-31T23:00:00-02:00)")) == 0
    assert len(run(docs_db, "FIND Certificate WITH notAfter > date(2025-05-31T23:00:00+02:00)")) == 1


def test_concat_reads_missing_values_as_empty(conn: Store) -> None:
    rows = run(conn, "FIND aws_ebs_volume AS v RETURN CONCAT(v.name, ':', v.encrypted, ':', v.size, v.nope) AS s"
                     " ORDER BY s")
    assert [r["s"] for r in rows] == ["vol-1:true:100", "vol-2:false:20", "vol-3::8"]


def test_list_against_alias_either_way(docs_db: str) -> None:
    base = ("FIND aws_eni AS nic THAT RELATES TO aws_instance THAT RELATES TO aws_security_group AS sg WHERE {} "
            "RETURN sg.groupId")
    assert run(docs_db, base.format("nic.securityGroupIds = sg.groupId")) == [{"sg.groupId": "sg-web"}]
    assert run(docs_db, base.format("sg.groupId = nic.securityGroupIds")) == [{"sg.groupId": "sg-web"}]
    assert run(docs_db, base.format("nic.securityGroupIds != sg.groupId")) == []


def test_to_is_filler_after_any_verb(conn: Store) -> None:
    with_to = run(conn, "FIND aws_security_group THAT PROTECTS TO >> aws_instance")
    assert {r["_key"] for r in with_to} == {"sg-web", "sg-db"}
    assert run(conn, "FIND aws_instance THAT USES TO aws_ebs_volume") == run(
        conn, "FIND aws_instance THAT USES aws_ebs_volume")


def test_smart_class_rule(docs_db: str) -> None:
    def k(text: str) -> set[str]:
        return {r["_key"] for r in run(docs_db, text)}

    assert k("FIND #PII") == {"bucket-pii", "db-orders"}  # tags list, and a tag.* value
    assert k("FIND #PII Database") == {"db-orders"}
    assert k("FIND #pii") == set()  # case-sensitive
    assert k("FIND #Production") == {"db-crown"}  # tag.Production = true
    assert k("FIND aws_instance THAT USES #PII") == set()
    assert k("FIND #PII #Production") == set()  # every smart class must hold

