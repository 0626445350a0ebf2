"""Load an OpenAPI document: read files, check them, normalise to :mod:`.model`.

>>> spec = load_spec("openapi.yaml")
>>> [op.operation_id for op in spec.operations]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openapi_aio.errors import InvalidSpecification, SpecError
from openapi_aio.options import MAX_DOCUMENT_SIZE
from openapi_aio.spec.files import Ref, SpecFiles
from openapi_aio.spec.metaschema import check_structure
from openapi_aio.spec.model import ApiSpec, BodySpec, MediaTypeSpec, OperationSpec, ParameterSpec, ResponseSpec
from openapi_aio.spec.normalize import detect_version, normalize

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
    allowed_ref_dirs: Sequence[str | Path] = (),
    max_document_size: int = MAX_DOCUMENT_SIZE,
) -> ApiSpec:
    """Read, check and normalise a document; every error found is raised together as
    :class:`~openapi_aio.errors.InvalidSpecification`. The options are those of
    :class:`~openapi_aio.Options` of the same names."""
    try:
        files = SpecFiles(
            source,
            allow_remote=allow_remote_refs,
            arguments=arguments,
            base_dir=base_dir,
            allowed_ref_dirs=allowed_ref_dirs,
            max_size=max_document_size,
        )
        version = detect_version(files.root, Ref(files.root_uri))
    except SpecError as error:
        raise InvalidSpecification([error], error.file) from None
    try:  # every later walk is recursive; Python's limit is far beyond any real document
        structure = check_structure(files.root, version, files.root_name) if validate else []
        try:
            spec, semantic = normalize(files, check_fragments=validate)
        except SpecError as error:
            spec, semantic = None, [error]
    except RecursionError:
        raise InvalidSpecification(
            [SpecError("nested too deeply to check", files.root_name)], files.root_name
        ) from None
    errors = _without_repeats(structure, semantic)
    if errors or spec is None:
        raise InvalidSpecification(errors, files.root_name)
    return spec


def _without_repeats(structure: list[SpecError], semantic: list[SpecError]) -> list[SpecError]:
    """Every problem once. Both checks often see the same mistake (``servers`` not an array): the
    loader's own words name it better than the meta-schema's, so a location it reports is left
    to it; and a shared schema used by many operations is reported once, not once per use."""
    located = {(error.file, error.pointer) for error in semantic}
    errors = [error for error in structure if (error.file, error.pointer) not in located] + semantic
    return list({str(error): error for error in errors}.values())
