"""openapi_aio: spec-first services on aiohttp.

Write the OpenAPI document first; openapi_aio binds its operations to your async handlers, reads
and casts their parameters, and answers every error as ``application/problem+json``.
"""

from .__about__ import __version__
from .api import Api
from .app import App, setup
from .errors import (
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
from .options import Options
from .resolver import Resolver, RestyResolver
from .responses import NoContent
from .spec import ApiSpec, load_spec
from .uploads import UploadedFile

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
