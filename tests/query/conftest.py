from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from query_estate import build, docs_estate

from awsgraph.model import Entity, Relationship

MakeDb = Callable[..., str]


@pytest.fixture(scope="session")
def make_db(tmp_path_factory: pytest.TempPathFactory) -> MakeDb:
    """The one way the query tests get a graph database: ``make_db(name, entities=None, rels=None)`` writes one
    finished run (the shared estate by default) and returns the database's handle, a file path for SQLite.
    A second store parametrises this fixture to return its own handle."""

    def make(name: str, entities: list[Entity] | None = None, rels: list[Relationship] | None = None) -> str:
        path = str(tmp_path_factory.mktemp(name) / f"{name}.db")
        build(path, entities, rels).close()
        return path

    return make


@pytest.fixture(scope="module")
def graph_db(make_db: MakeDb) -> str:
    return make_db("graph")


@pytest.fixture()
def conn(graph_db: str) -> Iterator[sqlite3.Connection]:
    c = sqlite3.connect(graph_db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def docs_db(make_db: MakeDb) -> str:
    """The estate plus the entities the J1QL documentation's examples need (one database per module)."""
    return make_db("docs", *docs_estate())
