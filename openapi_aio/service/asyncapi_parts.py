"""What the AsyncAPI document takes from the OpenAPI one: schemas and security schemes.

The websocket's schemas are those of the OpenAPI document and may refer to its components by
``$ref``; an AsyncAPI tool resolves them inside the AsyncAPI document only, so every schema they
reach is copied to the same place there (``#/components/schemas/<Name>``, where Swagger 2.0's
``#/definitions/<Name>`` is rewritten to point). Security schemes are translated to AsyncAPI's
names for the same things (``apiKey`` in a header is ``httpApiKey``; Swagger 2.0's ``basic`` is
``http``/``basic``); a type AsyncAPI has no form for (``mutualTLS``, a custom type) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_aio.spec.pointers import unescape

__all__ = ["SchemaCopier", "security_scheme"]

_FLOWS_20 = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}
_FLOW_URLS = ("authorizationUrl", "tokenUrl", "refreshUrl")


class SchemaCopier:
    """Copies schemas out of ``document``, collecting the named schemas they refer to."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.swagger2 = "swagger" in document
        self.prefix = "#/definitions/" if self.swagger2 else "#/components/schemas/"
        # OpenAPI 3.0's ``nullable`` (2.0's ``x-nullable``) is no JSON Schema keyword: AsyncAPI
        # tools would refuse the nulls the service sends
        version = str(document.get("openapi", ""))
        self.nullable = "x-nullable" if self.swagger2 else "nullable" if version.startswith("3.0") else None
        self.schemas: dict[str, Any] = {}  # name -> copied schema, in the order first reached
        self._inlining: set[str] = set()

    def copy(self, node: Any) -> Any:
        """``node`` with its references pointing into the AsyncAPI document."""
        if isinstance(node, list):
            return [self.copy(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        if self.nullable and node.get(self.nullable) is True:
            return self.copy(_with_null(node, self.nullable))
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._reference(ref, node)
        return {key: self.copy(value) for key, value in node.items()}

    def _reference(self, ref: str, node: Mapping[str, Any]) -> Any:
        rest = {key: self.copy(value) for key, value in node.items() if key != "$ref"}
        if ref.startswith(self.prefix):
            token = ref[len(self.prefix) :].split("/", 1)[0]
            name = unescape(token)
            if name not in self.schemas:
                self.schemas[name] = {}  # taken first: a schema that refers to itself stops here
                self.schemas[name] = self.copy(self._target(self.prefix + token))
            local = "#/components/schemas/" + ref[len(self.prefix) :]
            return {"$ref": local, **rest}
        if ref.startswith("#/") and ref not in self._inlining:  # elsewhere in the document: inlined
            target = self._target(ref)
            if isinstance(target, Mapping):
                self._inlining.add(ref)
                try:
                    return {**self.copy(target), **rest}
                finally:
                    self._inlining.discard(ref)
        return {"$ref": ref, **rest}  # external, or unresolvable: as written

    def _target(self, ref: str) -> Any:
        node: Any = self.document
        for token in ref[2:].split("/"):
            if isinstance(node, Mapping):
                node = node.get(unescape(token))
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node


def _with_null(schema: Mapping[str, Any], keyword: str) -> dict[str, Any]:
    """A ``nullable: true`` schema in JSON Schema's words: null among its types (and enum)."""
    rest = {key: value for key, value in schema.items() if key != keyword}
    kind = rest.get("type")
    if isinstance(kind, str):
        rest["type"] = [kind, "null"]
        if isinstance(rest.get("enum"), list) and None not in rest["enum"]:
            rest["enum"] = [*rest["enum"], None]
        return rest
    return {"anyOf": [rest, {"type": "null"}]}  # a $ref, or an allOf: null besides it


def security_scheme(scheme: Mapping[str, Any]) -> dict[str, Any] | None:
    """The AsyncAPI 3.0 form of an OpenAPI security scheme, or ``None`` when it has none."""
    kind = scheme.get("type")
    result: dict[str, Any]
    if kind == "http" or kind == "basic":
        name = "basic" if kind == "basic" else str(scheme.get("scheme") or "").lower()
        result = {"type": "http", "scheme": name}
        if name == "bearer" and isinstance(scheme.get("bearerFormat"), str):
            result["bearerFormat"] = scheme["bearerFormat"]
    elif kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie"):
        result = {"type": "httpApiKey", "name": str(scheme.get("name") or ""), "in": scheme["in"]}
    elif kind == "oauth2":
        result = {"type": "oauth2", "flows": _flows(scheme)}
    elif kind == "openIdConnect" and isinstance(scheme.get("openIdConnectUrl"), str):
        result = {"type": "openIdConnect", "openIdConnectUrl": scheme["openIdConnectUrl"]}
    else:
        return None
    if isinstance(scheme.get("description"), str):
        result["description"] = scheme["description"]
    return result


def _flows(scheme: Mapping[str, Any]) -> dict[str, Any]:
    flows: Mapping[str, Any] = {}
    if "flow" in scheme:  # Swagger 2.0: one flow, its fields beside the type
        name = _FLOWS_20.get(str(scheme["flow"]))
        flows = {name: scheme} if name else {}
    elif isinstance(scheme.get("flows"), Mapping):
        flows = scheme["flows"]
    result: dict[str, Any] = {}
    for name, flow in flows.items():
        if not isinstance(flow, Mapping):
            continue
        translated = {key: flow[key] for key in _FLOW_URLS if isinstance(flow.get(key), str)}
        scopes = flow.get("scopes")
        translated["availableScopes"] = (
            {str(k): str(v) for k, v in scopes.items()} if isinstance(scopes, Mapping) else {}
        )
        result[name] = translated
    return result
