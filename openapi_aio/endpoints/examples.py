"""Example values for schemas: what the document shows, or a value made up to fit.

:func:`example_for` prefers what the author wrote (``example``, the first of ``examples``,
``default``, ``const``, the first ``enum`` value) and otherwise builds a value from the schema's
keywords: types and formats, bounds, lengths, ``pattern``, required properties, ``allOf`` (merged),
``oneOf``/``anyOf`` (the first branch whose value validates), ``nullable``, and ``readOnly`` /
``writeOnly`` (a response leaves out ``writeOnly`` properties, a request ``readOnly`` ones).
Nothing is random: the same schema always gives the same value.

Recursive schemas (``$defs`` referring to themselves) are followed a few levels: below that only
required properties are filled in and optional ones left out. ``pattern`` is handled by a small
generator that understands literals, classes (``[a-z]``, ``\\d``, ``\\w``, ``.``), groups with
alternatives and quantifiers; a pattern using anything else (lookaround, back-references) makes
the value fall back to a plain string, which may then not match: such a schema needs an example.

>>> example_for({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1}}})
{'id': 1}
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from openapi_aio.validation import SchemaValidator
from openapi_aio.validation.dialects import Direction

__all__ = ["CannotGenerate", "example_for", "pattern_example"]

_MAX_DEPTH = 12  # nesting levels in all
_RECURSION = 2  # times one $ref may repeat on the path before optional properties are left out

_FORMATS: dict[str, Any] = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T12:00:00Z",
    "time": "12:00:00Z",
    "duration": "P1D",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "iri-reference": "https://example.com/",
    "uri-template": "https://example.com/{id}",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": base64.b64encode(b"example").decode(),
    "binary": "example",
    "password": "secret",
    "json-pointer": "/example",
    "relative-json-pointer": "0",
    "regex": "^example$",
}
_NUMERIC = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class CannotGenerate(Exception):
    """No value fits the schema (as far as this generator can tell)."""


def example_for(
    schema: Any,
    *,
    direction: Direction = "response",
    version: str = "3.0",
    written: bool = True,
) -> Any:
    """An example value of ``schema`` (self-contained: ``$ref`` s point into its ``$defs`` or
    ``definitions``). With ``written=False`` the schema's ``example``, ``examples`` and
    ``default`` are passed over (``enum`` and ``const`` still decide): the value is made up."""
    return _Generator(schema, direction, version, written).run()


class _Generator:
    def __init__(self, root: Any, direction: Direction, version: str, written: bool) -> None:
        self.root = root
        self.hidden = "writeOnly" if direction == "response" else "readOnly"
        self.version = version
        self.use_written = written
        self._branch_validators: dict[int, SchemaValidator | None] = {}

    def run(self) -> Any:
        return self.value(self.root, (), 0)

    # --- references and merging ---

    def deref(self, schema: Any, refs: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 32:
            ref = schema["$ref"]
            target = self.lookup(ref)
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            refs = (*refs, ref)
            schema = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
            seen += 1
        return schema, refs

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise CannotGenerate(f"reference {ref!r} outside the schema")
        node = self.root
        for token in ref[1:].split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise CannotGenerate(f"unresolvable reference {ref!r}")
        return node

    def merged(self, schema: Mapping[str, Any], refs: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """``allOf`` folded into one schema (properties and ``required`` united)."""
        result = {k: v for k, v in schema.items() if k != "allOf"}
        for branch in schema.get("allOf") or ():
            branch, refs = self.deref(branch, refs)
            if not isinstance(branch, Mapping):
                continue
            if "allOf" in branch:
                branch, refs = self.merged(branch, refs)
            for key, value in branch.items():
                if key == "properties" and isinstance(value, Mapping):
                    result["properties"] = {**(result.get("properties") or {}), **value}
                elif key == "required" and isinstance(value, list):
                    result["required"] = [*(result.get("required") or []), *value]
                elif key in ("example", "examples", "default") and key in result:
                    continue  # the outer schema's own example wins
                else:
                    result.setdefault(key, value)
        return result, refs

    # --- values ---

    def value(self, schema: Any, refs: tuple[str, ...], depth: int, variant: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise CannotGenerate("nested too deeply")
        if schema is True or schema == {}:
            return "string"
        if schema is False:
            raise CannotGenerate("false schema")
        schema, refs = self.deref(schema, refs)
        if not isinstance(schema, Mapping):
            return "string"
        if "allOf" in schema:
            schema, refs = self.merged(schema, refs)
        written = self.written(schema, variant)
        if written is not _NONE:
            return written
        for keyword in ("oneOf", "anyOf"):
            if isinstance(schema.get(keyword), list):
                return self.choice(schema, keyword, refs, depth)
        kind = self.kind(schema)
        if kind == "object":
            return self.object(schema, refs, depth)
        if kind == "array":
            return self.array(schema, refs, depth)
        if kind == "integer":
            return self.number(schema, variant, integer=True)
        if kind == "number":
            return self.number(schema, variant, integer=False)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return self.string(schema, variant)

    def written(self, schema: Mapping[str, Any], variant: int) -> Any:
        """What the author wrote for this schema, if anything."""
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            values = [v for v in schema["enum"] if v is not None] or schema["enum"]
            return values[variant % len(values)]
        if variant or not self.use_written:
            return _NONE
        if "example" in schema:
            return schema["example"]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
        if "default" in schema:
            return schema["default"]
        return _NONE

    def kind(self, schema: Mapping[str, Any]) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"] or kind
            kind = kinds[0] if kinds else None
        if isinstance(kind, str):
            return kind
        if any(k in schema for k in ("properties", "additionalProperties", "required", "minProperties")):
            return "object"
        if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems")):
            return "array"
        if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
            return "number"
        return "string"

    def choice(self, schema: Mapping[str, Any], keyword: str, refs: tuple[str, ...], depth: int) -> Any:
        siblings = {k: v for k, v in schema.items() if k not in (keyword, "discriminator")}
        check = self.branch_validator(schema)
        first: Any = _NONE
        for branch in schema[keyword]:
            branch, branch_refs = self.deref(branch, refs)
            if not isinstance(branch, Mapping):
                continue
            combined = {**siblings, **branch}
            if siblings.get("properties") and branch.get("properties"):
                combined["properties"] = {**siblings["properties"], **branch["properties"]}
            if siblings.get("required") and branch.get("required"):
                combined["required"] = [*siblings["required"], *branch["required"]]
            try:
                candidate = self.value(combined, branch_refs, depth + 1)
            except CannotGenerate:
                continue
            if check is None or check.is_valid(candidate):
                return candidate
            if first is _NONE:
                first = candidate
        if first is _NONE:
            raise CannotGenerate(f"no {keyword} branch gives a value")
        return first

    def branch_validator(self, schema: Mapping[str, Any]) -> SchemaValidator | None:
        """A validator of the ``oneOf``/``anyOf`` node alone; ``None`` when it refers to shared
        definitions (then the first branch that gives a value is taken, unchecked)."""
        key = (id(schema), self.hidden, self.version)
        cached = _BRANCH_VALIDATORS.get(key)
        if cached is not None and cached[0] is schema:
            return cached[1]
        validator = None
        if not _refers(schema):
            try:
                direction: Direction = "response" if self.hidden == "writeOnly" else "request"
                version: Any = self.version
                validator = SchemaValidator.compile(schema, version, direction)
            except Exception:  # noqa: BLE001 - without a validator, the first branch is taken
                validator = None
        if len(_BRANCH_VALIDATORS) > 4096:
            _BRANCH_VALIDATORS.clear()
        _BRANCH_VALIDATORS[key] = (schema, validator)  # the schema is kept: its id stays unique
        return validator

    def object(self, schema: Mapping[str, Any], refs: tuple[str, ...], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = [name for name in schema.get("required") or () if isinstance(name, str)]
        recursing = any(refs.count(ref) > _RECURSION - 1 for ref in set(refs)) or depth > _MAX_DEPTH // 2
        result: dict[str, Any] = {}
        for name, sub in properties.items():
            deref, _ = self.deref(sub, refs)
            if isinstance(deref, Mapping) and deref.get(self.hidden) is True:
                continue
            if name not in required and recursing:
                continue
            try:
                result[name] = self.value(sub, refs, depth + 1)
            except CannotGenerate:
                if name in required:
                    raise
        extra = schema.get("additionalProperties")
        for name in required:
            if name not in result:
                result[name] = self.value(extra, refs, depth + 1) if isinstance(extra, Mapping) else "string"
        if isinstance(extra, Mapping) and not properties and not recursing:
            result["additionalProp1"] = self.value(extra, refs, depth + 1)
        minimum = schema.get("minProperties")
        number = 1
        while isinstance(minimum, int) and len(result) < minimum and extra is not False:
            result[f"additionalProp{number}"] = (
                self.value(extra, refs, depth + 1) if isinstance(extra, Mapping) else "string"
            )
            number += 1
        return result

    def array(self, schema: Mapping[str, Any], refs: tuple[str, ...], depth: int) -> list[Any]:
        items = schema.get("items")
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else None
        if isinstance(items, list):  # draft 4 tuple form
            prefix, items = items, schema.get("additionalItems")
        minimum: int = schema["minItems"] if isinstance(schema.get("minItems"), int) else 0
        maximum: int | None = schema["maxItems"] if isinstance(schema.get("maxItems"), int) else None
        recursing = any(refs.count(ref) > _RECURSION - 1 for ref in set(refs))
        count = max(minimum, len(prefix or ()), 0 if recursing else 1)
        if maximum is not None:
            count = min(count, maximum)
        result: list[Any] = []
        for index in range(count):
            if prefix is not None and index < len(prefix):
                sub = prefix[index]
            elif isinstance(items, Mapping) or items is True:
                sub = items
            elif items is False:
                break
            else:
                sub = {}
            variant = index if schema.get("uniqueItems") else 0
            result.append(self.value(sub, refs, depth + 1, variant))
        return result

    def number(self, schema: Mapping[str, Any], variant: int, *, integer: bool) -> int | float:
        low: int | float | None = None
        high: int | float | None = None
        low_open = high_open = False
        if isinstance(schema.get("minimum"), int | float) and not isinstance(schema.get("minimum"), bool):
            low = schema["minimum"] if low is None else max(low, schema["minimum"])
            low_open = schema.get("exclusiveMinimum") is True
        if isinstance(schema.get("maximum"), int | float) and not isinstance(schema.get("maximum"), bool):
            high = schema["maximum"] if high is None else min(high, schema["maximum"])
            high_open = schema.get("exclusiveMaximum") is True
        for key, is_low in (("exclusiveMinimum", True), ("exclusiveMaximum", False)):
            bound = schema.get(key)
            if isinstance(bound, int | float) and not isinstance(bound, bool):  # 3.1: a number
                if is_low and (low is None or bound >= low):
                    low, low_open = bound, True
                elif not is_low and (high is None or bound <= high):
                    high, high_open = bound, True
        step = schema.get("multipleOf")
        step = step if isinstance(step, int | float) and not isinstance(step, bool) and step > 0 else None
        unit: int | float = step or 1
        if low is not None:
            value: int | float = low
            if step:
                value = _ceil(low / step) * step
                if low_open and value <= low:
                    value += step
            elif low_open:
                value = low + 1 if integer or high is None or low + 1 < high else (low + high) / 2
            elif integer:
                value = _ceil(low)
        elif high is not None:
            value = min(0, high)
            if step:
                value = _floor(value / step) * step
            if high_open and value >= high:
                value -= unit
        else:
            value = 0
        value += variant * unit
        floor, ceiling = _NUMERIC.get(schema.get("format", ""), (None, None))
        if floor is not None and ceiling is not None:
            value = min(max(value, floor), ceiling)
        if integer or (isinstance(value, float) and value.is_integer() and abs(value) < 2**53):
            value = int(value)
        return value

    def string(self, schema: Mapping[str, Any], variant: int) -> str:
        pattern = schema.get("pattern")
        fmt = schema.get("format")
        minimum: int = schema["minLength"] if isinstance(schema.get("minLength"), int) else 0
        maximum: int | None = schema["maxLength"] if isinstance(schema.get("maxLength"), int) else None
        if isinstance(pattern, str):
            for repeat in (0, 1, 3, 8, 20):
                try:
                    text = pattern_example(pattern, repeat)
                except CannotGenerate:
                    break
                if len(text) >= minimum and (maximum is None or len(text) <= maximum):
                    return text + (str(variant) if variant else "")
        text = str(_FORMATS[fmt]) if isinstance(fmt, str) and fmt in _FORMATS else "string"
        if variant:
            text = f"{text}{variant}" if not fmt else text
        if len(text) < minimum:
            text = text + "x" * (minimum - len(text))
        if maximum is not None and len(text) > maximum:
            text = text[:maximum]
        return text


# (id of a oneOf/anyOf node, hidden keyword, version) -> (the node, its validator or None)
_BRANCH_VALIDATORS: dict[tuple[int, str, str], tuple[Any, SchemaValidator | None]] = {}


def _refers(schema: Any, depth: int = 0) -> bool:
    """Whether a ``$ref`` appears in ``schema`` (too deep counts as yes)."""
    if depth > 24:
        return True
    if isinstance(schema, Mapping):
        return "$ref" in schema or any(_refers(value, depth + 1) for value in schema.values())
    if isinstance(schema, list):
        return any(_refers(item, depth + 1) for item in schema)
    return False


class _NoneType:
    pass


_NONE: Any = _NoneType()


def _ceil(value: float) -> int:
    whole = int(value)
    return whole + 1 if whole < value else whole


def _floor(value: float) -> int:
    whole = int(value)
    return whole - 1 if whole > value else whole


# --- patterns --------------------------------------------------------------------------------

_CLASSES = {"d": "0", "w": "a", "s": " ", "D": "a", "W": "-", "S": "a"}
_CLASS_SETS = {"d": "0123456789", "w": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", "s": " \t"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}
_PREFERRED = "aA0b1Bc_-. x"


def pattern_example(pattern: str, repeat: int = 0) -> str:
    """A string matching ``pattern`` (ECMA-262, as in JSON Schema), built from its structure.
    ``repeat`` is how many times an open quantifier (``*``, ``+``, ``{n,}``) repeats at least.
    Raises :class:`CannotGenerate` for what it does not understand."""
    parser = _Pattern(pattern, repeat)
    text = parser.alternatives()
    if parser.position != len(pattern):
        raise CannotGenerate(f"unsupported pattern {pattern!r}")
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
            raise CannotGenerate("pattern ends early")
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
                    raise CannotGenerate("unterminated group name")
                self.position = end + 1
            elif self.peek() == "?":
                raise CannotGenerate("lookaround is not supported")
            inner = self.alternatives()
            if self.take() != ")":
                raise CannotGenerate("unbalanced parenthesis")
            return inner
        if char == "[":
            return self.character_class()
        if char == "\\":
            return self.escape(in_class=False)
        if char in "*+?":
            raise CannotGenerate("quantifier without an atom")
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
            raise CannotGenerate(f"\\{char} is not supported")
        if char == "x":
            code = self.text[self.position : self.position + 2]
            self.position += 2
            return chr(int(code, 16))
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
            raise CannotGenerate("negated class excludes every candidate")
        for candidate in _PREFERRED:
            if inside(candidate):
                return candidate
        if ranges:
            return ranges[0][0]
        if members:
            return members[0]
        raise CannotGenerate("empty character class")
