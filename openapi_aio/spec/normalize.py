"""Walk a document of any version into the internal model, collecting every semantic error.

The walk goes paths -> path items -> operations; each part of an operation is read by the module
for its job: :mod:`.parameters`, :mod:`.bodies` (request body and responses), :mod:`.extensions`
(the package's ``x-`` fields) and, for a 2.0 document, :mod:`.swagger2`, which maps Swagger 2 onto
the OpenAPI 3 concepts the model is written in. :mod:`.reader` holds what they all share.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from openapi_aio.errors import SpecError
from openapi_aio.spec import bodies, extensions, swagger2
from openapi_aio.spec.files import Ref, SpecFiles
from openapi_aio.spec.model import HTTP_METHODS, ApiSpec, OperationSpec, ParameterSpec, SpecVersion
from openapi_aio.spec.parameters import parameter_list, sort_parameters
from openapi_aio.spec.pointers import pointer_join
from openapi_aio.spec.reader import Located, NodeReader

__all__ = ["detect_version", "normalize", "template_names"]

_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")
# What a path item may hold besides extensions; anything else means a $ref led somewhere else.
_PATH_ITEM_FIELDS = {
    "2.0": frozenset({"$ref", "parameters", *HTTP_METHODS}) - {"trace"},
    "3.0": frozenset({"$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS}),
    "3.1": frozenset({"$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS}),
}


def template_names(path: str) -> list[str]:
    """The placeholders of a path template, in order: ``/a/{x}/b/{y}`` -> ``["x", "y"]``."""
    return _PLACEHOLDER.findall(path)


def detect_version(document: Any, where: Ref) -> SpecVersion:
    """Which specification the document follows; anything unsupported fails here, before the walk."""
    if not isinstance(document, Mapping):
        raise where.error("not an OpenAPI document: the top level must be a mapping")
    if "swagger" in document:
        if str(document["swagger"]) == "2.0" and isinstance(document["swagger"], str):
            return "2.0"
        raise where.child("swagger").error(
            f"unsupported version swagger: {document['swagger']!r} (expected the string '2.0')"
        )
    if "openapi" in document:
        version = document["openapi"]
        if isinstance(version, str):
            if re.fullmatch(r"3\.0(\.\d+)?(-.+)?", version):
                return "3.0"
            if re.fullmatch(r"3\.1(\.\d+)?(-.+)?", version):
                return "3.1"
        raise where.child("openapi").error(
            f"unsupported version openapi: {version!r} (supported: 3.0.x, 3.1.x, and swagger '2.0')"
        )
    if "swaggerVersion" in document:
        raise where.child("swaggerVersion").error(
            f"Swagger {document['swaggerVersion']} is not supported; convert it to 2.0 or later"
        )
    raise where.error("not an OpenAPI document: no 'openapi' or 'swagger' version field")


class _Walker(NodeReader):
    """The walk over one document, plus the security requirements it has met on the way."""

    def __init__(self, files: SpecFiles, version: SpecVersion, *, check_fragments: bool) -> None:
        super().__init__(files, version, check_fragments=check_fragments)
        self.requirements: dict[str, Ref] = {}  # security scheme name -> first requirement naming it
        self.root_security = self.security(self.root.get("security"), self.at_root("/security"))

    # --- the document ---

    def base_path(self) -> str:
        """The path every operation is served under (``basePath``, or the first server's path)."""
        path = swagger2.base_path(self) if self.version == "2.0" else self.first_server_path()
        return "/" + path.strip("/") if path.strip("/") else ""

    def first_server_path(self) -> str:
        """The path of the first server: the others are alternatives, not more mount points."""
        servers = self.root.get("servers") or []
        at = self.at_root("/servers")
        if not isinstance(servers, list):
            self.report(at, "'servers' must be an array")
            servers = []
        return self.server_path(servers[0], at.child(0)) if servers else ""

    def server_path(self, server: Any, at: Ref) -> str:
        """The path of a server URL, its variables replaced by their defaults."""
        if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
            self.report(at, "a server needs a 'url' string")
            return ""
        url = server["url"]
        for name, variable in self.optional_mapping(server, "variables", at).items():
            default = variable.get("default", "") if isinstance(variable, Mapping) else ""
            url = url.replace("{" + str(name) + "}", str(default))
        try:
            path = urllib.parse.urlsplit(url).path
        except ValueError as error:
            self.report(at.child("url"), f"not a URL: {error}")
            return ""
        for name in template_names(path):
            self.report(
                at.child("url"), f"server variable {{{name}}} is used in the path but not defined in 'variables'"
            )
        return "" if template_names(path) else path

    def check_operation_ids(self, operations: list[OperationSpec]) -> None:
        """An operationId names one operation: handlers and links are found by it."""
        seen: dict[str, OperationSpec] = {}
        for operation in operations:
            if operation.operation_id is None:
                continue
            first = seen.setdefault(operation.operation_id, operation)
            if first is not operation:
                self.report(
                    self.at_root(operation.pointer),
                    f"duplicate operationId {operation.operation_id!r} (also at {first.pointer})",
                )

    # --- paths and operations ---

    def operations(self) -> list[OperationSpec]:
        """Every operation under ``paths``, in document order (``x-`` keys are extensions)."""
        paths = self.root.get("paths") or {}
        at = self.at_root("/paths")
        if not isinstance(paths, Mapping):
            self.report(at, "'paths' must be an object")
            return []
        result: list[OperationSpec] = []
        for template, raw in paths.items():
            if not isinstance(template, str) or not template.startswith("/"):
                if not str(template).startswith("x-"):
                    self.report(at.child(str(template)), "a path must start with '/'")
                continue
            item, item_at = self.follow(raw, at.child(template), "a path item")
            if item is None:
                continue
            if item_at.absolute != at.child(template).absolute and not self.is_path_item(item, item_at, raw):
                continue
            result.extend(self.path_item(template, item, item_at))
        return result

    def is_path_item(self, item: Mapping[str, Any], at: Ref, reference: Mapping[str, Any]) -> bool:
        """A path item reached through ``$ref`` holds only path item fields.

        The meta-schema never sees it as a path item (it checks the place it lives in, a schema in
        ``definitions`` say, or nothing at all in another file), and a schema followed as a path
        item would just serve nothing.
        """
        allowed = _PATH_ITEM_FIELDS[self.version]
        unexpected = [str(key) for key in item if key not in allowed and not str(key).startswith("x-")]
        if unexpected:
            listed = ", ".join(repr(key) for key in unexpected)
            self.report(at, f"not a path item (unexpected {listed}); the $ref {reference['$ref']!r} must point at one")
        return not unexpected

    def path_item(self, template: str, item: Mapping[str, Any], at: Ref) -> Iterable[OperationSpec]:
        """The operations of one path; a broken one is reported and the others still read."""
        names = template_names(template)
        for name in {n for n in names if names.count(n) > 1}:
            self.report(at, f"path template {template!r} repeats placeholder {{{name}}}")
        shared = parameter_list(self, item.get("parameters"), at.child("parameters"))
        for method in HTTP_METHODS:
            if method not in item:
                continue
            # a $ref here is not in the specification, but real documents do it
            operation, op_at = self.follow(item[method], at.child(method), "an operation")
            if operation is None:
                continue
            try:
                yield self.operation(template, method, operation, item, shared, op_at)
            except SpecError as error:
                self.errors.append(error)

    def operation(
        self,
        template: str,
        method: str,
        raw: Mapping[str, Any],
        item: Mapping[str, Any],
        shared: list[Located],
        at: Ref,
    ) -> OperationSpec:
        """One operation; its path item gives the shared parameters and ``x-`` defaults."""
        own = parameter_list(self, raw.get("parameters"), at.child("parameters"))
        parameters, body_params, form_params = sort_parameters(self, shared, own)
        self.check_path_parameters(template, parameters, at)
        if self.version == "2.0":
            body = swagger2.request_body(self, raw, body_params, form_params, at)
        else:
            body = bodies.request_body(self, raw, at)
        responses = bodies.responses(self, raw.get("responses") or {}, raw, at.child("responses"))
        security = self.security(raw["security"], at.child("security")) if "security" in raw else self.root_security
        operation_id = raw.get("operationId")
        tags = raw.get("tags") or ()
        return OperationSpec(
            path=template,
            method=method,
            operation_id=str(operation_id) if operation_id is not None else None,
            parameters=tuple(parameters),
            body=body,
            responses=responses,
            security=security,
            controller=extensions.controller(self, raw, item, at),
            tags=tuple(str(tag) for tag in tags) if isinstance(tags, list) else (),
            summary=str(raw.get("summary") or ""),
            deprecated=bool(raw.get("deprecated")),
            pointer=pointer_join("/paths", template, method),
            raw=raw,
            resource=extensions.resource(self, raw.get("x-resource", item.get("x-resource")), at),
            websocket=extensions.websocket(self, raw.get("x-websocket"), method, at.child("x-websocket")),
        )

    def check_path_parameters(self, template: str, parameters: list[ParameterSpec], at: Ref) -> None:
        """Placeholders and ``in: path`` parameters match one to one, or the route could never be served."""
        placeholders = set(template_names(template))
        declared = {p.name for p in parameters if p.location == "path"}
        for name in sorted(placeholders - declared):
            self.report(at, f"path placeholder {{{name}}} has no 'in: path' parameter")
        for name in sorted(declared - placeholders):
            self.report(at, f"path parameter {name!r} does not appear in {template!r}")
        for parameter in parameters:
            if parameter.location == "path" and not parameter.required:
                self.report(at, f"path parameter {parameter.name!r} must be required: true")

    # --- security ---

    def security(self, raw: Any, at: Ref) -> tuple[Mapping[str, tuple[str, ...]], ...] | None:
        """Security requirements; a malformed one is an error, never "no security needed"."""
        if raw is None:
            return None
        if not isinstance(raw, list):
            self.report(at, "'security' must be an array of requirements")
            return None
        requirements = []
        for index, requirement in enumerate(raw):
            if not isinstance(requirement, Mapping):
                self.report(at.child(index), "a security requirement must be an object")
                continue
            scopes_by_name: dict[str, tuple[str, ...]] = {}
            for name, scopes in requirement.items():
                if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
                    self.report(at.child(index, name), "scopes must be an array of strings")
                    scopes = []
                scopes_by_name[str(name)] = tuple(scopes)
                self.requirements.setdefault(str(name), at.child(index, name))
            requirements.append(scopes_by_name)
        return tuple(requirements)

    def security_schemes(self) -> dict[str, Mapping[str, Any]]:
        """The schemes that requirements name, resolved (an unused one may hold any $ref)."""
        if self.version == "2.0":
            raw, at = swagger2.security_definitions(self)
        else:
            components = self.optional_mapping(self.root, "components", self.at_root())
            raw = self.optional_mapping(components, "securitySchemes", self.at_root("/components"))
            at = self.at_root("/components/securitySchemes")
        schemes: dict[str, Mapping[str, Any]] = {}
        for name, where in self.requirements.items():
            if name not in raw:
                self.report(where, f"security requirement names undefined scheme {name!r}")
                continue
            scheme, _ = self.follow(raw[name], at.child(name), "a security scheme")
            if scheme is not None:
                schemes[name] = scheme
        return schemes


def normalize(files: SpecFiles, *, check_fragments: bool = True) -> tuple[ApiSpec, list[SpecError]]:
    """The internal model of the document in ``files`` and every semantic error found.

    ``check_fragments``: schemas in other files than the root get the meta-schema check too.
    """
    version = detect_version(files.root, Ref(files.root_uri))
    walker = _Walker(files, version, check_fragments=check_fragments)
    operations = walker.operations()
    if version == "2.0":
        swagger2.check_definitions(walker)
    walker.check_operation_ids(operations)
    info = files.root.get("info")
    spec = ApiSpec(
        version=version,
        source=files.root_name,
        base_path=walker.base_path(),
        operations=tuple(operations),
        security_schemes=walker.security_schemes(),
        document=files.root,
        title=str(info.get("title") or "") if isinstance(info, Mapping) else "",
        file_count=len(files),
        stored_schemas=tuple(extensions.stored_schemas(walker)),
        files=files,
    )
    return spec, walker.errors
