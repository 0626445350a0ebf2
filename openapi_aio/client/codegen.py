"""Write a typed client of a document as a Python module (``python main.py spec client``).

The module is the models module of ``spec models`` (the same classes, in the same file, so one
generated file is all a caller imports) followed by a ``Client`` class with one typed async method
per operation, on top of :class:`~openapi_aio.client.ApiClient` (:mod:`.typed`). Types come from
the document as written (its ``$ref`` to named schemas are the model classes), read through the
models' own :class:`~openapi_aio.models.compile.Compiler`, so a parameter, body or answer is
annotated exactly as a model field of the same schema would be.
"""

from __future__ import annotations

import json
import pprint
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openapi_aio.client.client import python_name
from openapi_aio.client.operation import snake_case
from openapi_aio.client.typed import TypedClient
from openapi_aio.models.codegen import write_module
from openapi_aio.models.compile import Compiler, identifier
from openapi_aio.request.media_types import is_json
from openapi_aio.spec.model import ApiSpec, OperationSpec

__all__ = ["write_client"]


@dataclass(slots=True)
class _Argument:
    attr: str  # the keyword argument
    key: str  # the name ApiClient knows it by
    annotation: str
    required: bool
    raw: bool = False  # sent as it is (a form or file body), not written as JSON


def write_client(spec: ApiSpec, *, target: str = "client.py") -> str:
    """The source of a module with the model classes of ``spec`` and its typed ``Client``."""
    compiler = Compiler(spec.document, spec.version)
    source = write_module(spec, target=target)
    source = source.replace("Model classes of", "A typed client and the model classes of", 1)
    source = source.replace("spec models -o", "spec client -o", 1)
    source = source.replace(
        "from openapi_aio import models as _models\n",
        "from openapi_aio import models as _models\nfrom openapi_aio.client import typed as _typed\n",
        1,
    )
    class_name = identifier("Client", set(compiler.class_names.values()))
    source = source.replace("__all__ = [", f"__all__ = [{_quoted(class_name)}, ", 1)
    taken = set(dir(TypedClient))
    methods: list[str] = []
    responses: dict[str, Any] = {}
    read_only: dict[str, list[str]] = {}
    for operation in spec.operations:
        name = python_name(operation.operation_id or f"{operation.method}_{operation.path}")
        method = name
        while method in taken:
            method += "_"
        taken.add(method)
        schema, annotation = _answer(compiler, operation)
        responses[name] = None if schema is None else _inline(compiler, schema)
        methods.append(_method(compiler, operation, name, method, annotation))
        body = _body_schema(compiler, operation) if operation.body is not None else None
        if isinstance(body, Mapping):
            properties, _, _ = compiler.merged(body)
            names = [key for key, prop in properties.items() if compiler.resolve(prop).get("readOnly") is True]
            if names:
                read_only[name] = names
    lines = [
        f"class {class_name}(_typed.TypedClient):",
        f'    """Typed calls of {_text(spec.title or "the API")}: ``await client.<operationId>(...)``.',
        "",
        f"    >>> async with await {class_name}.load(url_of_the_served_document, auth=...) as client:",
        '    """',
        "",
    ]
    parts = [source.rstrip("\n") + "\n", "\n".join(lines) + "\n" + "\n".join(methods)]
    embedded = json.loads(json.dumps(responses, default=str))
    parts.append(f"_RESPONSES: dict[str, _t.Any] = {pprint.pformat(embedded, width=100, sort_dicts=False)}\n")
    parts.append(f"_READ_ONLY: dict[str, list[str]] = {pprint.pformat(read_only, width=100)}\n")
    parts.append(
        f"_typed.bind_client({class_name}, globals(), _SCHEMAS, _RESPONSES, version={spec.version!r}, "
        "read_only=_READ_ONLY)\n"
    )
    return "\n\n".join(parts)


def _method(compiler: Compiler, operation: OperationSpec, name: str, method: str, returns: str) -> str:
    arguments = _arguments(compiler, operation)
    signature = ["self", "*"] if arguments else ["self"]
    for argument in sorted(arguments, key=lambda argument: not argument.required):
        if argument.required:
            signature.append(f"{argument.attr}: {argument.annotation}")
        else:
            signature.append(f"{argument.attr}: {_optional(argument.annotation)} = None")
    sent = ", ".join(f"{_quoted(a.key)}: {a.attr}" for a in arguments if not a.raw)
    raw = ", ".join(f"{_quoted(a.key)}: {a.attr}" for a in arguments if a.raw)
    call = f"await self._call({_quoted(name)}, {{{sent}}}" + (f", {{{raw}}})" if raw else ")")
    doc = f"{operation.summary.strip() or operation.label} ({operation.method.upper()} {operation.path})"
    if operation.deprecated:
        doc += "; deprecated"
    if returns == "None":
        body = f"        {call}\n"
    elif returns == "_t.Any":
        body = f"        return {call}\n"
    else:
        body = f"        return _t.cast({returns}, {call})\n"
    head = f"    async def {method}({', '.join(signature)}) -> {returns}:\n"
    if len(head) > 121:
        head = f"    async def {method}(\n        " + ",\n        ".join(signature) + f",\n    ) -> {returns}:\n"
    call_line = body.rstrip("\n")
    if len(call_line) > 120:
        body = _wrapped(returns, name, arguments)
    return head + f'        """{_text(doc)}"""\n' + body


def _wrapped(returns: str, name: str, arguments: list[_Argument]) -> str:
    """The call over several lines (as ruff format writes it) when it does not fit in one."""
    lines = [f"{_quoted(name)},", "{"]
    lines += [f"    {_quoted(a.key)}: {a.attr}," for a in arguments if not a.raw]
    lines.append("},")
    raw = [f"    {_quoted(a.key)}: {a.attr}," for a in arguments if a.raw]
    if raw:
        lines += ["{", *raw, "},"]
    if returns in ("None", "_t.Any"):
        inner = "\n".join(" " * 12 + line for line in lines)
        start = "await" if returns == "None" else "return await"
        return f"        {start} self._call(\n{inner}\n        )\n"
    inner = "\n".join(" " * 16 + line for line in lines)
    call = f"            await self._call(\n{inner}\n            ),\n"
    return f"        return _t.cast(\n            {returns},\n{call}        )\n"


def _arguments(compiler: Compiler, operation: OperationSpec) -> list[_Argument]:
    raw_parameters = _raw_parameters(compiler, operation)
    taken = {"self"}
    arguments: list[_Argument] = []
    for parameter in operation.parameters:
        attr = identifier(snake_case(parameter.name), taken | {"body"})
        taken.add(attr)
        raw = raw_parameters.get((parameter.name, parameter.location), {})
        schema = raw.get("schema")
        content = raw.get("content")
        if schema is None and isinstance(content, Mapping) and content:
            media = next(iter(content.values()))
            schema = media.get("schema") if isinstance(media, Mapping) else None
        if schema is None and compiler.document.get("swagger"):  # 2.0: the parameter is its schema
            schema = {key: value for key, value in raw.items() if key not in ("name", "in", "required")}
        annotation = compiler.shapes.shape(schema if schema is not None else parameter.schema).annotation
        arguments.append(_Argument(attr, parameter.name, annotation, parameter.required))
    if operation.body is not None:
        schema = _body_schema(compiler, operation)
        annotation = "_t.Any" if schema is None else compiler.shapes.shape(schema).annotation
        arguments.append(_Argument("body", "body", annotation, operation.body.required, raw=schema is None))
    return arguments


def _raw_parameters(compiler: Compiler, operation: OperationSpec) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The parameters as written (schemas keep their ``$ref``), path item's then operation's."""
    paths = compiler.document.get("paths") or {}
    item = compiler.resolve(paths.get(operation.path) or {})
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for node in [*(item.get("parameters") or ()), *(operation.raw.get("parameters") or ())]:
        parameter = compiler.resolve(node) if isinstance(node, Mapping) else {}
        if isinstance(parameter.get("name"), str):
            found[(parameter["name"], str(parameter.get("in")))] = parameter
    return found


def _body_schema(compiler: Compiler, operation: OperationSpec) -> Any:
    """The JSON body's schema as written, or None (a form, a file: sent as given)."""
    if compiler.document.get("swagger"):
        for node in operation.raw.get("parameters") or ():
            parameter = compiler.resolve(node) if isinstance(node, Mapping) else {}
            if parameter.get("in") == "body":
                return parameter.get("schema", {})
        return None
    body = compiler.resolve(operation.raw.get("requestBody") or {})
    for media_type, media in (body.get("content") or {}).items():
        if is_json(media_type) and isinstance(media, Mapping):
            return media.get("schema", {})
    return None


def _answer(compiler: Compiler, operation: OperationSpec) -> tuple[Any, str]:
    """The success answer's schema (None: not decoded) and the method's return annotation."""
    responses = operation.raw.get("responses") or {}
    statuses = [status for status in responses if str(status).startswith("2")] or (
        ["default"] if "default" in responses else []
    )
    schemas: dict[str, Any] = {}
    empty = untyped = False
    for status in statuses:
        response = compiler.resolve(responses[status]) if isinstance(responses[status], Mapping) else {}
        if compiler.document.get("swagger"):
            content = {"application/json": {"schema": response["schema"]}} if "schema" in response else {}
        else:
            content = response.get("content") or {}
        if not content:
            empty = True
        for media_type, media in content.items():
            schema = media.get("schema") if isinstance(media, Mapping) else None
            if is_json(media_type) and schema is not None:
                schemas[json.dumps(schema, sort_keys=True, default=str)] = schema
            else:
                untyped = True
    if untyped or len(schemas) > 1:
        return None, "_t.Any"
    if not schemas:
        return None, "None" if statuses else "_t.Any"
    schema = next(iter(schemas.values()))
    annotation = compiler.shapes.shape(schema).annotation
    return schema, _optional(annotation) if empty else annotation


def _optional(annotation: str) -> str:
    if annotation == "_t.Any" or "None" in annotation.split(" | "):
        return annotation
    return f"{annotation} | None"


def _inline(compiler: Compiler, node: Any, seen: frozenset[str] = frozenset()) -> Any:
    """``node`` with references other than to named schemas inlined (the module carries only
    the named schemas)."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith(compiler.prefix) and ref not in seen:
            return _inline(compiler, compiler.resolve(node), seen | {ref})
        return {key: _inline(compiler, value, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(compiler, item, seen) for item in node]
    return node


def _quoted(text: str) -> str:
    """A string literal as ruff format writes it (double quotes)."""
    return json.dumps(text, ensure_ascii=False)


def _text(text: str) -> str:
    """One line of a docstring."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"""', "'''").rstrip('"')
