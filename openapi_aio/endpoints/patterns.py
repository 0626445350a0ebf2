"""Strings that match a ``pattern``: a sampler built from the expression's structure.

JSON Schema's ``pattern`` is an ECMA-262 regular expression, and an example value must match it.
Rather than search at random, :func:`pattern_example` reads the expression and writes the
simplest string it describes: literals as written, one member of each class (``[a-z]``, ``\\d``,
``\\w``, ``.``), the first alternative of each group, and quantifiers repeated as asked.
Lookaround and back-references are not understood: :class:`UnsupportedPattern` says so, and the
caller falls back to a plain string (which may then not match; such a schema needs an example).

>>> pattern_example(r"^[A-Z]{2}-\\d+$")
'AA-0'
"""

from __future__ import annotations

import re

__all__ = ["UnsupportedPattern", "pattern_example"]


class UnsupportedPattern(Exception):
    """The pattern uses syntax the sampler does not understand (or is malformed)."""


_CLASSES = {"d": "0", "w": "a", "s": " ", "D": "a", "W": "-", "S": "a"}
_CLASS_SETS = {"d": "0123456789", "w": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", "s": " \t"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}
_PREFERRED = "aA0b1Bc_-. x"


def pattern_example(pattern: str, repeat: int = 0) -> str:
    """A string matching ``pattern`` (ECMA-262, as in JSON Schema), built from its structure.
    ``repeat`` is how many times an open quantifier (``*``, ``+``, ``{n,}``) repeats at least.
    Raises :class:`UnsupportedPattern` for what it does not understand."""
    parser = _Pattern(pattern, repeat)
    text = parser.alternatives()
    if parser.position != len(pattern):
        raise UnsupportedPattern(f"unsupported pattern {pattern!r}")
    return text


class _Pattern:
    def __init__(self, pattern: str, repeat: int) -> None:
        self.text = pattern
        self.position = 0
        self.repeat = repeat

    def peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise UnsupportedPattern("pattern ends early")
        self.position += 1
        return char

    def alternatives(self) -> str:
        first = self.sequence()
        while self.peek() == "|":
            self.take()
            self.sequence()  # parsed for its syntax; the first alternative is used
        return first

    def sequence(self) -> str:
        out = []
        while self.peek() and self.peek() not in "|)":
            atom = self.atom()
            out.append(self.quantified(atom))
        return "".join(out)

    def quantified(self, atom: str) -> str:
        char = self.peek()
        low: int = 1
        high: int | None = 1
        if char == "*":
            self.take()
            low, high = 0, None
        elif char == "+":
            self.take()
            low, high = 1, None
        elif char == "?":
            self.take()
            low, high = 0, 1
        elif char == "{":
            end = self.text.find("}", self.position)
            body = self.text[self.position + 1 : end] if end > 0 else ""
            if end > 0 and re.fullmatch(r"\d+(,\d*)?", body):
                parts = body.split(",")
                self.position = end + 1
                low = int(parts[0])
                high = low if len(parts) == 1 else (int(parts[1]) if parts[1] else None)
            else:
                return atom  # a literal brace (ECMA-262 allows it)
        else:
            return atom
        if self.peek() == "?":  # lazy: the same strings
            self.take()
        count = max(low, min(self.repeat, high if high is not None else self.repeat))
        return atom * count

    def atom(self) -> str:
        char = self.take()
        if char == "^" or char == "$":
            return ""
        if char == ".":
            return "a"
        if char == "(":
            if self.text.startswith("?:", self.position):
                self.position += 2
            elif self.text.startswith("?<", self.position) and self.text[self.position + 2 : self.position + 3] not in (
                "=",
                "!",
            ):
                end = self.text.find(">", self.position)
                if end < 0:
                    raise UnsupportedPattern("unterminated group name")
                self.position = end + 1
            elif self.peek() == "?":
                raise UnsupportedPattern("lookaround is not supported")
            inner = self.alternatives()
            if self.take() != ")":
                raise UnsupportedPattern("unbalanced parenthesis")
            return inner
        if char == "[":
            return self.character_class()
        if char == "\\":
            return self.escape(in_class=False)
        if char in "*+?":
            raise UnsupportedPattern("quantifier without an atom")
        return char

    def escape(self, *, in_class: bool) -> str:
        char = self.take()
        if char in _CLASSES:
            return _CLASSES[char]
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char == "b" and in_class:
            return "\b"
        if char == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", self.text[self.position : self.position + 4]):
            self.position += 4
            return chr(int(self.text[self.position - 4 : self.position], 16))
        if char.isdigit() or char in "bBkpPuc":
            raise UnsupportedPattern(f"\\{char} is not supported")
        if char == "x":
            code = self.text[self.position : self.position + 2]
            if re.fullmatch(r"[0-9A-Fa-f]{2}", code):
                self.position += 2
                return chr(int(code, 16))
            return "x"  # \x without two hex digits matches "x" (ECMA-262 Annex B identity escape)
        return char

    def character_class(self) -> str:
        negated = self.peek() == "^"
        if negated:
            self.take()
        members: list[str] = []
        ranges: list[tuple[str, str]] = []
        first = True
        while True:
            char = self.take()
            if char == "]" and not first:
                break
            first = False
            if char == "\\":
                letter = self.peek()
                if letter in _CLASS_SETS:
                    self.take()
                    members.extend(_CLASS_SETS[letter])
                    continue
                char = self.escape(in_class=True)
            if self.peek() == "-" and self.text[self.position + 1 : self.position + 2] not in ("]", ""):
                self.take()
                end = self.take()
                if end == "\\":
                    end = self.escape(in_class=True)
                ranges.append((char, end))
            else:
                members.append(char)

        def inside(candidate: str) -> bool:
            return candidate in members or any(low <= candidate <= high for low, high in ranges)

        if negated:
            for candidate in _PREFERRED + "abcdefghijklmnopqrstuvwxyz":
                if not inside(candidate):
                    return candidate
            raise UnsupportedPattern("negated class excludes every candidate")
        for candidate in _PREFERRED:
            if inside(candidate):
                return candidate
        if ranges:
            return ranges[0][0]
        if members:
            return members[0]
        raise UnsupportedPattern("empty character class")
