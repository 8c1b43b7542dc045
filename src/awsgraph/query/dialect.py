"""How one store's SQL reads JSON properties, compares, matches, searches text and does date math.

The compiler (:mod:`awsgraph.query.compiler`, :mod:`awsgraph.query.filters`) builds one plan
for every store; everything that differs between SQL engines goes through a :class:`Dialect`:
:class:`SQLiteDialect` (JSON1, FTS5, RE2 through a registered function) and
:class:`PostgresDialect` (``jsonb`` operators, ``props @> ...`` equality on a GIN index, its own
text search over a ``tsvector`` index, regexes rewritten for PostgreSQL's engine).

A property is read as a :class:`Val`: two SQL expressions, its value and its JSON type.
Type tests use the names ``text``, ``number``, ``true``, ``false``, ``null``, ``array`` and
``object`` (:meth:`Dialect.is_type`), whatever the engine calls them.

Why not SQLAlchemy Core: the queries are built around JSON table functions (``json_each``,
``json_tree``, FTS5's ``MATCH``) that SQLAlchemy does not abstract across engines anyway, and
the engine-specific parts fit in the two dozen small methods below; porting the working
compiler to another expression library would add a dependency without removing them.
"""

from __future__ import annotations

import json
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from awsgraph.model.tags import stored_property
from awsgraph.query.regex import regex_match

_TEXT_TOKEN = re.compile(r"[^\W_]+|[\ue000-\uf8ff]+")


@dataclass(frozen=True)
class Val:
    """A JSON value in SQL: ``value`` (native scalar, NULL when absent) and ``type`` (engine-specific)."""

    value: str
    type: str


class Dialect(ABC):
    """SQL fragments that differ between stores. ``props`` arguments are SQL naming a JSON document."""

    name: str

    # -- parameters and plumbing -------------------------------------------------------------
    @abstractmethod
    def placeholder(self, name: str) -> str:
        """The SQL for named parameter ``name`` (``:p0`` in SQLite, ``%(p0)s`` for psycopg)."""

    @abstractmethod
    def positional(self) -> str:
        """The placeholder of a positional parameter (``?`` / ``%s``), for the planner's probes."""

    def unindexed(self, column: str) -> str:
        """``column`` written so the engine will not pick an index for it (a planner hint)."""
        return column

    fixed_join = " JOIN "  # a join the engine must perform in the written order
    plain_join = "JOIN"  # an inner join whose conditions are in WHERE

    def not_(self, condition: str) -> str:
        """True when ``condition`` is false or NULL."""
        return f"(COALESCE({condition}, FALSE) = FALSE)"

    # SELECT DISTINCT ... ORDER BY x needs x among the selected columns (PostgreSQL); the compiler
    # then selects the ORDER BY terms after the shown columns and the engine ignores them.
    order_terms_selected = False

    # -- reading properties --------------------------------------------------------------------
    @abstractmethod
    def prop(self, props: str, prop: str) -> Val:
        """A (possibly dotted, literal) property name of the JSON object ``props``."""

    @abstractmethod
    def prop_json(self, props: str, prop: str) -> str:
        """The property as JSON text (NULL when absent), for RETURN."""

    @abstractmethod
    def elements(self, props: str, prop: str, alias: str) -> tuple[str, Val]:
        """A FROM item listing an array property's elements, named ``alias``, and an element's Val."""

    @abstractmethod
    def is_type(self, val: Val, kind: str) -> str:
        """``val`` is of JSON type ``kind``: text, number, true, false, null, array or object."""

    @abstractmethod
    def missing(self, val: Val) -> str:
        """The property is absent or JSON null."""

    @abstractmethod
    def text(self, val: Val) -> str:
        """The value as SQL text, assuming it is a JSON string."""

    @abstractmethod
    def number(self, val: Val) -> str:
        """The value as an SQL number, assuming it is a JSON number."""

    @abstractmethod
    def aggregate_arg(self, val: Val) -> str:
        """What MIN/MAX/AVG/SUM see: numbers as numbers, strings as strings."""

    # -- comparing -------------------------------------------------------------------------------
    @abstractmethod
    def contains(self, text: str, needle: str) -> str: ...

    @abstractmethod
    def starts_with(self, text: str, prefix: str) -> str: ...

    @abstractmethod
    def ends_with(self, text: str, suffix: str) -> str: ...

    @abstractmethod
    def regex(self, text: str, pattern: str, flags: str, mode: str) -> str:
        """``text`` matches the regex in parameter SQL ``pattern``; mode is search, start or end."""

    def regex_value(self, pattern: str, flags: str, mode: str) -> object:
        """What to bind as ``pattern`` for :meth:`regex` (raises RegexError for what the engine cannot do)."""
        return pattern

    def equals_literal(self, props: str, prop: str, value: object, param: Callable[[object], str]) -> str | None:
        """An indexable test for ``prop = value`` (a string, number or boolean literal; an array matches
        when an element does), or None to let the compiler spell it out."""
        return None

    def order_exprs(self, val: Val) -> list[str]:
        """ORDER BY expressions for a property (each takes the same ASC/DESC)."""
        return [val.value]

    def aggregate(self, func: str, val: Val) -> str:
        """MIN/MAX/AVG/SUM of a property."""
        return f"{func.upper()}({self.aggregate_arg(val)})"

    @abstractmethod
    def same_element(self, left: tuple[str, str], right: tuple[str, str]) -> str:
        """Some element of one property equals some element of the other (a scalar is a list of one).

        Each side is (props SQL, property name).
        """

    # -- dates and math -------------------------------------------------------------------------
    @abstractmethod
    def date_ms(self, val: Val) -> str:
        """Epoch milliseconds of a value stored as a number (already ms) or an ISO 8601 string."""

    def arithmetic(self, val: Val) -> str:
        """A property as a math operand: numbers as they are, ISO dates as epoch milliseconds."""
        return self.date_ms(val)

    @abstractmethod
    def divide(self, left: str, right: str) -> str:
        """``left / right`` in floating point; NULL when ``right`` is 0."""

    @abstractmethod
    def concat_part(self, val: Val) -> str:
        """A property as CONCAT sees it: '' when missing, numbers and booleans spelled as text."""

    def concat(self, parts: list[str]) -> str:
        return "(" + " || ".join(parts) + ")"

    @abstractmethod
    def literal_text(self, value_sql: str) -> str:
        """A parameter or computed value cast to text (for CONCAT)."""

    # -- tags and text search ----------------------------------------------------------------------
    @abstractmethod
    def any_tag_value(self, props: str, value: str) -> str:
        """Some ``tag.*`` property of ``props`` is the string in parameter SQL ``value``."""

    @abstractmethod
    def text_search(self, entity: str, text: str, param: Callable[[object], str]) -> str:
        """Entity alias ``entity`` matches full-text search ``text`` (``param`` binds values).

        The rule: one property value contains the text (ASCII case ignored), and each word of the
        text (a run of letters and digits) is a whole word of the entity's property values.
        """

    @abstractmethod
    def text_search_candidates(self, text: str) -> tuple[str, list[object]] | None:
        """SQL (positional parameters) counting up to a cap the entities the search may match."""


def search_words(text: str) -> list[str]:
    """The words of a search text as a unicode61 tokenizer sees them: runs of letters and digits."""
    return _TEXT_TOKEN.findall(text.lower())


def ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class SQLiteDialect(Dialect):
    """SQLite's JSON1 functions, FTS5 (``entity_text``, see :mod:`awsgraph.store.text_index`) and a
    registered ``j1_regexp`` function (RE2)."""

    name = "sqlite"
    fixed_join = " CROSS JOIN "  # SQLite never reorders a CROSS JOIN

    def __init__(self, text_index: bool = True) -> None:
        self.text_index = text_index

    def placeholder(self, name: str) -> str:
        return f":{name}"

    def positional(self) -> str:
        return "?"

    def unindexed(self, column: str) -> str:
        return f"+{column}"  # unary + keeps SQLite's planner off the column's index

    def not_(self, condition: str) -> str:
        return f"(IFNULL({condition}, 0) = 0)"

    @staticmethod
    def path(prop: str) -> str:
        """A SQL string literal holding the JSON path of a (possibly dotted) property name.

        ``tag.<AWS tag key>`` is looked up under its stored name (keys outside JupiterOne's
        property-name pattern are encoded, see :mod:`awsgraph.model.tags`)."""
        return "'" + ('$."' + stored_property(prop) + '"').replace("'", "''") + "'"

    def prop(self, props: str, prop: str) -> Val:
        path = self.path(prop)
        # json_type right after json_extract is nearly free: SQLite caches the parsed document.
        return Val(f"json_extract({props}, {path})", f"json_type({props}, {path})")

    def prop_json(self, props: str, prop: str) -> str:
        return f"{props} -> {self.path(prop)}"

    def elements(self, props: str, prop: str, alias: str) -> tuple[str, Val]:
        return f"json_each({props}, {self.path(prop)}) {alias}", Val(f"{alias}.value", f"{alias}.type")

    def is_type(self, val: Val, kind: str) -> str:
        if kind == "number":
            return f"{val.type} IN ('integer', 'real')"
        return f"{val.type} = '{kind}'"

    def missing(self, val: Val) -> str:
        return f"({val.type} IS NULL OR {val.type} = 'null')"

    def text(self, val: Val) -> str:
        return val.value

    def number(self, val: Val) -> str:
        return val.value

    def aggregate_arg(self, val: Val) -> str:
        return val.value

    def contains(self, text: str, needle: str) -> str:
        return f"instr({text}, {needle}) > 0"

    def starts_with(self, text: str, prefix: str) -> str:
        return f"substr({text}, 1, length({prefix})) = {prefix}"

    def ends_with(self, text: str, suffix: str) -> str:
        return f"(length({suffix}) > 0 AND substr({text}, -length({suffix})) = {suffix})"

    def regex(self, text: str, pattern: str, flags: str, mode: str) -> str:
        return f"j1_regexp({pattern}, '{flags}', '{mode}', {text}) = 1"

    def same_element(self, left: tuple[str, str], right: tuple[str, str]) -> str:
        (lp, lprop), (rp, rprop) = left, right
        lv, rv = self.prop(lp, lprop), self.prop(rp, rprop)
        scalar = (f"({lv.value} = {rv.value} AND ({lv.type} = {rv.type} OR ({self.is_type(lv, 'number')}"
                  f" AND {self.is_type(rv, 'number')})))")
        # json_each of a scalar yields the scalar itself, so one EXISTS covers list/scalar both ways.
        lists = (f"EXISTS (SELECT 1 FROM json_each({lp}, {self.path(lprop)}) a, json_each({rp}, {self.path(rprop)}) b"
                 " WHERE a.atom = b.atom AND (a.type = b.type OR (a.type IN ('integer', 'real')"
                 " AND b.type IN ('integer', 'real'))))")
        return f"({scalar} OR (({lv.type} = 'array' OR {rv.type} = 'array') AND {lists}))"

    def date_ms(self, val: Val) -> str:
        # ISO strings (with Z or an offset) to epoch ms; julianday keeps the milliseconds.
        iso = f"CAST(ROUND((julianday({val.value}) - 2440587.5) * 86400000) AS INTEGER)"
        return (f"(CASE {val.type} WHEN 'integer' THEN {val.value} WHEN 'real' THEN {val.value}"
                f" WHEN 'text' THEN (CASE WHEN {val.value} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' THEN {iso} END)"
                " END)")

    def divide(self, left: str, right: str) -> str:
        return f"(CAST({left} AS REAL) / {right})"  # x / 0 is NULL in SQLite

    def concat_part(self, val: Val) -> str:
        return (f"(CASE {val.type} WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN ''"
                f" ELSE IFNULL(CAST({val.value} AS TEXT), '') END)")

    def literal_text(self, value_sql: str) -> str:
        return f"IFNULL(CAST({value_sql} AS TEXT), '')"

    def any_tag_value(self, props: str, value: str) -> str:
        return (f"EXISTS (SELECT 1 FROM json_each({props}) t WHERE t.key GLOB 'tag.*' AND t.type = 'text'"
                f" AND t.atom = {value})")

    def text_search(self, entity: str, text: str, param: Callable[[object], str]) -> str:
        needle = param(ascii_lower(text))
        verify = (f"EXISTS (SELECT 1 FROM json_tree({entity}.props) t WHERE t.type IN ('text', 'integer', 'real')"
                  f" AND instr(lower(t.atom), {needle}) > 0)")
        words = search_words(text)
        if not words:
            return verify  # no word to look up: a scan
        if not self.text_index:  # an older database without the index: a scan with the same rule
            return f"j1_text_match({entity}.props, {param(text)}) = 1"
        match = param(" AND ".join(f'"{w}"' for w in words))
        # Entities written since the last finished run wait in the queue: they are candidates too.
        return (f"({entity}.rowid IN (SELECT rowid FROM entity_text WHERE entity_text MATCH {match})"
                f" OR {entity}.rowid IN (SELECT id FROM entity_text_queue)) AND {verify}")

    def text_search_candidates(self, text: str) -> tuple[str, list[object]] | None:
        words = search_words(text)
        if not self.text_index or not words:
            return None
        return ("SELECT 1 FROM entity_text WHERE entity_text MATCH ?", [" AND ".join(f'"{w}"' for w in words)])


def text_match(props: str, text: str) -> int:
    """The full-text rule in Python (for databases without the index): see :meth:`Dialect.text_search`."""
    values = [str(v) for v in _atoms(json.loads(props))]
    needle = ascii_lower(text)
    if not any(needle in ascii_lower(v) for v in values):
        return 0
    present = {w for v in values for w in search_words(v)}
    return 1 if all(w in present for w in search_words(text)) else 0


def _atoms(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _atoms(v)
    elif isinstance(value, list):
        for v in value:
            yield from _atoms(v)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield value


def has_text_index(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                       " AND name IN ('entity_text', 'entity_text_queue')").fetchone()
    return bool(row[0] == 2)


def prepare_sqlite(conn: sqlite3.Connection) -> SQLiteDialect:
    """Register the functions the SQLite dialect calls on ``conn`` and return the dialect."""
    conn.create_function("j1_regexp", 4, regex_match, deterministic=True)
    conn.create_function("j1_text_match", 2, text_match, deterministic=True)
    return SQLiteDialect(text_index=has_text_index(conn))


_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
# Word boundaries of PostgreSQL's text search (store/postgres.py's awsgraph_text): ASCII spaces, punctuation
# and symbols; any non-ASCII character is part of a word.
_PG_WORD = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
PG_MAX_WORD = 256


def pg_search_words(text: str) -> list[str]:
    """The words of a search text as PostgreSQL's index holds them (ASCII lower-cased)."""
    return [w for w in dict.fromkeys(_PG_WORD.findall(ascii_lower(text))) if len(w) <= PG_MAX_WORD]


def _tsquery(words: list[str]) -> str:
    """``'w1' & 'w2'``: each word a quoted lexeme (backslash and quote escaped), all required."""
    return " & ".join("'" + w.replace("\\", "\\\\").replace("'", "\\'") + "'" for w in words)


class PostgresDialect(Dialect):
    """PostgreSQL over ``jsonb``. A property is read as ``props -> 'name'`` (jsonb); its value is cast
    only where its type is known, so no row can make a cast fail.

    Full-text search (``FIND "text"``) is the rule :meth:`Dialect.text_search` states, with
    PostgreSQL's text search doing the word part: each word of the text must be a lexeme of
    ``awsgraph_text(props)`` (a GIN-indexed ``tsvector`` of the entity's value words), and one value
    must contain the text, ASCII case ignored. Words are split at ASCII spaces, punctuation and
    symbols; a non-ASCII punctuation mark (SQLite's tokenizer splits there) joins the words around
    it, and a word over 256 characters is matched as text only.

    Regexes are rewritten for PostgreSQL's engine (:mod:`awsgraph.query.pg_regex`): the same matches
    for the patterns it accepts, a clear error for the few RE2 features it has no spelling of.
    """

    name = "postgresql"
    # PostgreSQL reorders these joins with its own statistics; the planner's walk still matters there: it
    # decides which end of each hop is looked up by key (measured: bench/README.md, "J1QL on PostgreSQL").
    fixed_join = " CROSS JOIN "
    plain_join = "CROSS JOIN"  # PostgreSQL's JOIN needs ON
    order_terms_selected = True
    text_index = True

    def placeholder(self, name: str) -> str:
        return f"%({name})s"

    def positional(self) -> str:
        return "%s"

    @staticmethod
    def key(prop: str) -> str:
        """A property name as an SQL string literal (``%`` doubled: psycopg reads the statement's %)."""
        return "'" + prop.replace("'", "''").replace("%", "%%") + "'"

    def prop(self, props: str, prop: str) -> Val:
        value = f"({props} -> {self.key(prop)})"
        return Val(value, f"jsonb_typeof{value}")

    def prop_json(self, props: str, prop: str) -> str:
        return f"({props} -> {self.key(prop)})"

    def elements(self, props: str, prop: str, alias: str) -> tuple[str, Val]:
        value = f"({props} -> {self.key(prop)})"
        source = f"(CASE WHEN jsonb_typeof{value} = 'array' THEN {value} ELSE '[]'::jsonb END)"
        element = Val(f"{alias}.value", f"jsonb_typeof({alias}.value)")
        return f"jsonb_array_elements({source}) AS {alias}(value)", element

    def is_type(self, val: Val, kind: str) -> str:
        if kind in ("true", "false"):
            return f"({val.value} = '{kind}'::jsonb)"
        name = {"text": "string", "number": "number"}.get(kind, kind)
        return f"({val.type} = '{name}')"

    def missing(self, val: Val) -> str:
        return f"(COALESCE({val.type}, 'null') = 'null')"

    def text(self, val: Val) -> str:
        return f"({val.value} #>> '{{}}')"

    def number(self, val: Val) -> str:
        return f"(CASE WHEN {val.type} = 'number' THEN ({val.value})::numeric END)"

    def aggregate_arg(self, val: Val) -> str:
        return self.number(val)

    def aggregate(self, func: str, val: Val) -> str:
        if func in ("min", "max"):
            # Numbers before strings (as SQLite orders them), the smallest or largest; a jsonb result.
            order = "DESC" if func == "max" else "ASC"
            return (f"(array_agg({val.value} ORDER BY ({val.type} = 'string') {order}, {val.value} {order})"
                    f" FILTER (WHERE {val.type} IN ('number', 'string')))[1]")
        return f"{func.upper()}({self.number(val)})"

    def order_exprs(self, val: Val) -> list[str]:
        # SQLite's order: missing values first, then numbers, then strings (by code point).
        kind = f"(CASE {val.type} WHEN 'number' THEN 1 WHEN 'string' THEN 2 ELSE 0 END)"
        return [kind, self.number(val), f"(CASE WHEN {val.type} = 'string' THEN {self.text(val)} END) COLLATE \"C\""]

    def contains(self, text: str, needle: str) -> str:
        return f"(strpos({text}, {needle}::text) > 0)"

    def starts_with(self, text: str, prefix: str) -> str:
        return f"starts_with({text}, {prefix}::text)"

    def ends_with(self, text: str, suffix: str) -> str:
        return f"(length({suffix}::text) > 0 AND right({text}, length({suffix}::text)) = {suffix}::text)"

    def regex(self, text: str, pattern: str, flags: str, mode: str) -> str:
        op = "~*" if "i" in flags else "~"
        return f"(left({text}, 1000000) {op} {pattern}::text)"

    def regex_value(self, pattern: str, flags: str, mode: str) -> object:
        from awsgraph.query.pg_regex import to_postgres

        return to_postgres(pattern, mode)

    def equals_literal(self, props: str, prop: str, value: object, param: Callable[[object], str]) -> str | None:
        # props @> {"p": v} or props @> {"p": [v]}: both answered by the GIN index on props.
        scalar = param(json.dumps({prop: value}))
        listed = param(json.dumps({prop: [value]}))
        return f"({props} @> {scalar}::jsonb OR {props} @> {listed}::jsonb)"

    def same_element(self, left: tuple[str, str], right: tuple[str, str]) -> str:
        (lp, lprop), (rp, rprop) = left, right
        lv, rv = self.prop(lp, lprop), self.prop(rp, rprop)
        scalar = f"({lv.value} = {rv.value} AND {lv.type} IN ('string', 'number', 'boolean'))"

        def listed(v: Val) -> str:
            return (f"jsonb_array_elements(CASE WHEN {v.type} = 'array' THEN {v.value}"
                    f" ELSE jsonb_build_array({v.value}) END)")

        lists = (f"EXISTS (SELECT 1 FROM {listed(lv)} AS a(value), {listed(rv)} AS b(value) WHERE a.value = b.value"
                 " AND jsonb_typeof(a.value) IN ('string', 'number', 'boolean'))")
        return f"({scalar} OR (({lv.type} = 'array' OR {rv.type} = 'array') AND {lists}))"

    def date_ms(self, val: Val) -> str:
        return (f"(CASE {val.type} WHEN 'number' THEN ({val.value})::numeric"
                f" WHEN 'string' THEN awsgraph_iso_ms({self.text(val)})::numeric END)")

    def divide(self, left: str, right: str) -> str:
        return f"(CAST({left} AS double precision) / NULLIF({right}, 0))"

    def concat_part(self, val: Val) -> str:
        return f"(CASE WHEN {val.type} = 'null' THEN '' ELSE COALESCE({self.text(val)}, '') END)"

    def literal_text(self, value_sql: str) -> str:
        return f"COALESCE(CAST({value_sql} AS text), '')"

    def any_tag_value(self, props: str, value: str) -> str:
        return (f"EXISTS (SELECT 1 FROM jsonb_each({props}) t WHERE starts_with(t.key, 'tag.')"
                f" AND jsonb_typeof(t.value) = 'string' AND t.value #>> '{{}}' = {value}::text)")

    def text_search(self, entity: str, text: str, param: Callable[[object], str]) -> str:
        needle = param(ascii_lower(text))
        verify = (f"EXISTS (SELECT 1 FROM jsonb_path_query({entity}.props, 'strict $.**') v"
                  " WHERE jsonb_typeof(v) IN ('string', 'number')"
                  f" AND strpos(translate(v #>> '{{}}', '{_UPPER}', '{_LOWER}'), {needle}::text) > 0)")
        words = pg_search_words(text)
        if not words:
            return verify  # no word to look up: a scan
        return f"(awsgraph_text({entity}.props) @@ {param(_tsquery(words))}::tsquery AND {verify})"

    def text_search_candidates(self, text: str) -> tuple[str, list[object]] | None:
        words = pg_search_words(text)
        if not words:
            return None
        return ("SELECT 1 FROM entities WHERE awsgraph_text(props) @@ %s::tsquery AND deleted_run IS NULL",
                [_tsquery(words)])
