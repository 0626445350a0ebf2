"""Typed reads of document nodes that note errors instead of raising them.

The meta-schema checks the root file only (and may be switched off), so every node is type-checked
again where the walk reads it: a wrong type anywhere is a located error, not a crash, and the walk
goes on to find the next one so that every problem is reported together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from openapi_aio.errors import SpecError
from openapi_aio.spec.files import Ref, SpecFiles
from openapi_aio.spec.metaschema import check_schema
from openapi_aio.spec.model import SpecVersion
from openapi_aio.spec.schemas import SchemaBundler

__all__ = ["Located", "NodeReader", "kind"]

# An object read from the document with the place it was read from, for its later errors
Located: TypeAlias = tuple[Mapping[str, Any], Ref]


class NodeReader:
    """What every part of the walk shares: the files, their version and the errors found so far."""

    def __init__(self, files: SpecFiles, version: SpecVersion, *, check_fragments: bool) -> None:
        self.files = files
        self.version = version
        self.root = files.root
        self.errors: list[SpecError] = []
        check = self.check_fragment if check_fragments else None
        self.schemas = SchemaBundler(files, ref_siblings=version == "3.1", check=check)

    def check_fragment(self, schema: Any, at: Ref) -> None:
        """A schema in another file gets the meta-schema check the root document got."""
        self.errors += check_schema(schema, self.version, at.file, at.pointer)

    def report(self, at: Ref, message: str) -> None:
        """Note one error where it was found; the walk goes on."""
        self.errors.append(at.error(message))

    def at_root(self, pointer: str = "") -> Ref:
        """A place in the root document, where the top-level fields live."""
        return Ref(self.files.root_uri, pointer)

    def deref(self, node: Any, at: Ref) -> tuple[Any, Ref]:
        """``node`` with its ``$ref`` chain followed (raises :class:`SpecError` when it breaks)."""
        return self.files.deref(node, at)

    def follow(self, node: Any, at: Ref, what: str) -> tuple[Mapping[str, Any] | None, Ref]:
        """``node`` with its ``$ref`` chain followed, if it is an object; else the error is noted."""
        try:
            node, at = self.deref(node, at)
        except SpecError as error:
            self.errors.append(error)
            return None, at
        return self.mapping(node, at, what), at

    def mapping(self, node: Any, at: Ref, what: str) -> Mapping[str, Any] | None:
        """``node`` when it is an object; ``None`` (and an error naming ``what``) when it is not."""
        if isinstance(node, Mapping):
            return node
        self.report(at, f"{what} must be an object, not {kind(node)}")
        return None

    def optional_mapping(self, owner: Mapping[str, Any], key: str, at: Ref) -> Mapping[str, Any]:
        """``owner[key]`` when it is an object, ``{}`` when absent (an error when it is not an object)."""
        node = owner.get(key)
        if node is None:
            return {}
        return self.mapping(node, at.child(key), repr(key)) or {}

    def strings(self, owner: Mapping[str, Any], key: str, at: Ref) -> list[str] | None:
        """``owner[key]`` as a list of strings (``consumes``, ``produces``); ``None`` when absent."""
        node = owner.get(key)
        if node is None:
            return None
        if not isinstance(node, list) or not all(isinstance(item, str) for item in node):
            self.report(at.child(key), f"{key!r} must be an array of strings")
            return None
        return node

    def bundle(self, schema: Any, at: Ref) -> Mapping[str, Any]:
        """A self-contained copy of ``schema`` (see :mod:`.schemas`), always an object.

        A broken schema is reported and read as ``{}``, so the rest of the operation is still
        checked; the boolean schemas of 3.1 become their object equivalents.
        """
        if schema is None:
            return {}
        if not isinstance(schema, Mapping) and not isinstance(schema, bool):
            self.report(at, "a schema must be an object")
            return {}
        try:
            bundled = self.schemas.bundle(schema, at)
        except SpecError as error:
            self.errors.append(error)
            return {}
        return bundled if isinstance(bundled, Mapping) else ({} if bundled else {"not": {}})


def kind(node: Any) -> str:
    """How messages name the type of a wrong value."""
    if node is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    return names.get(type(node), type(node).__name__)
