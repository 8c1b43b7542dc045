from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from query_estate import docs_estate, load

from awsgraph.model import Entity, Relationship
from awsgraph.store import Store, open_store

MakeDb = Callable[..., str]
STORES = ("sqlite", "postgresql")


@pytest.fixture(scope="session", params=STORES)
def make_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> MakeDb:
    """The one way the query tests get a graph database: ``make_db(name, entities=None, rels=None)`` writes one
    finished run (the shared estate by default) and returns the database's handle, what ``--db`` takes: a file
    path for SQLite, a ``postgresql://`` URL (a fresh database on the worker's private server) for PostgreSQL.
    Every test that uses it runs once per store."""
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")

        def make_pg(name: str, entities: list[Entity] | None = None, rels: list[Relationship] | None = None) -> str:
            url: str = server.database(name)
            load(url, entities, rels)
            return url

        return make_pg

    def make(name: str, entities: list[Entity] | None = None, rels: list[Relationship] | None = None) -> str:
        path = str(tmp_path_factory.mktemp(name) / f"{name}.db")
        load(path, entities, rels)
        return path

    return make


@pytest.fixture(scope="module")
def graph_db(make_db: MakeDb) -> str:
    return make_db("graph")


@pytest.fixture()
def conn(graph_db: str) -> Iterator[Store]:
    """The shared estate, open read-only: a store, which every query function takes as it takes a path."""
    store = open_store(graph_db)
    yield store
    store.close()


@pytest.fixture(scope="module")
def docs_db(make_db: MakeDb) -> str:
    """The estate plus the entities the J1QL documentation's examples need (one database per module)."""
    return make_db("docs", *docs_estate())
