"""Walk a document of any version into the internal model, collecting every semantic error.

Swagger 2.0 specifics (``basePath``, ``consumes``/``produces``, ``in: body``/``formData``,
``collectionFormat``) are mapped onto the OpenAPI 3 concepts here, and nowhere else.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import SpecError
from .files import Ref, SpecFiles, pointer_join
from .model import (
    HTTP_METHODS,
    MISSING,
    ApiSpec,
    BodySpec,
    MediaTypeSpec,
    OperationSpec,
    ParameterSpec,
    ResponseSpec,
    SpecVersion,
)
from .schemas import SchemaBundler

__all__ = ["detect_version", "normalize", "template_names"]

_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_form_media_type(media_type: str) -> bool:
    """Form encodings, vendor variants included (``multipart/vnd.x+form-data;version=1``)."""
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence in _FORM_TYPES or essence.endswith(("+form-data", "+x-www-form-urlencoded"))


# Swagger 2 collectionFormat -> OpenAPI 3 (style, explode)
_COLLECTION_FORMATS = {
    "csv": ("form", False),
    "ssv": ("spaceDelimited", False),
    "tsv": ("tabDelimited", False),
    "pipes": ("pipeDelimited", False),
    "multi": ("form", True),
}
_SCHEMA_FIELDS_2 = (
    "format", "items", "enum", "default", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "multipleOf",
)  # fmt: skip
_DEFAULT_STYLES = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}


def template_names(path: str) -> list[str]:
    """The placeholders of a path template, in order: ``/a/{x}/b/{y}`` -> ``["x", "y"]``."""
    return _PLACEHOLDER.findall(path)


def detect_version(document: Any, where: Ref) -> SpecVersion:
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
        raise where.error(f"Swagger {document['swaggerVersion']} is not supported; convert it to 2.0 or later")
    raise where.error("not an OpenAPI document: no 'openapi' or 'swagger' version field")


class _Walker:
    def __init__(self, files: SpecFiles, version: SpecVersion) -> None:
        self.files = files
        self.version = version
        self.root = files.root
        self.errors: list[SpecError] = []
        self.schemas = SchemaBundler(files, ref_siblings=version == "3.1")

    # --- helpers ---

    def deref(self, node: Any, at: Ref) -> tuple[Any, Ref]:
        return self.files.deref(node, at)

    def bundle(self, schema: Any, at: Ref) -> Mapping[str, Any]:
        if schema is None:
            return {}
        if not isinstance(schema, Mapping) and not isinstance(schema, bool):
            self.errors.append(at.error("a schema must be an object"))
            return {}
        bundled = self.schemas.bundle(schema, at)
        return bundled if isinstance(bundled, Mapping) else ({} if bundled else {"not": {}})

    # --- the document ---

    def base_path(self) -> str:
        if self.version == "2.0":
            path = self.root.get("basePath") or ""
        else:
            servers = self.root.get("servers") or []
            path = _server_path(servers[0]) if servers and isinstance(servers[0], Mapping) else ""
        path = "/" + str(path).strip("/") if str(path).strip("/") else ""
        return path

    def operations(self) -> list[OperationSpec]:
        paths = self.root.get("paths") or {}
        at = Ref(self.files.root_uri, "/paths")
        if not isinstance(paths, Mapping):
            self.errors.append(at.error("'paths' must be an object"))
            return []
        result: list[OperationSpec] = []
        for template, item in paths.items():
            if not isinstance(template, str) or not template.startswith("/"):
                if not str(template).startswith("x-"):
                    self.errors.append(at.child(str(template)).error("a path must start with '/'"))
                continue
            item_at = at.child(template)
            try:
                item, item_at = self.deref(item, item_at)
            except SpecError as error:
                self.errors.append(error)
                continue
            if not isinstance(item, Mapping):
                self.errors.append(item_at.error("a path item must be an object"))
                continue
            result.extend(self.path_item(template, item, item_at))
        return result

    def path_item(self, template: str, item: Mapping[str, Any], at: Ref) -> Iterable[OperationSpec]:
        names = template_names(template)
        for name in {n for n in names if names.count(n) > 1}:
            self.errors.append(at.error(f"path template {template!r} repeats placeholder {{{name}}}"))
        shared = self.parameter_list(item.get("parameters"), at.child("parameters"))
        for method in HTTP_METHODS:
            if method not in item:
                continue
            try:  # a $ref here is not in the specification, but real documents do it
                operation, op_at = self.deref(item[method], at.child(method))
            except SpecError as error:
                self.errors.append(error)
                continue
            if not isinstance(operation, Mapping):
                self.errors.append(op_at.error("an operation must be an object"))
                continue
            try:
                yield self.operation(template, method, operation, item, shared, op_at)
            except SpecError as error:
                self.errors.append(error)

    def parameter_list(self, raw: Any, at: Ref) -> list[tuple[Mapping[str, Any], Ref]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.errors.append(at.error("'parameters' must be an array"))
            return []
        found: list[tuple[Mapping[str, Any], Ref]] = []
        seen: set[tuple[str, str]] = set()
        for index, parameter in enumerate(raw):
            try:
                parameter, where = self.deref(parameter, at.child(index))
            except SpecError as error:
                self.errors.append(error)
                continue
            if not isinstance(parameter, Mapping) or "name" not in parameter or "in" not in parameter:
                self.errors.append(at.child(index).error("a parameter needs 'name' and 'in'"))
                continue
            key = (str(parameter["name"]), str(parameter["in"]))
            if key in seen:
                self.errors.append(at.child(index).error(f"duplicate parameter {key[0]!r} in {key[1]}"))
                continue
            seen.add(key)
            found.append((parameter, where))
        return found

    def operation(
        self,
        template: str,
        method: str,
        raw: Mapping[str, Any],
        item: Mapping[str, Any],
        shared: list[tuple[Mapping[str, Any], Ref]],
        at: Ref,
    ) -> OperationSpec:
        own = self.parameter_list(raw.get("parameters"), at.child("parameters"))
        merged: dict[tuple[str, str], tuple[Mapping[str, Any], Ref]] = {
            (str(p["name"]), str(p["in"])): (p, w) for p, w in shared
        }
        merged.update({(str(p["name"]), str(p["in"])): (p, w) for p, w in own})

        parameters: list[ParameterSpec] = []
        body_params: list[tuple[Mapping[str, Any], Ref]] = []
        form_params: list[tuple[Mapping[str, Any], Ref]] = []
        for (_, location), (parameter, where) in merged.items():
            if location == "body":
                body_params.append((parameter, where))
            elif location == "formData":
                form_params.append((parameter, where))
            elif location in _DEFAULT_STYLES:
                parameters.append(self.parameter(parameter, where))
            else:
                self.errors.append(where.error(f"unknown parameter location in: {location!r}"))

        self.check_path_parameters(template, parameters, at)
        body = self.body_2(raw, body_params, form_params, at) if self.version == "2.0" else self.body_3(raw, at)
        responses = self.responses(raw.get("responses") or {}, raw, at.child("responses"))
        security = raw.get("security", self.root.get("security"))
        controller = raw.get("x-openapi-router-controller") or item.get("x-openapi-router-controller")
        operation_id = raw.get("operationId")
        return OperationSpec(
            path=template,
            method=method,
            operation_id=str(operation_id) if operation_id is not None else None,
            parameters=tuple(parameters),
            body=body,
            responses=responses,
            security=_security(security),
            controller=controller,
            tags=tuple(str(tag) for tag in raw.get("tags") or ()),
            summary=str(raw.get("summary") or ""),
            deprecated=bool(raw.get("deprecated")),
            pointer=pointer_join("/paths", template, method),
            raw=raw,
        )

    def check_path_parameters(self, template: str, parameters: list[ParameterSpec], at: Ref) -> None:
        placeholders = set(template_names(template))
        declared = {p.name for p in parameters if p.location == "path"}
        for name in sorted(placeholders - declared):
            self.errors.append(at.error(f"path placeholder {{{name}}} has no 'in: path' parameter"))
        for name in sorted(declared - placeholders):
            self.errors.append(at.error(f"path parameter {name!r} does not appear in {template!r}"))
        for parameter in parameters:
            if parameter.location == "path" and not parameter.required:
                self.errors.append(at.error(f"path parameter {parameter.name!r} must be required: true"))

    def parameter(self, raw: Mapping[str, Any], at: Ref) -> ParameterSpec:
        location = raw["in"]
        content_type = None
        if self.version == "2.0":
            schema = self.schema_2(raw, at)
            style, explode = _DEFAULT_STYLES[location], location in ("query", "cookie")
            if schema.get("type") == "array":
                style, explode = _COLLECTION_FORMATS.get(raw.get("collectionFormat", "csv"), ("form", False))
                if location in ("path", "header") and style == "form":
                    style = "simple"
        else:
            if "content" in raw and isinstance(raw["content"], Mapping) and raw["content"]:
                content_type, media = next(iter(raw["content"].items()))
                schema = self.bundle((media or {}).get("schema"), at.child("content", content_type, "schema"))
            else:
                schema = self.bundle(raw.get("schema"), at.child("schema"))
            style = raw.get("style", _DEFAULT_STYLES[location])
            explode = raw.get("explode", style == "form")
        default = schema.get("default", MISSING) if isinstance(schema, Mapping) else MISSING
        return ParameterSpec(
            name=str(raw["name"]),
            location=location,
            schema=schema,
            required=bool(raw.get("required", False)),
            style=style,
            explode=bool(explode),
            allow_empty_value=bool(raw.get("allowEmptyValue", False)),
            allow_reserved=bool(raw.get("allowReserved", False)),
            default=default,
            deprecated=bool(raw.get("deprecated", False)),
            content_type=content_type,
            pointer=at.pointer,
        )

    def schema_2(self, raw: Mapping[str, Any], at: Ref) -> Mapping[str, Any]:
        """A JSON schema from a Swagger 2 non-body parameter (or an Items object)."""
        kind = raw.get("type")
        if kind == "file":
            return {"type": "string", "format": "binary"}
        schema: dict[str, Any] = {"type": kind} if kind else {}
        for field in _SCHEMA_FIELDS_2:
            if field in raw:
                schema[field] = raw[field]
        if kind == "array":
            if not isinstance(raw.get("items"), Mapping):
                self.errors.append(at.error("an array parameter needs 'items'"))
                schema["items"] = {}
            else:
                schema["items"] = self.schema_2(raw["items"], at.child("items"))
        return schema

    def consumes(self, raw: Mapping[str, Any]) -> list[str]:
        return list(raw.get("consumes") or self.root.get("consumes") or ["application/json"])

    def body_2(
        self,
        raw: Mapping[str, Any],
        body_params: list[tuple[Mapping[str, Any], Ref]],
        form_params: list[tuple[Mapping[str, Any], Ref]],
        at: Ref,
    ) -> BodySpec | None:
        if len(body_params) > 1:
            self.errors.append(at.error("an operation can have only one 'in: body' parameter"))
        if body_params and form_params:
            self.errors.append(at.error("'in: body' and 'in: formData' parameters cannot be mixed"))
        if body_params:
            parameter, where = body_params[0]
            schema = self.bundle(parameter.get("schema"), where.child("schema"))
            self.check_schema(schema, where.child("schema"))
            content = {
                media_type: MediaTypeSpec(media_type, schema, example=parameter.get("x-example", MISSING))
                for media_type in self.consumes(raw)
            }
            return BodySpec(content, required=bool(parameter.get("required")), name=str(parameter["name"]))
        if not form_params:
            return None
        properties: dict[str, Any] = {}
        required: list[str] = []
        has_file = False
        for parameter, where in form_params:
            properties[str(parameter["name"])] = self.schema_2(parameter, where)
            has_file = has_file or parameter.get("type") == "file"
            if parameter.get("required"):
                required.append(str(parameter["name"]))
        consumes = self.consumes(raw)
        form_types = [mt for mt in consumes if is_form_media_type(mt)]
        if has_file and not form_types:
            self.errors.append(
                at.error(
                    "'type: file' parameters need consumes multipart/form-data or application/x-www-form-urlencoded"
                )
            )
        if not form_types:
            form_types = ["multipart/form-data" if has_file else _FORM_TYPES[0]]
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return BodySpec({mt: MediaTypeSpec(mt, schema) for mt in form_types}, required=bool(required), form=True)

    def body_3(self, raw: Mapping[str, Any], at: Ref) -> BodySpec | None:
        if "requestBody" not in raw:
            return None
        body, where = self.deref(raw["requestBody"], at.child("requestBody"))
        if not isinstance(body, Mapping):
            raise where.error("requestBody must be an object")
        content = self.content(body.get("content") or {}, where.child("content"))
        name = body.get("x-body-name") or raw.get("x-body-name") or "body"
        form = bool(content) and all(is_form_media_type(mt) for mt in content)
        return BodySpec(content, required=bool(body.get("required")), name=str(name), form=form)

    def content(self, raw: Mapping[str, Any], at: Ref) -> dict[str, MediaTypeSpec]:
        content: dict[str, MediaTypeSpec] = {}
        for media_type, media in raw.items():
            media_at = at.child(media_type)
            media, media_at = self.deref(media or {}, media_at)
            schema = self.bundle(media.get("schema"), media_at.child("schema")) if "schema" in media else None
            examples = {}
            for name, example in (media.get("examples") or {}).items():
                try:
                    examples[name], _ = self.deref(example, media_at.child("examples", name))
                except SpecError as error:
                    self.errors.append(error)
            content[media_type] = MediaTypeSpec(
                media_type,
                schema,
                example=media.get("example", MISSING),
                examples=examples,
                encoding=media.get("encoding") or {},
            )
        return content

    def responses(self, raw: Any, operation: Mapping[str, Any], at: Ref) -> dict[str, ResponseSpec]:
        responses: dict[str, ResponseSpec] = {}
        if not isinstance(raw, Mapping):
            self.errors.append(at.error("'responses' must be an object"))
            return responses
        produces = list(operation.get("produces") or self.root.get("produces") or ["application/json"])
        for status, response in raw.items():
            status = str(status)
            if status.startswith("x-"):
                continue
            where = at.child(status)
            if not _valid_status(status):
                self.errors.append(where.error(f"invalid response status code {status!r}"))
                continue
            try:
                response, where = self.deref(response, where)
            except SpecError as error:
                self.errors.append(error)
                continue
            if not isinstance(response, Mapping):
                self.errors.append(where.error("a response must be an object"))
                continue
            headers = {}
            for name, header in (response.get("headers") or {}).items():
                try:
                    header, header_at = self.deref(header, where.child("headers", name))
                except SpecError as error:
                    self.errors.append(error)
                    continue
                if self.version == "2.0" and isinstance(header, Mapping):
                    header = {**header, "schema": self.schema_2(header, header_at)}
                headers[str(name)] = header
            if self.version == "2.0":
                content = {}
                if "schema" in response:
                    schema = self.bundle(response["schema"], where.child("schema"))
                    self.check_schema(schema, where.child("schema"))
                    examples = response.get("examples") or {}
                    for media_type in produces:
                        content[media_type] = MediaTypeSpec(
                            media_type, schema, example=examples.get(media_type, MISSING)
                        )
            else:
                content = self.content(response.get("content") or {}, where.child("content"))
            responses[status] = ResponseSpec(status, str(response.get("description") or ""), content, headers)
        return responses

    def check_schema(self, schema: Mapping[str, Any], at: Ref) -> None:
        """Swagger 2 rules a meta-schema cannot express."""
        if self.version != "2.0" or not isinstance(schema, Mapping):
            return
        if schema.get("type") == "array" and "items" not in schema:
            self.errors.append(at.error("an array schema needs 'items'"))
        self.check_required(schema, at)

    def check_required(self, schema: Mapping[str, Any], at: Ref) -> None:
        properties = schema.get("properties")
        required = schema.get("required")
        if not isinstance(properties, Mapping) or not isinstance(required, list):
            return
        if any(k in schema for k in ("allOf", "anyOf", "oneOf", "additionalProperties")):
            return
        for name in required:
            if name not in properties:
                self.errors.append(at.error(f"required property {name!r} is not defined in 'properties'"))

    def definitions(self) -> None:
        """Check the shared schemas themselves (Swagger 2), even those no operation uses."""
        if self.version != "2.0":
            return
        definitions = self.root.get("definitions") or {}
        if isinstance(definitions, Mapping):
            for name, schema in definitions.items():
                if isinstance(schema, Mapping):
                    self.check_required(schema, Ref(self.files.root_uri, "/definitions").child(name))

    def security_schemes(self, operations: list[OperationSpec]) -> dict[str, Mapping[str, Any]]:
        """The schemes that requirements name, resolved (an unused one may hold any $ref)."""
        used: set[str] = set()
        for requirements in [_security(self.root.get("security"))] + [op.security for op in operations]:
            for requirement in requirements or ():
                used.update(requirement)
        if self.version == "2.0":
            raw = self.root.get("securityDefinitions") or {}
            at = Ref(self.files.root_uri, "/securityDefinitions")
        else:
            raw = (self.root.get("components") or {}).get("securitySchemes") or {}
            at = Ref(self.files.root_uri, "/components/securitySchemes")
        schemes: dict[str, Mapping[str, Any]] = {}
        for name in sorted(used - set(raw)):
            self.errors.append(at.error(f"security requirement names undefined scheme {name!r}"))
        for name, scheme in raw.items():
            if name not in used:
                continue
            try:
                schemes[str(name)], _ = self.deref(scheme, at.child(name))
            except SpecError as error:
                self.errors.append(error)
        return schemes


def _valid_status(status: str) -> bool:
    if status == "default":
        return True
    if re.fullmatch(r"[1-5]XX", status, re.IGNORECASE):
        return True
    return status.isdigit() and 100 <= int(status) <= 599


def _server_path(server: Mapping[str, Any]) -> str:
    url = str(server.get("url") or "")
    for name, variable in (server.get("variables") or {}).items():
        default = variable.get("default", "") if isinstance(variable, Mapping) else ""
        url = url.replace("{" + str(name) + "}", str(default))
    return urllib.parse.urlsplit(url).path


def _security(raw: Any) -> tuple[Mapping[str, tuple[str, ...]], ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        return ()
    return tuple(
        {str(name): tuple(scopes or ()) for name, scopes in requirement.items()}
        for requirement in raw
        if isinstance(requirement, Mapping)
    )


def normalize(files: SpecFiles) -> tuple[ApiSpec, list[SpecError]]:
    """The internal model of the document in ``files`` and every semantic error found."""
    root_at = Ref(files.root_uri)
    version = detect_version(files.root, root_at)
    walker = _Walker(files, version)
    operations = walker.operations()
    walker.definitions()
    seen: dict[str, OperationSpec] = {}
    for operation in operations:
        if operation.operation_id is None:
            continue
        first = seen.setdefault(operation.operation_id, operation)
        if first is not operation:
            walker.errors.append(
                Ref(files.root_uri, operation.pointer).error(
                    f"duplicate operationId {operation.operation_id!r} (also at {first.pointer})"
                )
            )
    spec = ApiSpec(
        version=version,
        source=files.root_name,
        base_path=walker.base_path(),
        operations=tuple(operations),
        security_schemes=walker.security_schemes(operations),
        document=files.root,
        title=str((files.root.get("info") or {}).get("title") or ""),
        file_count=len(files),
    )
    return spec, walker.errors
