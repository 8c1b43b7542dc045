"""Full-text search: the rule, the FTS5 index kept in step with runs, and databases written before it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from query_estate import ACCOUNT, ent, load
from tests.helpers import collect

from awsgraph.query import run
from awsgraph.store import SQLiteStore, is_url
from awsgraph.store.text_index import TRIGGER_NAMES


def keys(db: str | sqlite3.Connection, text: str) -> set[str]:
    return {r["_key"] for r in run(db, text)}


def index_matches_live_entities(conn: sqlite3.Connection) -> bool:
    indexed = {r[0] for r in conn.execute("SELECT rowid FROM entity_text")}
    live = {r[0] for r in conn.execute("SELECT rowid FROM entities WHERE deleted_run IS NULL")}
    return indexed == live


def drop_index(db: str) -> None:
    if is_url(db):  # PostgreSQL: without its GIN index the same rule is answered by a scan
        import psycopg

        with psycopg.connect(db, autocommit=True) as pg:
            pg.execute("DROP INDEX entities_text")
        return
    conn = sqlite3.connect(db)
    for name in TRIGGER_NAMES:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE entity_text")
    conn.execute("DROP TABLE entity_text_queue")
    conn.commit()
    conn.close()


WORDS = [
    ent("a", "aws_sqs_queue", ["Queue"], name="webserver-prod"),
    ent("b", "aws_sqs_queue", ["Queue"], name="my web", description="Caché for 10.0.1.5"),
    ent("c", "aws_sqs_queue", ["Queue"], name="ip-10-0-1-5", aliases=["first", "second value"]),
    ent("d", "aws_sqs_queue", ["Queue"], name="quoted \"x\" and 'y'", port=8443),
]


@pytest.fixture()
def words_db(make_db: Callable[..., str]) -> str:
    return make_db("words", WORDS, [])


@pytest.fixture()
def sqlite_words_db(tmp_path: Path) -> str:
    """The words in SQLite: FTS5's own index, and what a database written before it does without it."""
    path = str(tmp_path / "words.db")
    load(path, WORDS, [])
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("web", {"b"}),  # a whole word: not inside "webserver"
        ("WEB", {"b"}),  # ASCII case is ignored
        ("webserver-prod", {"a"}),
        ("server", set()),
        ("10.0.1.5", {"b"}),  # the text as written: ip-10-0-1-5 has the words, not the text
        ("10.0.1", {"b"}),
        ("second value", {"c"}),  # array elements are values too
        ("first second", set()),  # two values are not one
        ("8443", {"d"}),  # numbers too
        ('"x"', {"d"}),
        ("'y'", {"d"}),
        ("aws_sqs_queue", {"a", "b", "c", "d"}),  # _type is a value
        ("Caché", {"b"}),
        ("name", set()),  # property names are not searched
        ("--", set()),  # no word: a scan, still correct
    ],
)
@pytest.mark.parametrize("index", [True, False], ids=["index", "scan"])
def test_search_rule(words_db: str, text: str, expected: set[str], index: bool) -> None:
    if not index:
        drop_index(words_db)  # an older database: the same rule by a scan
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    assert keys(words_db, f'FIND "{escaped}"') == expected


def test_index_kept_in_step_across_runs(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    store = SQLiteStore(db)
    scope = [(ACCOUNT, "us-east-1", "aws_sqs_queue")]
    for names in ({"a": "alpha-one", "b": "beta"}, {"a": "gamma", "c": "alpha-two"}):
        run_id = store.begin_run({})
        store.stage_entities(run_id, [ent(k, "aws_sqs_queue", ["Queue"], name=v) for k, v in names.items()])
        store.finish_run(run_id, scope, [], None, {})
    conn = store.connection
    assert keys(conn, 'FIND "alpha"') == {"c"}  # a renamed and b deleted in the second run
    assert keys(conn, 'FIND "gamma"') == {"a"}
    assert keys(conn, 'FIND "beta"') == set()
    assert index_matches_live_entities(conn)
    assert conn.execute("SELECT count(*) FROM entity_text_queue").fetchone() == (0,)  # the run's commit synced it
    # A write outside a run waits in the queue, and is found all the same.
    conn.execute("UPDATE entities SET props = json_set(props, '$.name', 'delta', '$.displayName', 'delta')"
                 " WHERE key = 'a'")
    assert keys(conn, 'FIND "delta"') == {"a"} and keys(conn, 'FIND "gamma"') == set()
    store.close()
    SQLiteStore(db).close()  # the next writer indexes what waited
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT count(*) FROM entity_text_queue").fetchone() == (0,)
        assert index_matches_live_entities(check)
    assert keys(db, 'FIND "delta"') == {"a"}


def test_an_older_database_answers_by_a_scan_until_a_writer_builds_the_index(sqlite_words_db: str) -> None:
    words_db = sqlite_words_db
    drop_index(words_db)
    conn = sqlite3.connect(words_db)
    rows = run(conn, 'FIND "web"')
    assert {r["_key"] for r in rows} == {"b"}
    assert rows.notes == ["this database has no full-text index yet, so the search scanned every entity "
                          "(the next `awsgraph collect` builds it)"]
    conn.close()
    SQLiteStore(words_db).close()  # what collect/demo do when they open it
    rows = run(words_db, 'FIND "web"')
    assert {r["_key"] for r in rows} == {"b"} and rows.notes == []
    with sqlite3.connect(words_db) as check:
        assert index_matches_live_entities(check)


def test_search_starts_a_traversal(docs_db: str) -> None:
    assert run(docs_db, 'FIND "eni-web" THAT RELATES TO aws_instance AS i RETURN i.name') == [{"i.name": "web"}]


def test_a_real_collection_is_searchable(aws: None, db_path: str) -> None:
    import boto3

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="fts-probe-bucket")
    collect(db_path, services=["s3"])
    assert keys(db_path, 'FIND "fts-probe-bucket" WITH _type = "aws_s3_bucket"') == {"arn:aws:s3:::fts-probe-bucket"}
    with sqlite3.connect(db_path) as conn:
        assert index_matches_live_entities(conn)


def test_an_entity_queued_earlier_in_a_run_can_be_upserted_again(tmp_path: Path) -> None:
    """An upsert's conflict policy overrides a trigger's ``OR IGNORE``: the queue triggers must not
    rely on it. A database whose triggers an older version wrote gets them rewritten by the next writer."""
    db = str(tmp_path / "upsert.db")
    store = SQLiteStore(db)
    run_id = store.begin_run({})
    store.stage_entities(run_id, [ent("a", "aws_sqs_queue", ["Queue"], name="alpha")])
    store.finish_run(run_id, [(ACCOUNT, "us-east-1", "aws_sqs_queue")], [], None, {})
    store.close()
    upsert = ("INSERT INTO entities(key, type, props, hash) VALUES('a', 'aws_sqs_queue', ?, 'h')"
              " ON CONFLICT(key) DO UPDATE SET props = excluded.props")
    queue = "INSERT OR IGNORE INTO entity_text_queue(id) VALUES (NEW.rowid);"
    with sqlite3.connect(db) as conn:  # the row trigger as an older version wrote it
        conn.execute("DROP TRIGGER entity_text_update")
        conn.execute("CREATE TRIGGER entity_text_update AFTER UPDATE OF props, deleted_run ON entities WHEN"
                     f" OLD.props IS NOT NEW.props OR OLD.deleted_run IS NOT NEW.deleted_run BEGIN {queue} END")
        conn.execute("UPDATE entities SET props = json_set(props, '$.name', 'beta') WHERE key = 'a'")  # queued
        with pytest.raises(sqlite3.IntegrityError, match="entity_text_queue"):
            conn.execute(upsert, ('{"name": "gamma"}',))
    SQLiteStore(db).close()  # a writer opens it: the trigger is rewritten (and the queue indexed)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE entities SET props = json_set(props, '$.name', 'delta') WHERE key = 'a'")  # queued
        assert conn.execute("SELECT count(*) FROM entity_text_queue").fetchone() == (1,)
        conn.execute(upsert, ('{"name": "gamma", "displayName": "gamma"}',))
        assert conn.execute("SELECT count(*) FROM entity_text_queue").fetchone() == (1,)
