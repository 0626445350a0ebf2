"""Check a document's structure against the official meta-schema of its version.

The meta-schemas in ``metaschemas/`` are the OpenAPI Initiative's (Apache-2.0). One deliberate
leniency: a Reference Object (``{"$ref": ...}``) is accepted anywhere, because real documents put
references where the meta-schema does not expect them (DigitalOcean's ``info.description``) and the
loader resolves them on use. A version written without its patch number (``openapi: 3.1``) is
accepted too.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

import jsonschema
import yaml

from ..errors import SpecError
from .files import pointer_join
from .model import SpecVersion

__all__ = ["check_structure"]

_FILES = {"2.0": "swagger-2.0.json", "3.0": "openapi-3.0.yaml", "3.1": "openapi-3.1.yaml"}
_MAX_MESSAGE = 240


@functools.cache
def _validator(version: SpecVersion) -> Any:
    text = resources.files(__package__).joinpath("metaschemas", _FILES[version]).read_text("utf-8")
    schema = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    return jsonschema.validators.validator_for(schema)(schema)


def check_structure(document: Mapping[str, Any], version: SpecVersion, file: str) -> list[SpecError]:
    if version != "2.0":
        written = str(document.get("openapi"))
        if written.count(".") == 1:  # "3.1" -> "3.1.0", as users mean it
            document = {**document, "openapi": written + ".0"}
    errors = []
    for error in _validator(version).iter_errors(document):
        if _is_reference(error.instance):
            continue
        if error.context:  # oneOf/anyOf: report the most specific branch, not the whole union
            relevant = [e for e in error.context if not _is_reference(e.instance)]
            if not relevant:
                continue
            error = jsonschema.exceptions.best_match(relevant)
        pointer = pointer_join("", *error.absolute_path)
        message = error.message
        if len(message) > _MAX_MESSAGE:  # never dump a whole sub-document into a message
            message = message[:_MAX_MESSAGE] + "..."
        errors.append(SpecError(f"{message} (meta-schema: {error.validator})", file, pointer))
    return errors


def _is_reference(instance: Any) -> bool:
    return isinstance(instance, Mapping) and "$ref" in instance
