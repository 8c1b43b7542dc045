"""J1QL over the local store: a hand-written parser and a compiler to indexed SQL.

``run_query(db, "FIND ...")`` returns a list of row dicts (``run`` also returns notes). Supported, as
JupiterOne documents it (the full table, with what is not supported and why, is docs/j1ql.md)::

    [FIND] [UNIQUE] (Class | snake_type | * | (A|b_type) | #SmartClass ... | "full-text") [WITH filters] [AS alias]
      [!]THAT [>>|<<] (VERB | (VERB|VERB) | RELATES TO) [TO] [>>|<<] [AS relAlias] selector ...
      (THAT ...)? [AS alias]                      optional traversal: later steps start from both
    WHERE conditions on alias.prop, math (+ - * /), CONCAT(...), dates; AND / OR / NOT / ( )
    RETURN alias.prop [AS name], alias.*, alias, count(alias), min|max|avg|sum(alias.prop), math, CONCAT | TREE
    ORDER BY alias.prop [ASC|DESC] | label  SKIP n  LIMIT n (default 250)

Operators ``= != > < >= <= ~= ^= $= !~= !^= !$=``; values: quoted strings, numbers,
true/false, undefined, value lists ``('a' OR 'b')``, ``/regex/i``, ``date.now - 7 days`` (every unit
spelling of the spec), ``date(2024)`` ... ``date(2024-01-31T12:00:00.000+01:00)``; ``[prop-with-dash]``
names a property. Without RETURN the rows are the first selector's entities. Engine-specific SQL
lives in :mod:`awsgraph.query.dialect`; every query runs under a deadline and a row cap.
"""

from awsgraph.query.compiler import Compiled, compile_query
from awsgraph.query.engine import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, Row, Rows, execute, plan, run, run_query, tune
from awsgraph.query.errors import QueryError
from awsgraph.query.parser import DEFAULT_LIMIT, parse

__all__ = [
    "DEFAULT_LIMIT", "DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT", "Compiled", "QueryError", "Row", "Rows", "compile_query",
    "execute", "parse", "plan", "run", "run_query", "tune",
]
