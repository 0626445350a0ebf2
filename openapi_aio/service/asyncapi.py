"""An AsyncAPI 3.0 document for an API's websockets, served at ``{base_path}/asyncapi.json``
(and ``.yaml``) beside the OpenAPI document.

``x-websocket`` is readable only by openapi_aio; AsyncAPI tools (viewers, code generators,
contract testers) read AsyncAPI. So the same declarations are written out in AsyncAPI's terms, from
the client's side (``send`` is what a client sends, ``receive`` what it is pushed), as the frames
really are (:mod:`openapi_aio.ws.peer`):

- a **server** per websocket operation: ``ws``/``wss``, host and path where this request reached
  the service (``X-Forwarded-*`` honoured as for the OpenAPI document), the handshake's security;
- per operation, a channel of its **RPC methods** (address ``null``: every frame travels on the
  one socket), each method a ``send`` operation with a ``reply``: the request frame
  ``{"id", "method", "payload"}``, the reply ``{"id", "method", "response"}`` or ``{"id",
  "method", "error"}`` (the shared ``Problem`` schema);
- a channel per **pub/sub channel** (address: its name), with the pushed frame
  ``{"channel", "event", "data"}`` to ``receive`` where clients may subscribe, and the built-in
  ``subscribe``/``unsubscribe`` calls, and ``publish`` where clients may publish, as request/reply
  operations; a rule's scopes are named in the operation (``x-scopes``).

Built on the first request (an API that is never asked for it pays nothing), from the served
OpenAPI document (so a multi-file document's schemas are already one file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from openapi_aio.service.asyncapi_parts import SchemaCopier, security_scheme
from openapi_aio.service.framework_answers import PROBLEM_SCHEMA
from openapi_aio.service.served_spec import served_location

__all__ = ["AsyncApiDocument", "asyncapi_document"]

_INFO_KEYS = ("title", "version", "description", "termsOfService")
_KEY = re.compile(r"[^A-Za-z0-9_.-]+")
_AUTHORIZE = "Besides the scopes, the service's `authorize` function decides; a refusal is an error answer (403)."
_ANY_ID = {"description": "Any JSON value; the answer repeats it."}


class AsyncApiDocument:
    """The served forms of one API's AsyncAPI document."""

    def __init__(self, openapi: Mapping[str, Any], base_path: str) -> None:
        self.openapi = openapi
        self.base_path = base_path
        self._document: dict[str, Any] | None = None
        self.names = {"asyncapi.json": self.json, "asyncapi.yaml": self.yaml}

    def document(self, request: web.Request) -> dict[str, Any]:
        """The document with its servers where ``request`` reached the service."""
        if self._document is None:
            self._document = asyncapi_document(self.openapi)
        scheme, host, prefix = served_location(request)
        protocol = "wss" if scheme == "https" else "ws"
        servers = {
            key: {
                "host": host,
                "pathname": prefix + self.base_path + server.pop("x-path"),
                **server,
                "protocol": protocol,
            }
            for key, server in ((k, dict(v)) for k, v in self._document["servers"].items())
        }
        return {**self._document, "servers": servers}

    async def json(self, request: web.Request) -> web.StreamResponse:
        text = json.dumps(self.document(request), ensure_ascii=False, indent=2)
        return web.Response(text=text, content_type="application/json")

    async def yaml(self, request: web.Request) -> web.StreamResponse:
        import yaml

        document = json.loads(json.dumps(self.document(request)))  # shared parts written out, not as aliases
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000)
        return web.Response(text=text, content_type="application/yaml", charset="utf-8")


def asyncapi_document(openapi: Mapping[str, Any]) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of ``openapi`` 's websocket operations; each server's path
    below the base path is under ``x-path`` (the rest of its location is per request)."""
    builder = _Builder(openapi)
    for path, item in (openapi.get("paths") or {}).items():
        operation = item.get("get") if isinstance(item, Mapping) else None
        if isinstance(operation, Mapping) and isinstance(operation.get("x-websocket"), Mapping):
            builder.endpoints.append((path, operation))
    return builder.build()


class _Builder:
    def __init__(self, openapi: Mapping[str, Any]) -> None:
        self.openapi = openapi
        self.copier = SchemaCopier(openapi)
        self.endpoints: list[tuple[str, Mapping[str, Any]]] = []
        self.servers: dict[str, Any] = {}
        self.channels: dict[str, Any] = {}
        self.operations: dict[str, Any] = {}
        self.schemes: dict[str, Any] = {}
        components = openapi.get("components") if isinstance(openapi.get("components"), Mapping) else {}
        declared = openapi.get("securityDefinitions") or (components or {}).get("securitySchemes") or {}
        self.declared_schemes: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
        named = (openapi.get("definitions") if "swagger" in openapi else (components or {}).get("schemas")) or {}
        self.problem = "Problem"
        number = 1
        while self.problem in named and named[self.problem] != PROBLEM_SCHEMA:  # the author's keeps its name
            number += 1
            self.problem = f"Problem{number}"

    def build(self) -> dict[str, Any]:
        several = len(self.endpoints) > 1
        for path, operation in self.endpoints:
            server = _unique(_KEY.sub("_", path).strip("_") or "root", self.servers)
            self.servers[server] = self.server(path, operation)
            websocket = operation["x-websocket"]
            self.rpc(server, websocket.get("rpc") or {}, f"{server}." if several else "")
            for name, channel in (websocket.get("channels") or {}).items():
                if isinstance(channel, Mapping):
                    key = _unique(_KEY.sub("_", f"{server}.{name}" if several else name), self.channels)
                    self.pubsub(server, key, name, channel, authorized=bool(websocket.get("authorize")))
        schemas = {**self.copier.schemas, self.problem: PROBLEM_SCHEMA}
        components: dict[str, Any] = {"schemas": schemas, "messages": {"error": self.error_message()}}
        if self.schemes:
            components["securitySchemes"] = self.schemes
        return {
            "asyncapi": "3.0.0",
            "info": self.info(),
            "defaultContentType": "application/json",
            "servers": self.servers,
            "channels": self.channels,
            "operations": self.operations,
            "components": components,
        }

    def info(self) -> dict[str, Any]:
        info = self.openapi.get("info") or {}
        shown = (key for key in _INFO_KEYS if isinstance(info.get(key), str | int | float))
        result: dict[str, Any] = {key: str(info[key]) for key in shown}
        result.setdefault("title", "API")
        result.setdefault("version", "")
        contact, license_ = info.get("contact"), info.get("license")
        if isinstance(contact, Mapping):
            result["contact"] = {k: contact[k] for k in ("name", "url", "email") if isinstance(contact.get(k), str)}
        if isinstance(license_, Mapping) and isinstance(license_.get("name"), str):
            result["license"] = {k: license_[k] for k in ("name", "url") if isinstance(license_.get(k), str)}
        return result

    def server(self, path: str, operation: Mapping[str, Any]) -> dict[str, Any]:
        server: dict[str, Any] = {"x-path": path}
        for key in ("summary", "description"):
            if isinstance(operation.get(key), str):
                server[key] = operation[key]
        variables = re.findall(r"\{([^{}]+)\}", path)
        if variables:
            server["variables"] = {name: {"description": "a path parameter of the handshake"} for name in variables}
        security = self.security(operation.get("security", self.openapi.get("security")))
        if security:
            server["security"] = security
        return server

    def security(self, requirements: Any) -> list[Any]:
        """OpenAPI's alternatives as AsyncAPI's list (any one satisfies). Schemes that must be
        used together cannot be said in AsyncAPI 3.0: each is listed. Where no credentials are
        needed (``{}`` among the alternatives), none is listed."""
        if not isinstance(requirements, list) or any(not r for r in requirements):
            return []
        result: list[Any] = []
        for requirement in requirements:
            for name, scopes in requirement.items() if isinstance(requirement, Mapping) else ():
                scheme = self.declared_schemes.get(name)
                translated = security_scheme(scheme) if isinstance(scheme, Mapping) else None
                if translated is None:
                    continue
                key = _KEY.sub("_", name)
                self.schemes[key] = translated
                if scopes and translated["type"] in ("oauth2", "openIdConnect"):
                    entry: Any = {**translated, "scopes": [str(scope) for scope in scopes]}
                else:
                    entry = {"$ref": f"#/components/securitySchemes/{key}"}
                if entry not in result:
                    result.append(entry)
        return result

    def rpc(self, server: str, methods: Mapping[str, Any], prefix: str) -> None:
        if not methods:
            return
        key = _unique(f"{server}.rpc" if server in self.channels else server, self.channels)
        messages: dict[str, Any] = {"error": {"$ref": "#/components/messages/error"}}
        for name, method in methods.items():
            if not isinstance(method, Mapping):
                continue
            payload, response = (self.copier.copy(method[k]) if method.get(k) else {} for k in ("payload", "response"))
            messages[f"{name}.request"] = _request(name, payload)
            messages[f"{name}.response"] = _response(name, response)
            self.operations[_unique(_KEY.sub("_", prefix + name), self.operations)] = _call(
                key, name, f"Call {name!r}.", None
            )  # fmt: skip
        self.channels[key] = {
            "address": None,
            "title": "RPC",
            "description": "Calls to the methods of this websocket; the answer carries the call's `id`.",
            "servers": [{"$ref": f"#/servers/{server}"}],
            "messages": messages,
        }

    def pubsub(self, server: str, key: str, name: str, channel: Mapping[str, Any], *, authorized: bool) -> None:
        events = [str(event) for event in channel.get("events") or ()]
        data = self.copier.copy(channel["message"]) if channel.get("message") else {}
        subscribe, publish = channel.get("subscribe", True), channel.get("publish", False)
        pattern = {"type": ["string", "null"], "description": "a glob pattern of event names; none, null or '' is '*'"}
        selector = {
            "type": "object",
            "required": ["channel"],
            "properties": {"channel": {"const": name}, "event": pattern},
        }
        subscribed = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
        answer = {"type": "object", "required": ["subscribed"], "properties": {"subscribed": subscribed}}
        event: dict[str, Any] = {"type": "string", "description": "The event name (server code may publish any)."}
        if events:
            event["examples"] = events
        messages: dict[str, Any] = {
            "event": {
                "name": "event",
                "title": f"A message published on {name!r}",
                "payload": _frame(["channel", "event", "data"], channel={"const": name}, event=event, data=data),
            },
            "error": {"$ref": "#/components/messages/error"},
        }
        for method in ("subscribe", "unsubscribe"):
            messages[f"{method}.request"] = _request(method, selector)
            messages[f"{method}.response"] = _response(method, answer)
        if publish is not False:
            sent = {"enum": events} if events else {"type": ["string", "null"]}
            body = {
                "type": "object",
                "required": ["channel"],
                "properties": {"channel": {"const": name}, "event": sent, "data": data},
            }
            messages["publish.request"] = _request("publish", body)
            published = {"type": "object", "properties": {"channel": {"const": name}, "event": sent, "data": data}}
            messages["publish.response"] = _response("publish", published)
        self.channels[key] = {
            "address": name,
            "title": name,
            "description": str(channel.get("description") or f"Messages of channel {name!r}."),
            "servers": [{"$ref": f"#/servers/{server}"}],
            "messages": messages,
        }
        if subscribe is not False:
            self.operations[_unique(f"{key}.receive", self.operations)] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{key}"},
                "summary": f"Messages published on {name!r}, once subscribed.",
                "messages": [{"$ref": f"#/channels/{key}/messages/event"}],
                **_scopes(subscribe),
            }
            for method in ("subscribe", "unsubscribe"):
                summary = f"Subscribe to {name!r}." if method == "subscribe" else f"Unsubscribe from {name!r}."
                operation = _call(key, method, summary, subscribe, authorized=authorized and method == "subscribe")
                self.operations[_unique(f"{key}.{method}", self.operations)] = operation
        if publish is not False:
            operation = _call(key, "publish", f"Publish on {name!r}.", publish, authorized=authorized)
            self.operations[_unique(f"{key}.publish", self.operations)] = operation

    def error_message(self) -> dict[str, Any]:
        frame = _frame(
            ["error"],
            id={**_ANY_ID, "description": "The call's id; absent when it was null or not sent."},
            method={"type": "string", "description": "Absent when the frame could not be taken for a call."},
            error={"$ref": f"#/components/schemas/{self.problem}"},
        )
        return {"name": "error", "title": "An error answer", "payload": frame}


def _frame(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _request(method: str, payload: Any) -> dict[str, Any]:
    frame = _frame(["id", "method"], id=_ANY_ID, method={"const": method}, payload=payload)
    return {"name": f"{method}.request", "title": f"Call {method!r}", "payload": frame}


def _response(method: str, response: Any) -> dict[str, Any]:
    frame = _frame(["id", "method", "response"], id=_ANY_ID, method={"const": method}, response=response)
    return {"name": f"{method}.response", "title": f"The answer of {method!r}", "payload": frame}


def _call(channel: str, method: str, summary: str, rule: Any, *, authorized: bool = False) -> dict[str, Any]:
    """A request/reply operation: the client sends the call, the same channel carries the reply."""
    messages = f"#/channels/{channel}/messages"
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel}"},
        "summary": summary,
        "messages": [{"$ref": f"{messages}/{method}.request"}],
        "reply": {
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"{messages}/{method}.response"}, {"$ref": f"{messages}/error"}],
        },
        **_scopes(rule),
        **({"description": _AUTHORIZE} if authorized else {}),
    }


def _scopes(rule: Any) -> dict[str, Any]:
    scopes = rule.get("scopes") if isinstance(rule, Mapping) else None
    return {"x-scopes": [str(scope) for scope in scopes]} if scopes else {}


def _unique(key: str, taken: Mapping[str, Any]) -> str:
    candidate, number = key, 1
    while candidate in taken:
        number += 1
        candidate = f"{key}{number}"
    return candidate
