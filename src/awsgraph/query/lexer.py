"""Tokenizer for J1QL: words, strings, numbers, regexes, ``[bracketed property]`` names and operators."""

from __future__ import annotations

from dataclasses import dataclass

from awsgraph.query.errors import QueryError

# Longest operators first so that ``!~=`` wins over ``!`` and ``>=`` over ``>``.
_OPERATORS = (
    "!~=", "!^=", "!$=", ">>", "<<", "==", "!=", ">=", "<=", "~=", "^=", "$=",
    "=", ">", "<", "(", ")", "|", ",", "*", "!", "?", "-", "+", "/",
)
_WORD_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_@")
_WORD_CHARS = _WORD_START | set("0123456789.:")
_LETTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# After these a ``/`` opens a regex (``name = /bob/i``, ``(/a/ OR /b/)``); elsewhere it divides.
_BEFORE_REGEX_OPS = {"=", "!=", "~=", "^=", "$=", "!~=", "!^=", "!$=", "(", ","}
MAX_QUERY_CHARS = 100_000


@dataclass(frozen=True)
class Token:
    kind: str  # WORD | STRING | NUMBER | REGEX | RAW (a date's body) | OP | EOF
    value: str
    pos: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "WORD" and self.value.upper() in words

    def is_op(self, *ops: str) -> bool:
        return self.kind == "OP" and self.value in ops


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS:,} characters", text, MAX_QUERY_CHARS)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch == "/" and _regex_allowed(tokens):
            i, pattern, flags = _read_regex(text, i)
            tokens.append(Token("REGEX", pattern + "/" + flags, start))
            continue
        if ch == "#" and i + 1 < n and text[i + 1] in _LETTERS:  # a smart class: #PII
            i += 1
            while i < n and text[i] in _WORD_CHARS:
                i += 1
            tokens.append(Token("WORD", text[start:i], start))
            continue
        if ch in "'\"":
            i, value = _read_string(text, i)
            tokens.append(Token("STRING", value, start))
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            while i < n and (text[i].isdigit() or text[i] == "."):
                i += 1
            tokens.append(Token("NUMBER", text[start:i], start))
            continue
        if ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise QueryError("unterminated [property] name", text, start)
            tokens.append(Token("WORD", text[i + 1 : end], start))
            i = end + 1
            continue
        if ch in _WORD_START:
            # A slash followed by a letter stays in the word (tag.kubernetes.io/name); ``a.x/2`` divides.
            while i < n and (text[i] in _WORD_CHARS or (text[i] == "/" and i + 1 < n and text[i + 1] in _LETTERS)):
                i += 1
            word = text[start:i]
            # ``alias.[prop-with-dash]`` and ``alias.*`` continue the word.
            if word.endswith(".") and i < n and text[i] == "[":
                end = text.find("]", i)
                if end < 0:
                    raise QueryError("unterminated [property] name", text, i)
                word += text[i + 1 : end]
                i = end + 1
            elif word.endswith(".") and i < n and text[i] == "*":
                word += "*"
                i += 1
            tokens.append(Token("WORD", word, start))
            # date(...) holds an ISO 8601 timestamp (colons, offsets): keep its body as one RAW token.
            j = i
            while j < n and text[j] in " \t":
                j += 1
            if word.lower() == "date" and j < n and text[j] == "(":
                end = text.find(")", j)
                if end < 0:
                    raise QueryError("date( needs a closing )", text, j)
                tokens += [Token("OP", "(", j), Token("RAW", text[j + 1 : end], j + 1), Token("OP", ")", end)]
                i = end + 1
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("OP", "=" if op == "==" else op, start))
                i += len(op)
                break
        else:
            raise QueryError(f"unexpected character {ch!r}", text, start)
    tokens.append(Token("EOF", "", n))
    return tokens


def _read_string(text: str, i: int) -> tuple[int, str]:
    quote = text[i]
    out: list[str] = []
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\" and j + 1 < len(text):
            out.append(text[j + 1])
            j += 2
            continue
        if ch == quote:
            return j + 1, "".join(out)
        out.append(ch)
        j += 1
    raise QueryError("unterminated string", text, i)


def _regex_allowed(tokens: list[Token]) -> bool:
    if not tokens:
        return False
    last = tokens[-1]
    return (last.kind == "OP" and last.value in _BEFORE_REGEX_OPS) or last.is_word("OR", "AND")


def _read_regex(text: str, i: int) -> tuple[int, str, str]:
    """``/pattern/flags`` starting at ``i``: the pattern keeps its escapes (``\\/`` is a slash)."""
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\" and j + 1 < len(text):
            j += 2
            continue
        if ch == "/":
            k = j + 1
            while k < len(text) and text[k].isalpha():
                k += 1
            return k, text[i + 1 : j], text[j + 1 : k]
        if ch == "\n":
            break
        j += 1
    raise QueryError("unterminated regular expression (end it with /)", text, i)
