"""Read document files and follow ``$ref`` between them.

Files are parsed once and kept as they are; references are followed only when a later stage
walks through them, so a ``$ref`` inside an ``x-`` extension nobody reads can never break loading.
Relative references resolve against the file they appear in (RFC 3986), as the OpenAPI
specification says. Remote references are refused unless explicitly allowed: a document that makes
the server fetch URLs at start-up is a server-side request forgery vector. Which files may be read
at all, and how much of them, is :mod:`.sources`' business.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from openapi_aio.errors import SpecError
from openapi_aio.options import MAX_DOCUMENT_SIZE
from openapi_aio.spec.pointers import pointer_join, resolve_pointer
from openapi_aio.spec.sources import Budget, Reach, fetch_url, read_file

__all__ = ["Ref", "SpecFiles", "parse_text", "short_name"]


def parse_text(text: str | bytes, name: str, budget: Budget | None = None) -> Any:
    """Parse JSON or YAML (JSON first when the name says so: it is much faster). What YAML aliases
    repeat is charged to ``budget`` (default: ``max_document_size``'s default)."""
    json_error: ValueError | None = None
    if name.endswith(".json"):
        try:
            return json.loads(text)
        except ValueError as error:
            json_error = error  # some .json files are YAML in practice: try that before reporting
        except RecursionError:
            raise SpecError("nested too deeply to read", name) from None
    from openapi_aio.spec.yaml_text import parse_yaml  # PyYAML loads only when a document is YAML

    return parse_yaml(text, name, json_error, budget or Budget(MAX_DOCUMENT_SIZE))


def short_name(uri: str) -> str:
    """A file URI as users wrote it: a path relative to the current directory when possible."""
    if not uri.startswith("file:"):
        return uri
    path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(uri).path))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Ref:
    """Where a node lives: a document URI plus a JSON pointer, for error messages and refs."""

    __slots__ = ("pointer", "uri")

    def __init__(self, uri: str, pointer: str = "") -> None:
        self.uri = uri
        self.pointer = pointer

    def child(self, *tokens: str | int) -> Ref:
        return Ref(self.uri, pointer_join(self.pointer, *tokens))

    @property
    def absolute(self) -> str:
        return f"{self.uri}#{self.pointer}"

    @property
    def file(self) -> str:
        """The file as messages name it (``<document>`` for a document given as a mapping)."""
        return "<document>" if self.uri.endswith("/__document__") else short_name(self.uri)

    def error(self, message: str) -> SpecError:
        return SpecError(message, self.file, self.pointer)

    def __repr__(self) -> str:
        return f"Ref({self.absolute!r})"


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class SpecFiles:
    """The files of one document set, parsed on first use and cached.

    Files are read from the root document's folder tree and ``allowed_ref_dirs`` only, and
    ``max_size`` bytes at most in all (:mod:`.sources`); a document given as a mapping counts as
    living in ``base_dir`` (default: the current folder).
    """

    def __init__(
        self,
        root: Mapping[str, Any] | str | Path,
        *,
        allow_remote: bool = False,
        arguments: Mapping[str, Any] | None = None,
        base_dir: str | Path | None = None,
        allowed_ref_dirs: Sequence[str | Path] = (),
        max_size: int = MAX_DOCUMENT_SIZE,
    ) -> None:
        self.allow_remote = allow_remote
        self.arguments = arguments
        self.budget = Budget(max_size)
        self._documents: dict[str, Any] = {}
        # absolute $ref -> (target, where): a component is referenced from many operations
        self._resolved: dict[str, tuple[Any, Ref]] = {}
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        if isinstance(root, Mapping):
            home = base.resolve()
            self.root_uri = (home / "__document__").as_uri()
            self._documents[self.root_uri] = root
        else:
            path = Path(root)
            if base_dir is not None and not path.is_absolute():
                path = base / path
            home = path.resolve().parent
            self.root_uri = path.resolve().as_uri()
        self.reach = Reach(home, allowed_ref_dirs, base=base)
        self.root = self.document(self.root_uri)

    @property
    def root_name(self) -> str:
        return short_name(self.root_uri) if not self.root_uri.endswith("/__document__") else "<document>"

    def __len__(self) -> int:
        return len(self._documents)

    def uris(self) -> Iterator[str]:
        return iter(self._documents)

    def document(self, uri: str) -> Any:
        """The parsed content of the file at ``uri`` (without fragment)."""
        if uri not in self._documents:
            self._documents[uri] = self._read(uri)
        return self._documents[uri]

    def _read(self, uri: str) -> Any:
        scheme = urllib.parse.urlsplit(uri).scheme
        if scheme == "file":
            path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(uri).path))
            if uri != self.root_uri:  # the root file is where the document's folder tree starts
                self.reach.check(path)
            raw = read_file(path, self.budget, short_name(uri), root=uri == self.root_uri)
        elif scheme in ("http", "https"):
            if not self.allow_remote:
                raise SpecError(
                    f"remote $ref to {uri} refused (enable allow_remote_refs to follow it)",
                    self.root_name,
                )
            raw = fetch_url(uri, self.budget)
        else:
            raise SpecError(f"unsupported $ref scheme {scheme!r}", uri)
        if self.arguments:
            raw = _substitute(raw, self.arguments)
        return parse_text(raw, short_name(uri), self.budget)

    def resolve(self, ref: str, at: Ref) -> tuple[Any, Ref]:
        """Follow one ``$ref`` found at ``at``; returns the target node and where it lives."""
        if not isinstance(ref, str):
            raise at.error(f"$ref must be a string, not {type(ref).__name__}")
        absolute = urllib.parse.urljoin(at.uri, ref) if not ref.startswith("#") else at.uri + ref
        found = self._resolved.get(absolute)
        if found is not None:
            return found
        uri, _, fragment = absolute.partition("#")
        if uri.startswith("file:") and uri.endswith("/"):
            uri = uri.rstrip("/")  # 'schemas.yml/#/x' is a file, not a folder (seen in the wild)
        try:
            document = self.document(uri)
        except SpecError as error:
            raise at.error(f"unresolvable $ref {ref!r}: {error.message}") from None
        pointer = urllib.parse.unquote(fragment)
        try:
            node = resolve_pointer(document, pointer)
        except LookupError:
            raise at.error(f"unresolvable $ref {ref!r}: no {pointer or '/'} in {short_name(uri)}") from None
        resolved = self._resolved[absolute] = (node, Ref(uri, pointer))  # each failure is reported, not kept
        return resolved

    def deref(self, node: Any, at: Ref) -> tuple[Any, Ref]:
        """Follow ``$ref`` chains until a real node (Reference Objects may point to references)."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and "$ref" in node:
            if at.absolute in seen:
                raise at.error("circular $ref chain")
            seen.add(at.absolute)
            node, at = self.resolve(node["$ref"], at)
        return node, at


_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _substitute(text: str, arguments: Mapping[str, Any]) -> str:
    """Replace ``{{ name }}`` for the names given; everything else is left exactly as written."""
    return _PLACEHOLDER.sub(lambda match: str(arguments[match[1]]) if match[1] in arguments else match[0], text)


def is_absolute_uri(ref: str) -> bool:
    return bool(_SCHEME.match(ref))
