"""The J1QL parser's base: token stream, aliases, property references and nesting depth."""

from __future__ import annotations

import time

from awsgraph.query.ast import Comparison, PropRef, Value, ValueList
from awsgraph.query.errors import QueryError
from awsgraph.query.lexer import Token, tokenize

MAX_DEPTH = 100  # nested parentheses, NOTs and signs: deeper is refused with a caret, not a RecursionError
INT_MAX = 2**63 - 1  # what SQL stores can bind
KEYWORDS = {"FIND", "THAT", "WITH", "AS", "WHERE", "RETURN", "ORDER", "BY", "SKIP", "LIMIT", "AND", "OR",
            "UNIQUE", "NOT"}
COMPARATORS = ("=", "!=", ">", "<", ">=", "<=", "~=", "^=", "$=", "!~=", "!^=", "!$=")
REGEX_OPS = ("=", "!=", "~=", "!~=", "^=", "!^=", "$=", "!$=")


class ParserBase:
    """Parser state (tokens, position, aliases, depth) and the helpers every part of the grammar uses."""

    def __init__(self, text: str, now_ms: int | None) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        self.aliases: dict[str, str] = {}  # alias -> entity | relationship | negated
        self.start_alias = ""
        self._auto = 0
        self.depth = 0

    # -- token helpers ----------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, n: int = 1) -> Token:
        return self.tokens[min(self.i + n, len(self.tokens) - 1)]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        if t.kind != "EOF":
            self.i += 1
        return t

    def error(self, message: str, tok: Token | None = None) -> QueryError:
        t = tok or self.tok
        return QueryError(message, self.text, t.pos)

    def describe(self, t: Token) -> str:
        return "end of query" if t.kind == "EOF" else repr(t.value)

    def expect_word(self, word: str) -> Token:
        if not self.tok.is_word(word):
            raise self.error(f"expected {word}, found {self.describe(self.tok)}")
        return self.advance()

    def expect_op(self, op: str) -> Token:
        if not self.tok.is_op(op):
            raise self.error(f"expected {op!r}, found {self.describe(self.tok)}")
        return self.advance()

    def accept_word(self, word: str) -> bool:
        if self.tok.is_word(word):
            self.advance()
            return True
        return False

    def accept_op(self, op: str) -> bool:
        if self.tok.is_op(op):
            self.advance()
            return True
        return False

    def enter(self, t: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the query nests too deeply (more than {MAX_DEPTH} levels)", t)

    def leave(self) -> None:
        self.depth -= 1

    def name(self, what: str) -> Token:
        t = self.tok
        if t.kind != "WORD" or t.value.upper() in KEYWORDS:
            raise self.error(f"expected {what}, found {self.describe(t)}")
        return self.advance()

    def comparator(self) -> Token:
        op_tok = self.tok
        if op_tok.kind != "OP" or op_tok.value not in COMPARATORS:
            raise self.error(f"expected a comparison (=, !=, >, ~=, ...), found {self.describe(op_tok)}")
        return self.advance()

    def checked(self, node: Comparison) -> Comparison:
        values = node.right.values if isinstance(node.right, ValueList) else (node.right,)
        for v in values:
            if isinstance(v, Value) and v.kind == "regex" and node.op not in REGEX_OPS:
                raise QueryError(f"a regular expression works with = != ~= ^= $= and their negations, "
                                 f"not {node.op}", self.text, node.pos)
        return node

    def check_prop(self, prop: str, t: Token) -> str:
        if not prop or '"' in prop or any(ord(c) < 32 for c in prop):
            raise self.error("a property name must be non-empty, without double quotes or control characters", t)
        return prop

    def prop_ref(self, t: Token) -> PropRef:
        head, _, rest = t.value.partition(".")
        if head in self.aliases and rest:
            self.check_alias(head, t)
            return PropRef(head, self.check_prop(rest, t), t.pos)
        if t.value in self.aliases:
            raise self.error(f"{t.value!r} is an alias: name a property, e.g. {t.value}.name", t)
        # No alias: a property of the starting selector, as JupiterOne allows.
        return PropRef(self.start_alias, self.check_prop(t.value, t), t.pos)

    def check_alias(self, alias: str, t: Token) -> None:
        if self.aliases.get(alias) == "negated":
            raise self.error(f"{alias!r} belongs to a negated traversal (THAT !...) and has no value", t)

    def visible(self) -> list[str]:
        return [a for a, kind in self.aliases.items() if kind != "negated"]

