"""openapi_aio: spec-first services on aiohttp.

Write the OpenAPI document first; openapi_aio binds its operations to your async handlers, reads
and casts their parameters, and answers every error as ``application/problem+json``.
"""

from openapi_aio.__about__ import __version__
from openapi_aio.api import Api
from openapi_aio.endpoints.responses import NoContent
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
