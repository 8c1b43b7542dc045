"""Tokenizer for J1QL: words, strings, numbers, ``[bracketed property]`` names and operators."""

from __future__ import annotations

from dataclasses import dataclass

from awsgraph.query.errors import QueryError

# Longest operators first so that ``!~=`` wins over ``!`` and ``>=`` over ``>``.
_OPERATORS = (
    "!~=", "!^=", "!$=", ">>", "<<", "==", "!=", ">=", "<=", "~=", "^=", "$=",
    "=", ">", "<", "(", ")", "|", ",", "*", "!", "?", "-", "+",
)
_WORD_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_@")
_WORD_CHARS = _WORD_START | set("0123456789.:/")


@dataclass(frozen=True)
class Token:
    kind: str  # WORD | STRING | NUMBER | OP | EOF
    value: str
    pos: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "WORD" and self.value.upper() in words

    def is_op(self, *ops: str) -> bool:
        return self.kind == "OP" and self.value in ops


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
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
            while i < n and text[i] in _WORD_CHARS:
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
