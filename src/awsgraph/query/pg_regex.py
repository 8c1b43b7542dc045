"""J1QL regexes on PostgreSQL: RE2 patterns rewritten for PostgreSQL's own regex engine (``~``, ``~*``).

A J1QL ``/pattern/`` has RE2's meaning (:mod:`awsgraph.query.regex`; the parser has already checked
it with RE2). PostgreSQL's "advanced regular expressions" read several RE2 spellings differently, so
the pattern is rewritten, token by token, to one that means the same there:

* ``\\d \\w \\s`` (and ``\\D \\W \\S``, ``[[:alpha:]]``...) are ASCII in RE2 and follow the server's locale
  in PostgreSQL: they become explicit ASCII sets (``[0-9]``, ``[0-9A-Za-z_]``...).
* ``.`` does not match a newline in RE2 (it does in PostgreSQL): it becomes ``[^\\n]``.
* ``\\b \\B`` (word boundaries) become ``\\y \\Y``; ``\\z`` becomes ``\\Z``; ``\\x{263a}`` becomes ``\\U0000263a``;
  ``\\Q...\\E`` becomes escaped characters; named groups ``(?P<n>...)`` become plain groups; a ``{`` that is
  not a repetition is escaped.

Refused with a clear error on PostgreSQL (RE2 accepts them; PostgreSQL has no equivalent, or a
different one): Unicode classes ``\\p{...}``, flag groups ``(?i)``/``(?s:...)`` (use ``/.../i``), octal and
``\\C`` escapes, the POSIX classes ``cntrl graph print punct ascii``, and repetition counts over 255
(PostgreSQL's limit). Case-insensitive matching (``/.../i``) uses ``~*``: for non-ASCII letters it
follows the server's locale, where RE2 folds Unicode case.
"""

from __future__ import annotations

from awsgraph.query.regex import RegexError

_ASCII_CLASS = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
_POSIX = {"alnum": "0-9A-Za-z", "alpha": "A-Za-z", "blank": "\\t ", "digit": "0-9", "lower": "a-z",
          "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f"}
_SIMPLE_ESCAPES = set("afnrtv")  # the same control-character escapes in both
_MAX_REPEAT = 255
_HEX = set("0123456789abcdefABCDEF")


def _unsupported(what: str) -> RegexError:
    return RegexError(f"{what} is not available in regexes on PostgreSQL")


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.p[j] if j < len(self.p) else ""

    def run(self) -> str:
        while self.i < len(self.p):
            ch = self.p[self.i]
            if ch == "\\":
                self.out.append(self.escape(in_class=False))
            elif ch == "[":
                self.out.append(self.bracket())
            elif ch == ".":
                self.i += 1
                self.out.append("[^\\n]")
            elif ch == "(":
                self.out.append(self.group())
            elif ch == "{":
                self.out.append(self.brace())
            else:
                self.i += 1
                self.out.append(ch)
        return "".join(self.out)

    def hex_escape(self) -> str:
        """``\\xhh`` or ``\\x{h...}`` (``self.i`` is after the ``x``) as PostgreSQL's ``\\U`` + 8 digits."""
        if self.peek() == "{":
            end = self.p.find("}", self.i)
            digits = self.p[self.i + 1:end] if end > 0 else ""
            self.i = end + 1
        else:
            digits = self.p[self.i:self.i + 2]
            self.i += 2
        if not digits or set(digits) - _HEX or int(digits, 16) > 0x10FFFF:
            raise RegexError("invalid \\x escape")
        return f"\\U{int(digits, 16):08x}"

    def escape(self, *, in_class: bool) -> str:
        self.i += 1
        ch = self.peek()
        if not ch:
            raise RegexError("trailing backslash")
        self.i += 1
        if ch.lower() in _ASCII_CLASS:
            body = _ASCII_CLASS[ch.lower()]
            if ch.islower():
                return body if in_class else f"[{body}]"
            if in_class:
                raise _unsupported(f"\\{ch} inside [...]")
            return f"[^{body}]"
        if ch in _SIMPLE_ESCAPES:
            return "\\" + ch
        if ch == "x":
            return self.hex_escape()
        if not in_class and ch in "bB":
            return "\\y" if ch == "b" else "\\Y"
        if not in_class and ch == "A":
            return "\\A"
        if not in_class and ch == "z":
            return "\\Z"
        if not in_class and ch == "Q":
            end = self.p.find("\\E", self.i)
            literal = self.p[self.i:] if end < 0 else self.p[self.i:end]
            self.i = len(self.p) if end < 0 else end + 2
            return "".join(_literal(c) for c in literal)
        if ch in "pP":
            raise _unsupported("a Unicode class (\\p)")
        if ch.isdigit():
            raise _unsupported("an octal escape")
        if ch.isascii() and not ch.isalnum():
            return "\\" + ch
        raise _unsupported(f"the escape \\{ch}")

    def bracket(self) -> str:
        self.i += 1
        parts = ["["]
        if self.peek() == "^":
            parts.append("^")
            self.i += 1
        first = True
        while True:
            ch = self.peek()
            if not ch:
                raise RegexError("missing ]")
            if ch == "]" and not first:
                self.i += 1
                break
            first = False
            if ch == "[" and self.peek(1) == ":":
                end = self.p.find(":]", self.i + 2)
                name = self.p[self.i + 2:end] if end > 0 else ""
                negated = name.startswith("^")
                if negated or name not in _POSIX:
                    raise _unsupported(f"the class [:{name}:]")
                parts.append(_POSIX[name])
                self.i = end + 2
            elif ch == "\\":
                parts.append(self.escape(in_class=True))
            elif ch in "[]^\\":
                parts.append("\\" + ch)
                self.i += 1
            else:
                parts.append(ch)
                self.i += 1
        parts.append("]")
        return "".join(parts)

    def group(self) -> str:
        if self.peek(1) != "?":
            self.i += 1
            return "("
        rest = self.p[self.i + 2:]
        if rest.startswith(":"):
            self.i += 3
            return "(?:"
        for opener in ("P<", "<"):
            if rest.startswith(opener):
                end = self.p.find(">", self.i)
                self.i = end + 1
                return "("
        raise _unsupported("a flag group such as (?i) (use /.../i for case)")

    def brace(self) -> str:
        end = self.p.find("}", self.i)
        body = self.p[self.i + 1:end] if end > 0 else ""
        low, comma, high = body.partition(",")
        if low.isdigit() and (not high or high.isdigit()):
            if int(low) > _MAX_REPEAT or (high and int(high) > _MAX_REPEAT):
                raise _unsupported(f"a repetition over {_MAX_REPEAT}")
            self.i = end + 1
            return "{" + low + comma + high + "}"
        self.i += 1
        return "\\{"  # RE2 reads a { that is not a repetition as itself


def _literal(ch: str) -> str:
    return "\\" + ch if ch.isascii() and not ch.isalnum() else ch


def to_postgres(pattern: str, mode: str = "search") -> str:
    """The PostgreSQL regex that means what RE2 ``pattern`` means; ``mode`` is search, start or end."""
    translated = _Translator(pattern).run()
    if mode == "start":
        return f"^(?:{translated})"
    if mode == "end":
        return f"(?:{translated})$"
    return translated
