"""The compile pass: one document operation in, one frozen :class:`Operation` out.

Everything an operation needs is decided here, in this order, once at start-up:

1. its readers: parameters, body, validators, responder (:meth:`Operation.readers`);
2. its endpoint: the first factory of :data:`openapi_aio.pipeline.ENDPOINTS` that applies;
3. its chain (``handle``): the stages of :data:`openapi_aio.pipeline.STAGES` around the endpoint,
   and its security check alone (``authenticate``).

The result is immutable: nothing assigns to an operation later.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from openapi_aio import pipeline, security
from openapi_aio.endpoints import BindContext
from openapi_aio.operation import Operation

if TYPE_CHECKING:
    from openapi_aio.security import SecuritySchemes
    from openapi_aio.spec.model import OperationSpec, SpecVersion

__all__ = ["BindContext", "compile_operation"]


def compile_operation(
    spec: OperationSpec,
    context: BindContext,
    base_path: str,
    version: SpecVersion,
    schemes: SecuritySchemes | None,
) -> Operation:
    """Compile ``spec`` (raises SpecError / ResolverError for what cannot be served)."""
    draft = Operation.readers(spec, context.options, base_path, version, schemes)
    endpoint = pipeline.choose_endpoint(draft, context)
    bound = replace(draft, endpoint=endpoint)
    if endpoint.responses is not None:  # its answers as sent (rows with embedded rows)
        bound = replace(bound, spec=replace(spec, responses=endpoint.responses))
    return replace(bound, handle=pipeline.chain(bound), authenticate=security.authenticator(bound))
