"""Read document files and follow ``$ref`` between them.

Files are parsed once and kept as they are; references are followed only when a later stage
walks through them, so a ``$ref`` inside an ``x-`` extension nobody reads can never break loading.
Relative references resolve against the file they appear in (RFC 3986), as the OpenAPI
specification says. Remote references are refused unless explicitly allowed: a document that makes
the server fetch URLs at start-up is a server-side request forgery vector.
"""

from __future__ import annotations

import datetime
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from openapi_aio.errors import SpecError
from openapi_aio.spec.pointers import pointer_join, resolve_pointer

__all__ = ["Ref", "SpecFiles", "parse_text", "short_name"]

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # never the unsafe loader


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML read the way a JSON round trip would see it.

    Unquoted response codes (``200:``) become string keys and unquoted dates
    (``version: 2017-01-01``) stay the strings they were written as. Two things YAML allows but
    JSON cannot mean are refused with their line and column: a key written twice in one mapping
    (the parser would silently keep the last, e.g. drop a whole path item) and an alias inside its
    own anchor (a cyclic document that every later walk would follow forever).
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        _refuse_duplicate_keys(node)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep)
        if any(not isinstance(key, str) for key in mapping):
            return {_json_key(key): value for key, value in mapping.items()}
        return mapping


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _refuse_duplicate_keys(node: yaml.MappingNode) -> None:
    """Keys written twice in one mapping (merge keys ``<<`` may be overridden, as YAML intends).

    Keys compare as written, so ``200`` and ``"200"`` clash, as they would in JSON.
    """
    seen: set[str] = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        key = key_node.value
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)


def _json_key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    if isinstance(key, datetime.date):
        return key.isoformat()
    return str(key)


_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s,\[\]{}]")  # "&name" where YAML allows an anchor


def _refuse_cycles(root: yaml.Node) -> None:
    """Fail on an alias inside its own anchor (``a: &x [*x]``).

    Walked iteratively over the composed nodes: a recursive walk would itself overflow on a deep
    document, and PyYAML builds such a cycle without complaint.
    """
    state: dict[int, bool] = {id(root): False}  # False: being walked, True: done
    stack = [(root, iter(_children(root)))]
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            state[id(node)] = True
            stack.pop()
        elif id(child) not in state:
            state[id(child)] = False
            stack.append((child, iter(_children(child))))
        elif state[id(child)] is False:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "an alias refers to an anchor that contains it (the document would be infinite)",
                child.start_mark,
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair if not isinstance(part, yaml.ScalarNode)]
    if isinstance(node, yaml.SequenceNode):
        return [item for item in node.value if not isinstance(item, yaml.ScalarNode)]
    return []


def _load_yaml(text: str | bytes) -> Any:
    """``yaml.load`` with the cycle check between composing the nodes and building the data."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _ANCHOR.search(text if isinstance(text, str) else text.decode("utf-8", "replace")):
            _refuse_cycles(node)  # only documents that define anchors can hold a cycle
        return loader.construct_document(node)
    finally:
        loader.dispose()


def parse_text(text: str | bytes, name: str) -> Any:
    """Parse JSON or YAML (JSON first when the name says so: it is much faster)."""
    json_error: ValueError | None = None
    if name.endswith(".json"):
        try:
            return json.loads(text)
        except ValueError as error:
            json_error = error  # some .json files are YAML in practice: try that before reporting
        except RecursionError:
            raise SpecError("nested too deeply to read", name) from None
    try:
        return _load_yaml(text)
    except yaml.MarkedYAMLError as error:
        if isinstance(json_error, json.JSONDecodeError) and _looks_like_json(text):
            where = f" (line {json_error.lineno}, column {json_error.colno})"
            raise SpecError(f"not valid JSON{where}: {json_error.msg}", name) from None
        mark = error.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise SpecError(f"not valid YAML{where}: {error.problem}", name) from None
    except yaml.YAMLError as error:
        raise SpecError(f"not valid YAML: {error}", name) from None
    except RecursionError:
        raise SpecError("nested too deeply to read", name) from None


def _looks_like_json(text: str | bytes) -> bool:
    """A file meant as JSON gets JSON's error message, not the YAML parser's."""
    start = text.lstrip()[:1] if isinstance(text, str) else text.lstrip()[:1].decode("latin-1")
    return start in ("{", "[")


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
    """The files of one document set, parsed on first use and cached."""

    def __init__(
        self,
        root: Mapping[str, Any] | str | Path,
        *,
        allow_remote: bool = False,
        arguments: Mapping[str, Any] | None = None,
        base_dir: str | Path | None = None,
    ) -> None:
        self.allow_remote = allow_remote
        self.arguments = arguments
        self._documents: dict[str, Any] = {}
        if isinstance(root, Mapping):
            directory = Path(base_dir) if base_dir is not None else Path.cwd()
            self.root_uri = (directory.resolve() / "__document__").as_uri()
            self._documents[self.root_uri] = root
        else:
            path = Path(root)
            if base_dir is not None and not path.is_absolute():
                path = Path(base_dir) / path
            self.root_uri = path.resolve().as_uri()
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
            try:
                raw = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise SpecError("file not found", str(path)) from None
            except (OSError, UnicodeDecodeError) as error:
                raise SpecError(f"cannot read file: {error}", str(path)) from None
        elif scheme in ("http", "https"):
            if not self.allow_remote:
                raise SpecError(
                    f"remote $ref to {uri} refused (enable allow_remote_refs to follow it)",
                    self.root_name,
                )
            try:
                with urllib.request.urlopen(uri, timeout=10) as answer:  # noqa: S310 - opt-in
                    raw = answer.read().decode("utf-8")
            except OSError as error:
                raise SpecError(f"cannot fetch remote $ref: {error}", uri) from None
        else:
            raise SpecError(f"unsupported $ref scheme {scheme!r}", uri)
        if self.arguments:
            raw = _substitute(raw, self.arguments)
        return parse_text(raw, short_name(uri))

    def resolve(self, ref: str, at: Ref) -> tuple[Any, Ref]:
        """Follow one ``$ref`` found at ``at``; returns the target node and where it lives."""
        if not isinstance(ref, str):
            raise at.error(f"$ref must be a string, not {type(ref).__name__}")
        absolute = urllib.parse.urljoin(at.uri, ref) if not ref.startswith("#") else at.uri + ref
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
        return node, Ref(uri, pointer)

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
