"""The public surface is explicit: what ``openapi_aio`` exports is pinned here."""

import openapi_aio

EXPECTED = [
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


def test_all_is_sorted_and_pinned():
    assert openapi_aio.__all__ == sorted(openapi_aio.__all__)
    assert openapi_aio.__all__ == EXPECTED


def test_every_export_exists():
    for name in openapi_aio.__all__:
        assert getattr(openapi_aio, name) is not None, name


def test_exception_tree():
    assert issubclass(openapi_aio.SpecError, openapi_aio.StartupError)
    assert issubclass(openapi_aio.InvalidSpecification, openapi_aio.StartupError)
    assert issubclass(openapi_aio.ResolverError, openapi_aio.StartupError)
    assert issubclass(openapi_aio.StartupError, openapi_aio.OpenAPIError)
    assert issubclass(openapi_aio.ProblemException, openapi_aio.OpenAPIError)
    assert issubclass(openapi_aio.ApiError, openapi_aio.OpenAPIError)
    assert not issubclass(openapi_aio.ApiError, openapi_aio.ProblemException)
    for problem, status in [
        (openapi_aio.BadRequest, 400),
        (openapi_aio.Unauthorized, 401),
        (openapi_aio.Forbidden, 403),
        (openapi_aio.NotFound, 404),
        (openapi_aio.NotAcceptable, 406),
        (openapi_aio.RequestEntityTooLarge, 413),
        (openapi_aio.Conflict, 409),
        (openapi_aio.PreconditionFailed, 412),
        (openapi_aio.UnsupportedMediaType, 415),
        (openapi_aio.UnprocessableContent, 422),
        (openapi_aio.ServiceUnavailable, 503),
        (openapi_aio.GatewayTimeout, 504),
        (openapi_aio.InternalServerError, 500),
        (openapi_aio.NotImplementedProblem, 501),
    ]:
        assert issubclass(problem, openapi_aio.ProblemException)
        assert problem().status == status
        assert problem().to_dict()["status"] == status
