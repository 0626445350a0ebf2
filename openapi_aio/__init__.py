"""openapi_aio: spec-first services on aiohttp.

Write the OpenAPI document first; openapi_aio binds its operations to your async handlers, reads
and casts their parameters, and answers every error as ``application/problem+json``.
"""

import importlib
from typing import TYPE_CHECKING, Any

from openapi_aio.__about__ import __version__
from openapi_aio.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    GatewayTimeout,
    InternalServerError,
    InvalidSpecification,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    NotImplementedProblem,
    OpenAPIError,
    PreconditionFailed,
    ProblemException,
    RequestEntityTooLarge,
    RequestValidationError,
    ResolverError,
    ResponseValidationError,
    ServiceUnavailable,
    SpecError,
    StartupError,
    Unauthorized,
    UnprocessableContent,
    UnsupportedMediaType,
    Violation,
)
from openapi_aio.options import Options

if TYPE_CHECKING:
    from openapi_aio.api import Api
    from openapi_aio.endpoints.responses import NoContent
    from openapi_aio.request.uploads import UploadedFile
    from openapi_aio.resolver import Resolver, RestyResolver
    from openapi_aio.service.app import App, setup
    from openapi_aio.spec import ApiSpec, load_spec

__all__ = [
    "Api",
    "ApiError",
    "ApiSpec",
    "App",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "GatewayTimeout",
    "InternalServerError",
    "InvalidSpecification",
    "MethodNotAllowed",
    "NoContent",
    "NotAcceptable",
    "NotFound",
    "NotImplementedProblem",
    "OpenAPIError",
    "Options",
    "PreconditionFailed",
    "ProblemException",
    "RequestEntityTooLarge",
    "RequestValidationError",
    "Resolver",
    "ResolverError",
    "ResponseValidationError",
    "RestyResolver",
    "ServiceUnavailable",
    "SpecError",
    "StartupError",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "UploadedFile",
    "Violation",
    "__version__",
    "load_spec",
    "setup",
]

# The errors and Options above are plain Python. The rest loads aiohttp and the compiler, so it
# is imported on first use of its name: ``import openapi_aio`` (a handler module's
# ``openapi_aio.NotFound``, a command line's --help) stays cheap. docs/performance.md, "Start-up".
_LAZY = {
    "Api": "openapi_aio.api",
    "ApiSpec": "openapi_aio.spec",
    "App": "openapi_aio.service.app",
    "NoContent": "openapi_aio.endpoints.responses",
    "Resolver": "openapi_aio.resolver",
    "RestyResolver": "openapi_aio.resolver",
    "UploadedFile": "openapi_aio.request.uploads",
    "load_spec": "openapi_aio.spec",
    "setup": "openapi_aio.service.app",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later look-ups are ordinary attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
