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
from ..media_types import MULTIPART, URLENCODED, is_form
from .files import Ref, SpecFiles, pointer_join
from .metaschema import check_schema
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
    StoredSchemaSpec,
)
from .schemas import SchemaBundler

__all__ = ["detect_version", "normalize", "template_names"]

_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")


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
    "uniqueItems", "multipleOf", "x-nullable", "x-sensitive",
)  # fmt: skip
_DEFAULT_STYLES = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
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


class _Walker:
    def __init__(self, files: SpecFiles, version: SpecVersion, *, check_fragments: bool) -> None:
        self.files = files
        self.version = version
        self.root = files.root
        self.errors: list[SpecError] = []
        check = self.check_fragment if check_fragments else None
        self.schemas = SchemaBundler(files, ref_siblings=version == "3.1", check=check)
        self.requirements: dict[str, Ref] = {}  # security scheme name -> first requirement naming it
        self.root_security = self.security(self.root.get("security"), Ref(files.root_uri, "/security"))

    def check_fragment(self, schema: Any, at: Ref) -> None:
        """A schema in another file gets the meta-schema check the root document got."""
        self.errors += check_schema(schema, self.version, at.file, at.pointer)

    # --- helpers ---
    # The meta-schema checks the root file only (and may be switched off), so every node is
    # type-checked again where it is read: a wrong type anywhere is a located error, not a crash.

    def deref(self, node: Any, at: Ref) -> tuple[Any, Ref]:
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
        if isinstance(node, Mapping):
            return node
        self.errors.append(at.error(f"{what} must be an object, not {_kind(node)}"))
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
            self.errors.append(at.child(key).error(f"{key!r} must be an array of strings"))
            return None
        return node

    def bundle(self, schema: Any, at: Ref) -> Mapping[str, Any]:
        if schema is None:
            return {}
        if not isinstance(schema, Mapping) and not isinstance(schema, bool):
            self.errors.append(at.error("a schema must be an object"))
            return {}
        try:
            bundled = self.schemas.bundle(schema, at)
        except SpecError as error:  # reported, and the rest of the operation is still checked
            self.errors.append(error)
            return {}
        return bundled if isinstance(bundled, Mapping) else ({} if bundled else {"not": {}})

    # --- the document ---

    def base_path(self) -> str:
        if self.version == "2.0":
            path = self.root.get("basePath") or ""
            if not isinstance(path, str):
                self.errors.append(Ref(self.files.root_uri, "/basePath").error("'basePath' must be a string"))
                path = ""
        else:
            servers = self.root.get("servers") or []
            at = Ref(self.files.root_uri, "/servers")
            if not isinstance(servers, list):
                self.errors.append(at.error("'servers' must be an array"))
                servers = []
            path = self.server_path(servers[0], at.child(0)) if servers else ""
        path = "/" + path.strip("/") if path.strip("/") else ""
        return path

    def server_path(self, server: Any, at: Ref) -> str:
        """The path of a server URL, its variables replaced by their defaults."""
        if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
            self.errors.append(at.error("a server needs a 'url' string"))
            return ""
        url = server["url"]
        for name, variable in self.optional_mapping(server, "variables", at).items():
            default = variable.get("default", "") if isinstance(variable, Mapping) else ""
            url = url.replace("{" + str(name) + "}", str(default))
        try:
            path = urllib.parse.urlsplit(url).path
        except ValueError as error:
            self.errors.append(at.child("url").error(f"not a URL: {error}"))
            return ""
        for name in template_names(path):
            self.errors.append(
                at.child("url").error(f"server variable {{{name}}} is used in the path but not defined in 'variables'")
            )
        return "" if template_names(path) else path

    def operations(self) -> list[OperationSpec]:
        paths = self.root.get("paths") or {}
        at = Ref(self.files.root_uri, "/paths")
        if not isinstance(paths, Mapping):
            self.errors.append(at.error("'paths' must be an object"))
            return []
        result: list[OperationSpec] = []
        for template, raw in paths.items():
            if not isinstance(template, str) or not template.startswith("/"):
                if not str(template).startswith("x-"):
                    self.errors.append(at.child(str(template)).error("a path must start with '/'"))
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
            self.errors.append(
                at.error(f"not a path item (unexpected {listed}); the $ref {reference['$ref']!r} must point at one")
            )
        return not unexpected

    def path_item(self, template: str, item: Mapping[str, Any], at: Ref) -> Iterable[OperationSpec]:
        names = template_names(template)
        for name in {n for n in names if names.count(n) > 1}:
            self.errors.append(at.error(f"path template {template!r} repeats placeholder {{{name}}}"))
        shared = self.parameter_list(item.get("parameters"), at.child("parameters"))
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

    def parameter_list(self, raw: Any, at: Ref) -> list[tuple[Mapping[str, Any], Ref]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.errors.append(at.error("'parameters' must be an array"))
            return []
        found: list[tuple[Mapping[str, Any], Ref]] = []
        seen: set[tuple[str, str]] = set()
        for index, parameter in enumerate(raw):
            parameter, where = self.follow(parameter, at.child(index), "a parameter")
            if parameter is None:
                continue
            if not isinstance(parameter.get("name"), str) or not isinstance(parameter.get("in"), str):
                self.errors.append(where.error("a parameter needs 'name' and 'in' strings"))
                continue
            key = (parameter["name"], parameter["in"])
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
        merged: dict[tuple[str, str], tuple[Mapping[str, Any], Ref]] = {(p["name"], p["in"]): (p, w) for p, w in shared}
        merged.update({(p["name"], p["in"]): (p, w) for p, w in own})

        parameters: list[ParameterSpec] = []
        body_params: list[tuple[Mapping[str, Any], Ref]] = []
        form_params: list[tuple[Mapping[str, Any], Ref]] = []
        for (_, location), (parameter, where) in merged.items():
            if location == "body" and self.version == "2.0":
                body_params.append((parameter, where))
            elif location == "formData" and self.version == "2.0":
                form_params.append((parameter, where))
            elif location in _DEFAULT_STYLES and (location != "cookie" or self.version != "2.0"):
                parameters.append(self.parameter(parameter, location, where))
            else:
                self.errors.append(where.error(f"unknown parameter location in: {location!r}"))

        self.check_path_parameters(template, parameters, at)
        body = self.body_2(raw, body_params, form_params, at) if self.version == "2.0" else self.body_3(raw, at)
        responses = self.responses(raw.get("responses") or {}, raw, at.child("responses"))
        security = self.security(raw["security"], at.child("security")) if "security" in raw else self.root_security
        controller = raw.get("x-openapi-router-controller") or item.get("x-openapi-router-controller")
        if controller is not None and not isinstance(controller, str):
            self.errors.append(at.error("'x-openapi-router-controller' must be a string (a module path)"))
            controller = None
        operation_id = raw.get("operationId")
        tags = raw.get("tags") or ()
        resource = self.resource(raw.get("x-resource", item.get("x-resource")), at)
        websocket = self.websocket(raw.get("x-websocket"), method, at.child("x-websocket"))
        return OperationSpec(
            path=template,
            method=method,
            operation_id=str(operation_id) if operation_id is not None else None,
            parameters=tuple(parameters),
            body=body,
            responses=responses,
            security=security,
            controller=controller,
            tags=tuple(str(tag) for tag in tags) if isinstance(tags, list) else (),
            summary=str(raw.get("summary") or ""),
            deprecated=bool(raw.get("deprecated")),
            pointer=pointer_join("/paths", template, method),
            raw=raw,
            resource=resource,
            websocket=websocket,
        )

    def resource(self, raw: Any, at: Ref) -> Mapping[str, Any] | None:
        """``x-resource: Task`` or ``{schema: Task, ...}``; ``false`` on an operation opts out."""
        if raw is None or raw is False:
            return None
        if isinstance(raw, str):
            return {"schema": raw}
        if isinstance(raw, Mapping) and isinstance(raw.get("schema"), str):
            return raw
        self.errors.append(at.error("'x-resource' must be a schema name or an object with a 'schema' name"))
        return None

    def websocket(self, raw: Any, method: str, at: Ref) -> Mapping[str, Any] | None:
        """``x-websocket`` with its schemas bundled (see :mod:`openapi_aio.ws.endpoint`)."""
        if raw is None or raw is False:
            return None
        if method != "get" or not isinstance(raw, Mapping):
            self.errors.append(at.error("'x-websocket' belongs on a GET operation and must be an object"))
            return None
        websocket = dict(raw)
        for section, keys in (("rpc", ("payload", "response")), ("channels", ("message",))):
            entries = raw.get(section) or {}
            if not isinstance(entries, Mapping):
                self.errors.append(at.child(section).error(f"'{section}' must be an object (name -> definition)"))
                continue
            bundled: dict[str, Any] = {}
            for name, entry in entries.items():
                if not isinstance(entry, Mapping):
                    self.errors.append(at.child(section, name).error("must be an object"))
                    continue
                bundled[name] = {
                    **entry,
                    **{key: self.bundle(entry[key], at.child(section, name, key)) for key in keys if key in entry},
                }
            websocket[section] = bundled
        return websocket

    def stored_schemas(self) -> list[StoredSchemaSpec]:
        """Named schemas with ``x-table`` (components/schemas, or definitions in 2.0), bundled."""
        if self.version == "2.0":
            container, pointer = self.root.get("definitions"), "/definitions"
        else:
            components = self.root.get("components")
            container = components.get("schemas") if isinstance(components, Mapping) else None
            pointer = "/components/schemas"
        stored: list[StoredSchemaSpec] = []
        if not isinstance(container, Mapping):
            return stored
        for name, raw in container.items():
            at = Ref(self.files.root_uri, pointer).child(name)
            if not isinstance(raw, Mapping) or "x-table" not in raw:
                continue  # a table is declared where it is written, never through a $ref
            bundled = self.bundle(raw, at)
            stored.append(StoredSchemaSpec(str(name), bundled, at.pointer))
        return stored

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

    def parameter(self, raw: Mapping[str, Any], location: Any, at: Ref) -> ParameterSpec:
        content_type = None
        if self.version == "2.0":
            schema = self.schema_2(raw, at)
            style, explode = _DEFAULT_STYLES[location], location in ("query", "cookie")
            if schema.get("type") == "array":
                style, explode = self.collection_format(raw, at)
                if location in ("path", "header") and style == "form":
                    style = "simple"
        else:
            content = self.optional_mapping(raw, "content", at)
            if content:
                content_type, media = next(iter(content.items()))
                media_at = at.child("content", content_type)
                media = self.mapping(media, media_at, "a media type") if media is not None else {}
                schema = self.bundle((media or {}).get("schema"), media_at.child("schema"))
            else:
                schema = self.bundle(raw.get("schema"), at.child("schema"))
            style = raw.get("style", _DEFAULT_STYLES[location])
            if not isinstance(style, str):
                self.errors.append(at.child("style").error("'style' must be a string"))
                style = _DEFAULT_STYLES[location]
            explode = raw.get("explode", style == "form")
        return ParameterSpec(
            name=raw["name"],
            location=location,
            schema=schema,
            required=bool(raw.get("required", False)),
            style=style,
            explode=bool(explode),
            allow_empty_value=bool(raw.get("allowEmptyValue", False)),
            allow_reserved=bool(raw.get("allowReserved", False)),
            default=schema.get("default", MISSING),
            deprecated=bool(raw.get("deprecated", False)),
            content_type=content_type,
            pointer=at.pointer,
        )

    def collection_format(self, raw: Mapping[str, Any], at: Ref) -> tuple[str, bool]:
        written = raw.get("collectionFormat", "csv")
        if isinstance(written, str) and written in _COLLECTION_FORMATS:
            return _COLLECTION_FORMATS[written]
        known = ", ".join(_COLLECTION_FORMATS)
        self.errors.append(at.child("collectionFormat").error(f"unknown collectionFormat {written!r} (one of {known})"))
        return _COLLECTION_FORMATS["csv"]

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

    def consumes(self, raw: Mapping[str, Any], at: Ref) -> list[str]:
        return (
            self.strings(raw, "consumes", at)
            or self.strings(self.root, "consumes", Ref(self.files.root_uri))
            or ["application/json"]
        )

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
                for media_type in self.consumes(raw, at)
            }
            return BodySpec(content, required=bool(parameter.get("required")), name=parameter["name"])
        if not form_params:
            return None
        properties: dict[str, Any] = {}
        required: list[str] = []
        has_file = False
        for parameter, where in form_params:
            properties[parameter["name"]] = self.schema_2(parameter, where)
            has_file = has_file or parameter.get("type") == "file"
            if parameter.get("required"):
                required.append(parameter["name"])
        consumes = self.consumes(raw, at)
        form_types = [mt for mt in consumes if is_form(mt)]
        if has_file and not form_types:
            self.errors.append(
                at.error(
                    "'type: file' parameters need consumes multipart/form-data or application/x-www-form-urlencoded"
                )
            )
        if not form_types:
            form_types = [MULTIPART if has_file else URLENCODED]
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return BodySpec({mt: MediaTypeSpec(mt, schema) for mt in form_types}, required=bool(required), form=True)

    def body_3(self, raw: Mapping[str, Any], at: Ref) -> BodySpec | None:
        if "requestBody" not in raw:
            return None
        body, where = self.follow(raw["requestBody"], at.child("requestBody"), "requestBody")
        if body is None:
            return None
        content = self.content(body, where)
        name = body.get("x-body-name") or raw.get("x-body-name") or "body"
        form = bool(content) and all(is_form(mt) for mt in content)
        return BodySpec(content, required=bool(body.get("required")), name=str(name), form=form)

    def content(self, owner: Mapping[str, Any], at: Ref) -> dict[str, MediaTypeSpec]:
        """The ``content`` of a request body or response (3.x) found at ``at``."""
        content: dict[str, MediaTypeSpec] = {}
        for media_type, raw in self.optional_mapping(owner, "content", at).items():
            media_at = at.child("content", media_type)
            media, media_at = self.follow(raw if raw is not None else {}, media_at, "a media type")
            if media is None:
                continue
            schema = self.bundle(media.get("schema"), media_at.child("schema")) if "schema" in media else None
            examples = {}
            for name, example in self.optional_mapping(media, "examples", media_at).items():
                try:
                    examples[name], _ = self.deref(example, media_at.child("examples", name))
                except SpecError as error:
                    self.errors.append(error)
            content[str(media_type)] = MediaTypeSpec(
                str(media_type),
                schema,
                example=media.get("example", MISSING),
                examples=examples,
                encoding=self.optional_mapping(media, "encoding", media_at),
            )
        return content

    def responses(self, raw: Any, operation: Mapping[str, Any], at: Ref) -> dict[str, ResponseSpec]:
        responses: dict[str, ResponseSpec] = {}
        if not isinstance(raw, Mapping):
            self.errors.append(at.error("'responses' must be an object"))
            return responses
        operation_at = Ref(at.uri, at.pointer.rsplit("/", 1)[0])
        produces = (
            self.strings(operation, "produces", operation_at)
            or self.strings(self.root, "produces", Ref(self.files.root_uri))
            or ["application/json"]
        )
        for status, response in raw.items():
            status = str(status)
            if status.startswith("x-"):
                continue
            where = at.child(status)
            if not _valid_status(status):
                self.errors.append(where.error(f"invalid response status code {status!r}"))
                continue
            response, where = self.follow(response, where, "a response")
            if response is None:
                continue
            headers = {}
            for name, header in self.optional_mapping(response, "headers", where).items():
                header, header_at = self.follow(header, where.child("headers", name), "a header")
                if header is None:
                    continue
                if self.version == "2.0":
                    header = {**header, "schema": self.schema_2(header, header_at)}
                elif "schema" in header:  # self-contained, like every other schema in the model
                    header = {**header, "schema": self.bundle(header["schema"], header_at.child("schema"))}
                elif isinstance(header.get("content"), Mapping) and header["content"]:
                    media_type, media = next(iter(header["content"].items()))
                    schema = media.get("schema") if isinstance(media, Mapping) else None
                    bundled = self.bundle(schema, header_at.child("content", media_type, "schema"))
                    header = {**header, "content": {media_type: {**media, "schema": bundled}}}
                headers[str(name)] = header
            if self.version == "2.0":
                content = {}
                if "schema" in response:
                    schema = self.bundle(response["schema"], where.child("schema"))
                    self.check_schema(schema, where.child("schema"))
                    examples = self.optional_mapping(response, "examples", where)
                    for media_type in produces:
                        content[media_type] = MediaTypeSpec(
                            media_type, schema, example=examples.get(media_type, MISSING)
                        )
            else:
                content = self.content(response, where)
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
            if isinstance(name, str) and name not in properties:
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

    def security(self, raw: Any, at: Ref) -> tuple[Mapping[str, tuple[str, ...]], ...] | None:
        """Security requirements; a malformed one is an error, never "no security needed"."""
        if raw is None:
            return None
        if not isinstance(raw, list):
            self.errors.append(at.error("'security' must be an array of requirements"))
            return None
        requirements = []
        for index, requirement in enumerate(raw):
            if not isinstance(requirement, Mapping):
                self.errors.append(at.child(index).error("a security requirement must be an object"))
                continue
            scopes_by_name: dict[str, tuple[str, ...]] = {}
            for name, scopes in requirement.items():
                if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
                    self.errors.append(at.child(index, name).error("scopes must be an array of strings"))
                    scopes = []
                scopes_by_name[str(name)] = tuple(scopes)
                self.requirements.setdefault(str(name), at.child(index, name))
            requirements.append(scopes_by_name)
        return tuple(requirements)

    def security_schemes(self) -> dict[str, Mapping[str, Any]]:
        """The schemes that requirements name, resolved (an unused one may hold any $ref)."""
        if self.version == "2.0":
            raw = self.optional_mapping(self.root, "securityDefinitions", Ref(self.files.root_uri))
            at = Ref(self.files.root_uri, "/securityDefinitions")
        else:
            components = self.optional_mapping(self.root, "components", Ref(self.files.root_uri))
            raw = self.optional_mapping(components, "securitySchemes", Ref(self.files.root_uri, "/components"))
            at = Ref(self.files.root_uri, "/components/securitySchemes")
        schemes: dict[str, Mapping[str, Any]] = {}
        for name, where in self.requirements.items():
            if name not in raw:
                self.errors.append(where.error(f"security requirement names undefined scheme {name!r}"))
                continue
            scheme, _ = self.follow(raw[name], at.child(name), "a security scheme")
            if scheme is not None:
                schemes[name] = scheme
        return schemes


def _kind(node: Any) -> str:
    """How messages name the type of a wrong value."""
    if node is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    return names.get(type(node), type(node).__name__)


def _valid_status(status: str) -> bool:
    if status == "default":
        return True
    if re.fullmatch(r"[1-5]XX", status, re.IGNORECASE):
        return True
    return status.isdigit() and 100 <= int(status) <= 599


def normalize(files: SpecFiles, *, check_fragments: bool = True) -> tuple[ApiSpec, list[SpecError]]:
    """The internal model of the document in ``files`` and every semantic error found.

    ``check_fragments``: schemas in other files than the root get the meta-schema check too.
    """
    root_at = Ref(files.root_uri)
    version = detect_version(files.root, root_at)
    walker = _Walker(files, version, check_fragments=check_fragments)
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
        stored_schemas=tuple(walker.stored_schemas()),
    )
    return spec, walker.errors
