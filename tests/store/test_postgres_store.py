"""The PostgreSQL store: how it opens, what it refuses, its bulk loader and reads; regexes and text search
on PostgreSQL mean what they mean on SQLite; the private servers the tests start."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg
import pytest

from awsgraph.model import Entity, Relationship
from awsgraph.query import QueryError, run
from awsgraph.query.dialect import pg_search_words
from awsgraph.query.pg_regex import to_postgres
from awsgraph.query.regex import regex_match
from awsgraph.store import PostgresStore, StoreError, describe, open_store, open_writer
from tests.servers import PgServer, redis_ping

sys.path.insert(0, str(Path(__file__).parents[1] / "query"))
from query_estate import ACCOUNT, ent, load, rel


@pytest.fixture(scope="module")
def graph(pg_server: PgServer) -> str:
    url = pg_server.database("store")
    load(url)
    return url


def test_redis_answers_ping(redis_url: str) -> None:
    assert redis_ping(redis_url)
    assert not redis_ping("redis://127.0.0.1:1/0", timeout=0.5)


def test_readers_cannot_write_and_writers_create_the_schema(pg_server: PgServer, graph: str) -> None:
    store = open_store(graph)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        store.connection.execute("DELETE FROM entities")
    store.close()
    empty = pg_server.database("empty")
    with psycopg.connect(empty, autocommit=True) as conn:
        conn.execute("DROP TABLE meta")  # a database that is not (or no longer) ours
    with pytest.raises(StoreError, match="is not an awsgraph database"):
        open_store(empty)
    PostgresStore(empty, write=True).close()  # a writer creates what is missing
    open_store(empty).close()


def test_what_is_refused_says_so_in_one_line_without_the_password(pg_server: PgServer, graph: str) -> None:
    missing = graph.rsplit("/", 1)[0].replace("postgres@", "postgres:hunter2@") + "/no_such_database"
    with pytest.raises(StoreError) as info:
        open_store(missing)
    assert "no_such_database" in str(info.value) and "hunter2" not in str(info.value)
    assert describe(missing) == missing.replace(":hunter2", "") and describe("/tmp/g.db") == "/tmp/g.db"
    writer = open_writer(graph)  # collect writes PostgreSQL too (tests/store/test_postgres_runs.py)
    assert isinstance(writer, PostgresStore) and writer.writable
    writer.close()
    newer = pg_server.database("newer")
    with psycopg.connect(newer, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer awsgraph"):
        open_store(newer)


def test_loader_and_reads(pg_server: PgServer) -> None:
    url = pg_server.database("loader")
    a = ent("a", "aws_sqs_queue", ["Queue"], name="a")
    b = ent("b", "aws_sns_topic", ["Channel"], region="eu-west-1", name="b")
    writer = PostgresStore(url, write=True)
    run_id = writer.load([a, b], [rel(a, "HAS", b), Relationship("a", "HAS", "gone", "x", "y")],
                         complete_scopes=[(ACCOUNT, "us-east-1", "aws_sqs_queue")],
                         partial_scopes=[(ACCOUNT, "eu-west-1", "aws_sns_topic")])
    writer.close()
    store = open_store(url)
    try:
        assert [r.status for r in store.runs()] == ["finished"] and store.finished_run_ids() == [run_id]
        assert [e.key for e in store.iter_entities()] == ["a", "b"]
        assert [r["_key"] for r in store.relationships()] == ["a|has|b"]  # the dangling one is left out
        assert store.partial_types(run_id) == ["aws_sns_topic"]
        assert store.partial_scopes_between(0, run_id) == [(ACCOUNT, "eu-west-1", "aws_sns_topic")]
        found = store.entity("a")
        assert found is not None and found.props["name"] == "a" and found.first_run == run_id
        assert list(found.props) == sorted(found.props)  # keys read back in order, as SQLite keeps them
        [(edge, other)] = store.neighbours("a", outgoing=True, cap=5)
        assert edge["_class"] == "HAS" and other is not None and other["_key"] == "b"
        assert [(k, op) for _kind, k, op, _t, _p in store.history_window(0, run_id)] == [
            ("a", "created"), ("b", "created"), ("a|has|b", "created")]
        assert store.entity_scopes(["a", "b"]) == {"a": (ACCOUNT, "us-east-1"), "b": (ACCOUNT, "eu-west-1")}
        assert [k for k, _ in store.unseen_in_scope(ACCOUNT, "eu-west-1", "aws_sns_topic", run_id + 1)] == ["b"]
    finally:
        store.close()


REGEX_CASES = [
    (r"^web", ""), (r"WE", "i"), (r"\d+\.\d+", ""), (r"\bdb\b", ""), (r"\w+-\w+$", ""), (r"a.c", ""),
    (r"[[:alpha:]]+[0-9]{2,3}", ""), (r"[\d-]+", ""), (r"x{,3}", ""), (r"\x41B", ""), (r"\x{e9}", ""),
    (r"\Qa.b\E", ""), (r"(?P<n>ab)+", ""), (r"(?:ab|cd)$", ""), (r"[^\s]+\S", ""), (r"\.", ""), (r"\z", ""),
    (r"é", "i"), (r"[]a]", ""), (r"\W", ""),
]
REGEX_TEXTS = ["web-01", "WEB", "a\nc", "abc", "1.25", "the db is up", "AB", "xyz99", "a.b", "é",
               "ababcd", "]", "x{,3}", "tab\there", "", "ok!", "café-42"]


@pytest.mark.parametrize(("pattern", "flags"), REGEX_CASES)
def test_regexes_match_on_postgresql_as_re2_matches(graph: str, pattern: str, flags: str) -> None:
    with psycopg.connect(graph, autocommit=True) as conn:
        for mode in ("search", "start", "end"):
            translated = to_postgres(pattern, mode)
            op = "~*" if flags else "~"
            for text in REGEX_TEXTS:
                got = conn.execute(f"SELECT %s::text {op} %s::text", [text, translated]).fetchone()
                assert got is not None
                assert got[0] == bool(regex_match(pattern, flags, mode, text)), (pattern, mode, text)


@pytest.mark.parametrize(("pattern", "why"), [(r"\pL", "Unicode class"), ("(?i)a", "flag group"),
                                              ("a{300}", "repetition over 255"), (r"[[:punct:]]", "class")])
def test_what_postgresql_cannot_spell_is_a_clear_error(graph: str, pattern: str, why: str) -> None:
    with pytest.raises(QueryError, match=why):
        run(graph, f"FIND aws_instance WITH name = /{pattern}/")


def test_text_search_words_and_property_names_with_percent(graph: str) -> None:
    assert pg_search_words("Caché for 10.0.1.5!") == ["caché", "for", "10", "0", "1", "5"]
    assert pg_search_words("WEB—sg") == ["web—sg"]  # a non-ASCII mark joins words on PostgreSQL
    assert run(graph, "FIND aws_instance WITH [100%s] = 'x'") == []  # psycopg's % is not the query's
    assert {r["_key"] for r in run(graph, 'FIND "web" WITH [tag.Owner] = "alice"')} == {"i-web"}


def test_a_loaded_entity_is_searchable_by_every_value_word(pg_server: PgServer) -> None:
    url = pg_server.database("words")
    hostile = Entity(key="k", type="aws_sqs_queue", classes=("Queue",),
                     props={"accountId": ACCOUNT, "region": "us-east-1", "name": "x" * 300 + " tail",
                            "nested": ["Deep-Value"], "n": 12.5})  # type: ignore[arg-type]
    load(url, [hostile], [])
    for text in ("tail", "deep-value", "12.5", "DEEP"):
        assert [r["_key"] for r in run(url, f'FIND "{text}"')] == ["k"], text
    assert run(url, 'FIND "x tail"') == []  # the text as written, not its words anywhere


def test_a_query_may_run_in_parallel_and_a_capped_one_leaves_the_transaction_usable(graph: str) -> None:
    """J1QL's statements run as ordinary statements (read by libpq in chunks), not through a server-side
    cursor, which PostgreSQL never gives a parallel plan: the server's own EXPLAIN of what ran (auto_explain,
    sent back as notices) shows a Gather once parallel plans are made cheap. A query stopped at its row cap
    is cancelled inside a savepoint, so the next query of the same read transaction still runs."""
    from awsgraph.query.engine import bounded

    plans: list[str] = []
    with psycopg.connect(graph, autocommit=True) as conn:
        conn.add_notice_handler(lambda diag: plans.append(diag.message_primary or ""))
        conn.execute("LOAD 'auto_explain'")
        for setting in ("auto_explain.log_min_duration = 0", "client_min_messages = log",
                        "parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                        "min_parallel_index_scan_size = 0", "max_parallel_workers_per_gather = 2",
                        "enable_indexscan = off", "enable_bitmapscan = off", "enable_indexonlyscan = off"):
            conn.execute(f"SET {setting}")
        rows = run(conn, "FIND * AS x RETURN count(x)")
        assert rows[0]["count(x)"] > 5
        assert any("Gather" in p for p in plans), plans

        with bounded(conn, 30):  # one read transaction, as a report's questions or a console page share
            capped = run(conn, "FIND * AS a THAT RELATES TO * AS b RETURN a._key, b._key", max_rows=1)
            assert len(capped) == 1 and capped.truncated
            after = run(conn, "FIND * AS x RETURN count(x)")
            assert after[0]["count(x)"] == rows[0]["count(x)"]
