"""Validation compiled once per schema: a fast yes/no, and precise violations on failure.

The engine is jsonschema-rs (chosen by measurement: about 1 µs to accept a realistic 12-property
body against about 80 µs for the pure-Python ``jsonschema``, all violations in about 10 µs, and
regular expressions that cannot backtrack catastrophically). Schemas are first rewritten from the
document's dialect into plain JSON Schema for the direction they guard (:mod:`.dialects`).

>>> validator = SchemaValidator.compile({"type": "integer", "maximum": 5}, "3.0", "request")
>>> validator.violations(7, "query", "limit")
[Violation(location='query', name='limit', message='must be <= 5')]
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

import jsonschema_rs

from openapi_aio.errors import SpecError, Violation
from openapi_aio.spec.model import SpecVersion
from openapi_aio.validation import formats
from openapi_aio.validation.dialects import Direction, to_json_schema
from openapi_aio.validation.messages import Messages, violations_from

__all__ = ["SchemaValidator", "formats", "needs_backtracking", "shared_compiles"]

log = logging.getLogger("openapi_aio")

# Patterns the linear-time engine cannot run (lookaround, backreferences) fall back to a
# backtracking engine; this bounds its work per match (ReDoS protection): a value whose match
# would take more steps is refused ("could not be checked against its pattern"), in milliseconds.
_BACKTRACK_LIMIT = 100_000
_warned: set[str] = set()


@functools.cache
def needs_backtracking(pattern: str) -> bool:
    """Whether ``pattern`` uses what only a backtracking engine runs (lookaround, backreferences).

    >>> needs_backtracking("^(a+)+$"), needs_backtracking("^(?!admin)[a-z]+$")
    (False, True)
    """
    try:
        jsonschema_rs.Draft202012Validator({"pattern": pattern}, pattern_options=jsonschema_rs.RegexOptions())
    except (ValueError, jsonschema_rs.ValidationError):
        return True
    return False


def _patterns(schema: Any) -> Iterator[str]:
    """Every ``pattern`` and ``patternProperties`` regular expression in a schema."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            if isinstance(item.get("pattern"), str):
                yield item["pattern"]
            if isinstance(item.get("patternProperties"), Mapping):
                yield from (key for key in item["patternProperties"] if isinstance(key, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _warn_backtracking(schema: Mapping[str, Any], where: str) -> None:
    """A start-up warning, once per pattern, for each one that runs on the backtracking engine."""
    for pattern in _patterns(schema):
        if pattern not in _warned and needs_backtracking(pattern):
            _warned.add(pattern)
            log.warning(
                "pattern %r%s needs a backtracking regex engine (lookaround or backreferences): each "
                "match is cut off after %d steps and the value refused; prefer a pattern without them",
                pattern,
                f" at {where}" if where else "",
                _BACKTRACK_LIMIT,
            )


# (schema's id, version, direction, strip_read_only, formats) -> (the schema, its validator)
_Shared = dict[tuple[int, str, str, bool, tuple[tuple[str, Any], ...]], tuple[Any, "SchemaValidator"]]
_SHARED: ContextVar[_Shared | None] = ContextVar("openapi_aio_shared_validators", default=None)


@contextlib.contextmanager
def shared_compiles() -> Iterator[None]:
    """Compile each schema once per block: the compile pass of one document.

    The bundler gives every operation that uses a ``$ref``'d schema or parameter the same object
    (:mod:`openapi_aio.spec.schemas`), so within the block compiling that object again, for the
    same direction and the same registered formats, returns the validator already made (they hold
    no state). A 500-operation document compiles a third as many. Outside the block (or across
    blocks: a document given as a mapping may change in between) every compile is a new one.
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


class SchemaValidator:
    """One compiled schema."""

    __slots__ = ("_engine", "_messages", "schema")

    def __init__(self, schema: Mapping[str, Any], engine: Any) -> None:
        self.schema = schema
        self._engine = engine
        self._messages: Messages = {}  # see violations_from

    @classmethod
    def compile(
        cls,
        schema: Mapping[str, Any],
        version: SpecVersion,
        direction: Direction,
        *,
        strip_read_only: bool = False,
        where: str = "",
    ) -> SchemaValidator:
        shared = _SHARED.get()
        if shared is None:
            return cls._compile(schema, version, direction, strip_read_only, where)
        key = (id(schema), version, direction, strip_read_only, tuple(formats.FORMATS.items()))
        found = shared.get(key)
        if found is not None and found[0] is schema:  # the entry holds the schema: its id is not reused
            return found[1]
        validator = cls._compile(schema, version, direction, strip_read_only, where)
        shared[key] = (schema, validator)
        return validator

    @classmethod
    def _compile(
        cls, schema: Mapping[str, Any], version: SpecVersion, direction: Direction, strip_read_only: bool, where: str
    ) -> SchemaValidator:
        converted = to_json_schema(schema, version, direction, strip_read_only=strip_read_only)
        engine_class = jsonschema_rs.Draft202012Validator if version == "3.1" else jsonschema_rs.Draft4Validator
        # the formats registered so far (later ones reach only APIs compiled after them)
        checkers = {name: formats.never_raising(check) for name, check in formats.FORMATS.items()}
        if version != "3.1":
            checkers = {**formats.LATER_DRAFTS, **checkers}
        try:
            engine = engine_class(
                dict(converted),
                validate_formats=True,
                formats=checkers,
                mask="***",
                pattern_options=jsonschema_rs.FancyRegexOptions(backtrack_limit=_BACKTRACK_LIMIT),
            )
        except (ValueError, jsonschema_rs.ValidationError) as error:
            file, _, pointer = where.partition("#")
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise SpecError(f"schema cannot be compiled: {reason}", file, pointer) from None
        _warn_backtracking(converted, where)
        return cls(converted, engine)

    def is_valid(self, instance: Any) -> bool:
        return bool(self._engine.is_valid(instance))

    def violations(self, instance: Any, location: str, name: str = "") -> list[Violation]:
        """Every violation of ``instance``; empty when it is valid (the common, fast case)."""
        engine = self._engine
        try:
            if engine.is_valid(instance):
                return []
            errors = list(engine.iter_errors(instance))
        except ValueError:  # not a JSON value (e.g. an object key that is not a string)
            return [Violation(location, name, "is not a JSON value")]
        # never an empty list for an invalid value: that would let it through
        return violations_from(errors, self.schema, location, name, self._messages) or [
            Violation(location, name, "is not valid")
        ]
