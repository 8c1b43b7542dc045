"""J1QL over the local store: a hand-written parser and a compiler to indexed SQL."""

from awsgraph.query.compiler import Compiled, compile_query
from awsgraph.query.engine import Row, execute, plan, run_query, tune
from awsgraph.query.errors import QueryError
from awsgraph.query.parser import DEFAULT_LIMIT, parse

__all__ = [
    "DEFAULT_LIMIT", "Compiled", "QueryError", "Row", "compile_query", "execute", "parse", "plan",
    "run_query", "tune",
]
