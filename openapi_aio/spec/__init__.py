"""Load an OpenAPI document: read files, check them, normalise to :mod:`.model`.

>>> spec = load_spec("openapi.yaml")
>>> [op.operation_id for op in spec.operations]
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InvalidSpecification, SpecError
from .files import Ref, SpecFiles
from .metaschema import check_structure
from .model import ApiSpec, BodySpec, MediaTypeSpec, OperationSpec, ParameterSpec, ResponseSpec
from .normalize import detect_version, normalize

__all__ = [
    "ApiSpec",
    "BodySpec",
    "MediaTypeSpec",
    "OperationSpec",
    "ParameterSpec",
    "ResponseSpec",
    "SpecFiles",
    "load_spec",
]


def load_spec(
    source: str | Path | Mapping[str, Any],
    *,
    base_dir: str | Path | None = None,
    validate: bool = True,
    allow_remote_refs: bool = False,
    arguments: Mapping[str, Any] | None = None,
) -> ApiSpec:
    """Read, check and normalise a document; every error found is raised together as
    :class:`~openapi_aio.errors.InvalidSpecification`."""
    try:
        files = SpecFiles(source, allow_remote=allow_remote_refs, arguments=arguments, base_dir=base_dir)
        version = detect_version(files.root, Ref(files.root_uri))
    except SpecError as error:
        raise InvalidSpecification([error], error.file) from None
    errors: list[SpecError] = []
    if validate:
        errors += check_structure(files.root, version, files.root_name)
    try:
        spec, semantic = normalize(files)
    except SpecError as error:
        errors.append(error)
        raise InvalidSpecification(errors, files.root_name) from None
    errors += semantic
    if errors:
        raise InvalidSpecification(errors, files.root_name)
    return spec
