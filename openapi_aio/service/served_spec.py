"""The document itself, served beside the API: ``{base_path}/openapi.json`` and ``.yaml``
(``swagger.json`` and ``.yaml`` for Swagger 2.0).

What is served is the document as written, with these changes:

- where the API is reachable: ``servers`` (3.x), or ``host``/``basePath``/``schemes`` (2.0), are
  rewritten per request from the request's own scheme and host, honouring ``X-Forwarded-Proto``,
  ``X-Forwarded-Host`` and ``X-Forwarded-Prefix`` or ``X-Forwarded-Path`` (set by a reverse proxy);
- the Python import paths of security functions (``x-bearerInfoFunc`` and friends) are removed:
  they say how the service is built, not how to call it. URLs (``x-tokenInfoUrl``) stay;
- each operation lists the answers the framework itself may make there (400, 401...) that the
  author did not declare, with a shared ``Problem`` schema
  (:mod:`openapi_aio.service.framework_answers`; option ``document_framework_answers``);
- ``format: decimal`` strings get the pattern the validator applies, which other tools do not
  know (:mod:`openapi_aio.service.format_patterns`; the same option);
- (3.x) what the tables cannot hold (integer bounds of their columns, no NUL in text), where the
  document allows more (:mod:`openapi_aio.service.column_limits`; the same option);
- (3.x) a schema a request body refers to whose ``required`` lists ``readOnly`` members gets a
  request variant without them, ``<Name>Input`` (:mod:`openapi_aio.service.schema_variants`);
- a resource that embeds related rows answers with ``<Name>With<Relations>`` rows, which say so
  (:mod:`openapi_aio.db.embedded_shapes`; always: it is what the service answers).

Everything but the location part is serialised once, on the first request for each form: dumping
GitHub's 13 MB description as indented JSON takes 0.65 s, which start-up does not need to pay.
It cannot fail then for a document read from files: JSON has every value the YAML loader keeps
(:mod:`openapi_aio.spec.yaml_text` refuses binary and set values). A document given as a mapping
may hold any Python object, so its JSON is made at start-up, where a TypeError is seen at once.
A document split over several files (relative ``$ref`` s) is served as one file unless
``serve_spec_bundled=False``: external references are inlined, and a reference cycle through
another file becomes a local component.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from openapi_aio.options import MAX_DOCUMENT_SIZE
from openapi_aio.service.format_patterns import with_format_patterns
from openapi_aio.service.framework_answers import with_framework_answers
from openapi_aio.service.schema_variants import with_request_variants
from openapi_aio.spec.files import Ref, SpecFiles
from openapi_aio.spec.model import ApiSpec
from openapi_aio.spec.pointers import escape

if TYPE_CHECKING:
    from openapi_aio.db.resources import ResourceOperation
    from openapi_aio.db.tables import TableModel
    from openapi_aio.operation import Operation

__all__ = ["INFO_FUNCTIONS", "ServedSpec", "bundled_document", "served_location"]

# Extension keys naming Python callables in security schemes.
INFO_FUNCTIONS = frozenset(
    {"x-apikeyInfoFunc", "x-basicInfoFunc", "x-bearerInfoFunc", "x-tokenInfoFunc", "x-scopeValidateFunc"}
)
_SENTINEL_KEY = "x-openapi-aio-served-at"
_HOST = re.compile(r"^[A-Za-z0-9.\-_~]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9.\-_~!$&'()*+,;=:@%]+)*$")


def served_location(request: web.Request) -> tuple[str, str, str]:
    """(scheme, host, prefix) the client reached us at, behind proxies or not. Forwarded values
    that do not look like a scheme, host or path are ignored (they are reflected into the
    document)."""
    headers = request.headers
    scheme = headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    if scheme not in ("http", "https"):
        scheme = request.scheme
    host = headers.get("X-Forwarded-Host", "").split(",")[0].strip()
    if not _HOST.match(host):
        host = request.host if _HOST.match(request.host or "") else "localhost"
    # X-Forwarded-Prefix, else X-Forwarded-Path (what Connexion's reverse proxy example sends).
    forwarded = headers.get("X-Forwarded-Prefix") or headers.get("X-Forwarded-Path") or ""
    segments = forwarded.split(",")[0].strip().strip("/")
    prefix = "/" + segments if segments else ""
    if not _PREFIX.match(prefix):
        prefix = ""
    return scheme, host, prefix


class ServedSpec:
    """The served forms of one API's document."""

    def __init__(
        self,
        spec: ApiSpec,
        base_path: str,
        *,
        files: SpecFiles | None = None,
        answers_of: Sequence[Operation] = (),
        tables: Mapping[str, TableModel] | None = None,
        resources: Sequence[ResourceOperation] = (),
    ) -> None:
        """``answers_of``: the operations whose framework-made answers the served document
        lists (none: the document's responses as written); ``tables``: the stored schemas whose
        columns' limits it states (3.x); ``resources``: the database resources, whose embedded
        rows it describes."""
        self.version = spec.version
        self.base_path = base_path
        document: Any = _bundled(files, spec.version) if files is not None else spec.document
        document = _without_info_functions(document)
        if answers_of:
            document = with_format_patterns(with_framework_answers(document, answers_of))
        if spec.version != "2.0":
            if tables or any(operation.spec.resource for operation in answers_of):
                from openapi_aio.service.column_limits import with_column_limits  # imports SQLAlchemy

                document = with_column_limits(document, tables or {}, answers_of, resources)
            document = with_request_variants(document)
        if any(resource.embeds for resource in resources):
            from openapi_aio.db.embedded_shapes import with_embedded_shapes

            document = with_embedded_shapes(document, resources)
        self.document = _with_sentinel(document, spec.version)
        self._written_location = {
            key: spec.document[key] for key in _LOCATION_KEYS[spec.version == "2.0"] if key in spec.document
        }
        self._json: tuple[bytes, bytes] | None = None
        self._yaml: tuple[bytes, bytes] | None = None
        if spec.source == "<document>":
            self._json_parts()
        stem = "swagger" if spec.version == "2.0" else "openapi"
        self.names = {f"{stem}.json": self.json, f"{stem}.yaml": self.yaml}

    def contract(self) -> dict[str, Any]:
        """The served document with the location the file gives (``servers`` as written): what a
        client generated from the service's own document should be built from."""
        result: dict[str, Any] = {}
        for key, value in self.document.items():
            if key == _SENTINEL_KEY:
                result.update(self._written_location)
            else:
                result[key] = value
        return result

    def _json_parts(self) -> tuple[bytes, bytes]:
        if self._json is None:
            json_text = json.dumps(self.document, ensure_ascii=False, indent=2)
            marker = json.dumps(_SENTINEL_KEY) + ": 0"
            before, found, after = json_text.partition(marker)
            assert found, "the location marker must be in the serialised document"
            self._json = (before.encode(), after.encode())
        return self._json

    def location(self, request: web.Request) -> dict[str, Any]:
        scheme, host, prefix = served_location(request)
        path = prefix + self.base_path
        if self.version == "2.0":
            return {"host": host, "basePath": path or "/", "schemes": [scheme]}
        return {"servers": [{"url": f"{scheme}://{host}{path}"}]}

    def json_bytes(self, request: web.Request) -> bytes:
        before, after = self._json_parts()
        location = json.dumps(self.location(request), ensure_ascii=False)[1:-1]  # the pairs only
        return before + location.encode() + after

    def yaml_bytes(self, request: web.Request) -> bytes:
        import yaml

        if self._yaml is None:
            text = yaml.safe_dump(self.document, sort_keys=False, allow_unicode=True, width=1000)
            marker = f"{_SENTINEL_KEY}: 0\n"
            before, found, after = text.partition(marker)
            assert found, "the location marker must be in the serialised document"
            self._yaml = (before.encode(), after.encode())
        head, tail = self._yaml
        location = yaml.safe_dump(self.location(request), sort_keys=False, allow_unicode=True)
        return head + location.encode() + tail

    async def json(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=self.json_bytes(request), content_type="application/json")

    async def yaml(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=self.yaml_bytes(request), content_type="application/yaml", charset="utf-8")


_LOCATION_KEYS = {True: ("host", "basePath", "schemes"), False: ("servers",)}  # by "is Swagger 2.0"


def _with_sentinel(document: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The document with its location keys replaced by one marker at the same place."""
    replaced = _LOCATION_KEYS[version == "2.0"]
    result: dict[str, Any] = {}
    for key, value in document.items():
        if key in replaced:
            if _SENTINEL_KEY not in result:
                result[_SENTINEL_KEY] = 0
            continue
        result[key] = value
        if key == "info" and not any(k in document for k in replaced):
            result[_SENTINEL_KEY] = 0
    if _SENTINEL_KEY not in result:
        result[_SENTINEL_KEY] = 0
    return result


def _without_info_functions(document: Mapping[str, Any]) -> dict[str, Any]:
    """Security schemes lose their function keys; the rest is shared, not copied."""
    result = dict(document)
    definitions = document.get("securityDefinitions")
    if isinstance(definitions, Mapping):
        result["securityDefinitions"] = {name: _clean_scheme(s) for name, s in definitions.items()}
    components = document.get("components")
    if isinstance(components, Mapping) and isinstance(components.get("securitySchemes"), Mapping):
        schemes = components["securitySchemes"]
        result["components"] = {**components, "securitySchemes": {n: _clean_scheme(s) for n, s in schemes.items()}}
    return result


def _clean_scheme(scheme: Any) -> Any:
    if not isinstance(scheme, Mapping):
        return scheme
    cleaned = {key: value for key, value in scheme.items() if key not in INFO_FUNCTIONS}
    flows = cleaned.get("flows")
    if isinstance(flows, Mapping):  # functions may sit beside a flow's URLs too
        cleaned["flows"] = {name: _clean_scheme(flow) for name, flow in flows.items()}
    return cleaned


# --- one file from many ------------------------------------------------------------------------


def bundled_document(
    source: str | Path,
    *,
    base_dir: str | Path | None = None,
    allow_remote_refs: bool = False,
    allowed_ref_dirs: Sequence[str | Path] = (),
    max_document_size: int = MAX_DOCUMENT_SIZE,
) -> Any:
    """The document at ``source`` as one file (``spec bundle``): references to other files
    inlined, as :class:`ServedSpec` serves it with ``serve_spec_bundled``. The options are those
    of :class:`~openapi_aio.Options` of the same names: what the document may read."""
    from openapi_aio.spec.normalize import detect_version

    files = SpecFiles(
        source,
        base_dir=base_dir,
        allow_remote=allow_remote_refs,
        allowed_ref_dirs=allowed_ref_dirs,
        max_size=max_document_size,
    )
    return _bundled(files, detect_version(files.root, Ref(files.root_uri)))


def _bundled(files: SpecFiles, version: str) -> Any:
    return _Bundler(files, version).run()


class _Bundler:
    """Inline every reference into another file. A reference into the root file stays as it is;
    one whose target is already being inlined (a cycle) is hoisted into the root's components
    (``definitions`` in 2.0) under a generated name and referenced there.

    Inlining copies: a file whose schemas each refer twice to the one before it doubles with every
    level (20 levels, 2 kB of YAML, were 400 MB of JSON). So the one file, written out, may be no
    larger than ``max_document_size``, the limit of the files it comes from, counted as it grows;
    the refusal names the root's reference that led there."""

    def __init__(self, files: SpecFiles, version: str) -> None:
        self.files = files
        self.root_uri = files.root_uri
        self.version = version
        self.hoisted: dict[str, tuple[str, Any]] = {}  # absolute target -> (local ref, content)
        self.names: set[str] = set()
        self.size = 0  # of the one file so far, written out as JSON would write it (about)

    def run(self) -> Any:
        try:
            root = self.walk(self.files.root, Ref(self.root_uri), ())
        except _TooLarge as error:  # the root file itself does not fit (a document given whole)
            raise error.at.error(self.too_large()) from None
        if not self.hoisted:
            return root
        extra = {ref.rsplit("/", 1)[1]: content for ref, content in self.hoisted.values()}
        if self.version == "2.0":
            root["definitions"] = {**(root.get("definitions") or {}), **extra}
        else:
            components = dict(root.get("components") or {})
            components["schemas"] = {**(components.get("schemas") or {}), **extra}
            root["components"] = components
        return root

    def walk(self, node: Any, at: Ref, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            self.grow(2 + 2 * len(node), at)
            return [self.walk(item, at.child(index), stack) for index, item in enumerate(node)]
        if not isinstance(node, Mapping):
            self.size += len(node) if isinstance(node, str) else 4  # checked at the next object
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and not (ref.startswith("#") and at.uri == self.root_uri):
            target, target_at = self.files.resolve(ref, at)
            absolute = target_at.absolute
            if target_at.uri == self.root_uri:  # back into the root file: a local reference
                return {**node, "$ref": "#" + target_at.pointer}
            if absolute in stack or absolute in self.hoisted:
                return {"$ref": self.hoist(absolute, target, target_at, stack)}
            try:
                inlined = self.walk(target, target_at, (*stack, absolute))
            except _TooLarge:
                if at.uri != self.root_uri:
                    raise
                raise at.error(f"inlining $ref {ref!r}: {self.too_large()}") from None
            siblings = {k: self.walk(v, at.child(k), stack) for k, v in node.items() if k != "$ref"}
            return {**inlined, **siblings} if siblings and isinstance(inlined, Mapping) else inlined
        self.grow(2 + 12 * len(node), at)  # keys are short: about 10 bytes each, quoted
        return {key: self.walk(value, at.child(key), stack) for key, value in node.items()}

    def grow(self, size: int, at: Ref) -> None:
        """Count ``size`` more bytes of the one file; past the limit, stop at once."""
        self.size += size
        if self.files.budget.limit and self.size > self.files.budget.limit:
            raise _TooLarge(at)

    def too_large(self) -> str:
        return f"the document as one file passes max_document_size ({self.files.budget.limit:,} bytes)"

    def hoist(self, absolute: str, target: Any, at: Ref, stack: tuple[str, ...]) -> str:
        if absolute in self.hoisted:
            return self.hoisted[absolute][0]
        stem = Path(at.uri).stem + (at.pointer.rsplit("/", 1)[-1] if at.pointer else "")
        name = re.sub(r"[^A-Za-z0-9._-]", "_", stem) or "schema"
        candidate, number = name, 1
        while candidate in self.names:
            number += 1
            candidate = f"{name}_{number}"
        self.names.add(candidate)
        where = "#/definitions/" if self.version == "2.0" else "#/components/schemas/"
        local = where + escape(candidate)
        self.hoisted[absolute] = (local, None)
        self.hoisted[absolute] = (local, self.walk(target, at, (*stack, absolute)))
        return local


class _TooLarge(Exception):
    """The one file passed ``max_document_size`` at ``at``."""

    def __init__(self, at: Ref) -> None:
        super().__init__()
        self.at = at
