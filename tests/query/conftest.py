from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from query_estate import build, docs_estate


@pytest.fixture(scope="module")
def graph_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = str(tmp_path_factory.mktemp("graph") / "graph.db")
    build(path).close()
    yield path


@pytest.fixture()
def conn(graph_db: str) -> Iterator[sqlite3.Connection]:
    c = sqlite3.connect(graph_db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def docs_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The estate plus the entities the J1QL documentation's examples need (one database per module)."""
    path = str(tmp_path_factory.mktemp("docs") / "docs.db")
    build(path, *docs_estate()).close()
    yield path
