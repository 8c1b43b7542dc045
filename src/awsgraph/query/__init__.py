"""J1QL over the local store: a hand-written parser and a compiler to indexed SQL.

``run_query(db, "FIND ...")`` returns a list of row dicts. Supported, as JupiterOne documents it::

    FIND [UNIQUE] (Class | snake_type | * | (A|b_type)) [WITH filters] [AS alias]
      [!]THAT [>>|<<] (VERB | (VERB|VERB) | RELATES TO) [>>|<<] [AS relAlias] selector ...
      (THAT ...)? [AS alias]                      optional traversal: later steps start from both
    WHERE alias.prop op value | alias.prop op other.prop, AND / OR / NOT / ( )
    RETURN alias.prop [AS name], alias.*, alias, count(alias), min|max|avg|sum(alias.prop) | TREE
    ORDER BY alias.prop [ASC|DESC] | label  SKIP n  LIMIT n (default 250)

Operators ``= != > < >= <= ~= ^= $= !~= !^= !$=``; values: quoted strings, numbers,
true/false, undefined, value lists ``('a' OR 'b')``, ``date.now - 7 days``, ``date(2024-01-31)``;
``[prop-with-dash]`` names a property. Without RETURN the rows are the first selector's entities.
"""

from awsgraph.query.compiler import Compiled, compile_query
from awsgraph.query.engine import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, Row, Rows, execute, plan, run, run_query, tune
from awsgraph.query.errors import QueryError
from awsgraph.query.parser import DEFAULT_LIMIT, parse

__all__ = [
    "DEFAULT_LIMIT", "DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT", "Compiled", "QueryError", "Row", "Rows", "compile_query",
    "execute", "parse", "plan", "run", "run_query", "tune",
]
