"""How databases and output files are opened: read commands never change a file, writers make
private files and never write through a symlink or over a file that is not theirs."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsgraph.cli import main
from awsgraph.model import Entity
from awsgraph.output_files import GENERATOR_META
from awsgraph.store.sqlite import SQLiteStore, StoreError, open_store

ACCT = "111111111111"
BUCKET = "arn:aws:s3:::reports"


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _graph(path: Path) -> None:
    store = open_store(str(path), write=True)
    run_id = store.begin_run({})
    store.stage_entities(run_id, [Entity(BUCKET, "aws_s3_bucket", ("DataStore",),
                                         {"arn": BUCKET, "accountId": ACCT, "name": "reports"})])
    store.finish_run(run_id, [], [], None, {})
    store.close()


@pytest.fixture(scope="module")
def graph_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("graph") / "graph.db"
    _graph(path)
    return path


def _foreign(path: Path, wal: bool) -> bytes:
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO notes(body) VALUES ('mine, not awsgraph''s')")
    db.commit()
    db.close()  # a clean close removes a WAL database's -wal and -shm
    return path.read_bytes()


def _read_commands(db: Path, out: Path) -> list[list[str]]:
    d = str(db)
    return [
        ["query", "FIND aws_s3_bucket", "--db", d], ["ask", "public-buckets", "--db", d],
        ["report", "--db", d, "--out", str(out / "report.html")],
        ["visualize", "--db", d, "--out", str(out / "graph.html")],
        ["export", "--db", d, "--out", str(out / "export")], ["runs", "--db", d], ["diff", "--db", d],
        ["who-can", "s3:GetObject", BUCKET, "--db", d],
    ]


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str], *expected: str) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code != 0, argv
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in captured.err + captured.out, (argv, captured.err)
    assert any(e in err for e in expected), (argv, err)
    return err


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_read_commands_leave_a_foreign_sqlite_file_byte_identical(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   wal: bool) -> None:
    foreign = tmp_path / "notes.db"
    before = _foreign(foreign, wal)
    out = tmp_path / "out"
    out.mkdir()
    for argv in _read_commands(foreign, out):
        _one_line_error(capsys, argv, "is not an awsgraph database")
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db", "out"]  # no -wal, -shm or journal
    assert list(out.iterdir()) == []  # and no half-written output
    with pytest.raises(StoreError, match="is not an awsgraph database"):
        open_store(str(foreign), write=True)  # nor does a collector adopt it
    assert foreign.read_bytes() == before


@pytest.mark.parametrize("content", [b"SQLite format 3\x00" + b"\x07" * 4000, b"hello, not a database\n", b""],
                         ids=["corrupt", "text", "empty"])
def test_a_corrupt_or_foreign_file_gets_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 content: bytes) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    for argv in _read_commands(bad, tmp_path):
        _one_line_error(capsys, argv, "not an awsgraph database", "not a usable awsgraph database")
    assert bad.read_bytes() == content


def test_read_commands_do_not_create_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing.db"
    for argv in _read_commands(missing, tmp_path):
        _one_line_error(capsys, argv, "does not exist")
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_store_cannot_write(graph_db: Path) -> None:
    store = open_store(str(graph_db))
    try:
        assert [e.key for e in store.iter_entities()] == [BUCKET]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.begin_run({})
    finally:
        store.close()


def test_the_database_and_its_wal_are_private_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    with umask(0):
        store = open_store(str(path), write=True)
        run_id = store.begin_run({})  # the WAL and its index exist while a writer is open
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
        store.abort_run(run_id, "test")
        store.close()
        # a database left readable by an older version is made private when next written
        os.chmod(path, 0o644)
        open_store(str(path), write=True).close()
        assert _mode(path) == 0o600
        reader = open_store(str(path))  # a reader's WAL index takes the file's mode too
        reader.connection.execute("SELECT count(*) FROM entities").fetchone()
        assert all(_mode(p) == 0o600 for p in (path, wal, shm) if p.exists())
        reader.close()


def test_outputs_are_private_and_our_own_are_replaced(graph_db: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with umask(0):
        for _ in range(2):  # the second run replaces the first run's files without --force
            for argv in _read_commands(graph_db, tmp_path):
                if argv[0] in ("report", "visualize", "export"):
                    assert main(argv) == 0, capsys.readouterr().err
            assert main(["export", "--db", str(graph_db), "--out", str(tmp_path / "j1"), "--format", "j1"]) == 0
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    dirs = [p for p in tmp_path.rglob("*") if p.is_dir()]
    assert {p.name for p in files} >= {"report.html", "graph.html", "entities.jsonl", "relationships.jsonl",
                                       "summary.json", "00000.json"}
    assert all(_mode(p) == 0o600 for p in files), {str(p): oct(_mode(p)) for p in files}
    assert all(_mode(p) == 0o700 for p in dirs), {str(p): oct(_mode(p)) for p in dirs}
    assert GENERATOR_META in (tmp_path / "report.html").read_text()
    assert not [p for p in tmp_path.rglob(".*.tmp")]  # no temporary file left behind


def test_writers_do_not_follow_symlinks_or_overwrite_others_files(graph_db: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("do not touch\n")
    d = str(graph_db)
    # a symlink where the page goes
    link = tmp_path / "report.html"
    link.symlink_to(precious)
    _one_line_error(capsys, ["report", "--db", d, "--out", str(link)], "is a symlink")
    assert precious.read_text() == "do not touch\n" and link.is_symlink()
    assert main(["report", "--db", d, "--out", str(link), "--force"]) == 0  # replaces the link, not its target
    assert precious.read_text() == "do not touch\n" and not link.is_symlink() and _mode(link) == 0o600
    # someone's file where the page goes
    theirs = tmp_path / "graph.html"
    theirs.write_text("<html>their page</html>")
    _one_line_error(capsys, ["visualize", "--db", d, "--out", str(theirs)], "awsgraph did not write it")
    assert theirs.read_text() == "<html>their page</html>"
    assert main(["visualize", "--db", d, "--out", str(theirs), "--force"]) == 0
    assert GENERATOR_META in theirs.read_text()
    # a symlink where an export file goes, and one where the export directory goes
    export = tmp_path / "export"
    export.mkdir()
    (export / "entities.jsonl").symlink_to(precious)
    _one_line_error(capsys, ["export", "--db", d, "--out", str(export)], "is a symlink")
    (tmp_path / "linked").symlink_to(export)
    _one_line_error(capsys, ["export", "--db", d, "--out", str(tmp_path / "linked")], "is a symlink")
    assert precious.read_text() == "do not touch\n"
    # symlinks where the database or its WAL go
    db_link = tmp_path / "g.db"
    db_link.symlink_to(tmp_path / "elsewhere.db")
    with pytest.raises(StoreError, match="symlink"):
        open_store(str(db_link), write=True)
    assert not (tmp_path / "elsewhere.db").exists()
    fresh = tmp_path / "fresh.db"
    Path(f"{fresh}-wal").symlink_to(precious)
    with pytest.raises(StoreError, match="symlink"):
        open_store(str(fresh), write=True)
    assert precious.read_text() == "do not touch\n" and not fresh.exists()


def test_export_to_an_unusable_place_is_one_line(graph_db: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("x")
    d = str(graph_db)
    _one_line_error(capsys, ["export", "--db", d, "--out", str(in_the_way)], "a file is in the way")
    _one_line_error(capsys, ["export", "--db", d, "--out", str(in_the_way / "sub")], "Not a directory")
    _one_line_error(capsys, ["export", "--db", d, "--out", "/proc/awsgraph-export", "--format", "j1"],
                    "cannot create directory")
    _one_line_error(capsys, ["report", "--db", d, "--out", str(tmp_path / "no-such-dir" / "r.html")],
                    "no directory")
    assert in_the_way.read_text() == "x"


def test_a_legacy_database_is_still_read_and_gets_marked_when_written(tmp_path: Path) -> None:
    """A database written before the application_id mark is recognised by its tables."""
    path = tmp_path / "old.db"
    _graph(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id=0")
    db.commit()
    db.close()
    store = open_store(str(path))
    assert [e.key for e in store.iter_entities()] == [BUCKET]
    store.close()
    SQLiteStore(str(path)).close()
    assert sqlite3.connect(path).execute("PRAGMA application_id").fetchone()[0] != 0
