"""openapi_aio: spec-first services on aiohttp."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
about: dict[str, str] = {}
exec((HERE / "openapi_aio" / "__about__.py").read_text(), about)

# Every range is one the suite runs in: the lower bound is the oldest version the whole suite
# passed with (2026-12-07, every package pinned to its bound), the upper bound the next major not
# yet tested (for 0.x packages the next minor). docs/versions.md has the table and the policy.
SENTRY = "sentry-sdk>=2.12,<4"  # 2.x and 3.x: tests/service/test_observability.py runs both
JWT = "PyJWT[crypto]>=2.8,<3"
UI = "swagger-ui-py>=25.7.1,<26"  # Swagger UI 5.24.2's files, read from the package (docs/docs-ui.md)
REDIS = "redis>=5.0.1,<9"
METRICS = "prometheus-client>=0.26,<1"  # tested with 0.26.0 (tests/service/test_metrics.py)
OTEL = ["opentelemetry-api>=1.45,<2", "opentelemetry-sdk>=1.45,<2"]  # tested with 1.45.2 (tests/service/test_telemetry.py)
TESTS = [
    "pytest>=8.4,<10",
    "pytest-aiohttp>=1.1,<2",
    "pytest-asyncio>=1.4,<2",  # older ones leave an event loop unclosed
    # the suite runs on several processes (setup.cfg: -n auto), each with its own PostgreSQL
    # cluster and redis-server (tests/services.py): under 6 minutes on two cores
    "pytest-xdist>=3.6,<4",
    "hypothesis>=6.108,<7",
    "hypothesis-jsonschema>=0.23.1,<0.24",
    JWT,
    UI,
    REDIS,
    METRICS,  # tests/service/test_metrics.py
    *OTEL,  # tests/service/test_telemetry.py: the SDK's in-memory exporter
    SENTRY,  # tests/service/test_observability.py captures events with its transport interface
    "mypy>=1.11,<3",  # a test type-checks the module `spec models` writes
    # tests/test_contract.py: schemathesis --checks all, stateful phase included, on populated
    # databases (issue 19); tests/test_schemathesis.py: the example's operations in process
    "schemathesis>=4.32,<5",
    # tests/client/test_generated_client.py: a client generated from the example's served document
    # works with no hand edits (issue 19); the contract judged by a generator nobody here wrote
    "openapi-python-client>=0.29,<0.30",
]
DEV = [*TESTS, "ruff>=0.6,<0.18", "types-PyYAML"]

setup(
    name="openapi-aio",
    version=about["__version__"],
    description="Spec-first (API-first) services on aiohttp: the OpenAPI document is the code's contract",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    python_requires=">=3.11",
    packages=find_packages(include=["openapi_aio", "openapi_aio.*"]),
    package_data={"openapi_aio": ["py.typed", "spec/metaschemas/*", "migration_template/*"]},
    include_package_data=True,
    install_requires=[
        "aiohttp>=3.14,<4",  # web.RequestKey
        "asyncpg>=0.30,<0.33",  # create_pool(reset=...)
        "sqlalchemy[asyncio]>=2.1.6,<2.2",  # the async engine runs the embedded SQLite default and DDL
        "aiosqlite>=0.20,<0.23",  # the embedded default database: a new user needs no server
        "alembic>=1.15.1,<2",
        "jsonschema>=4.18,<5",  # checks documents against the official meta-schemas
        # Request/response validation: measured ~80x faster than jsonschema on a 12-property body
        # (1 us vs 80 us), linear-time regexes (no ReDoS), precise error kinds and paths.
        "jsonschema-rs>=0.49,<0.61",
        # JSON bodies in and out (openapi_aio/endpoints/serialization.py): measured 2026-12-07 on the
        # benchmark's 12-property pet, decode 4.5 -> 0.7 us and encode 3.3 -> 0.2 us against json
        "orjson>=3.10,<4",
        "pyyaml>=6.0,<7",
        "click>=8.1,<9",
        # the default event loop of `serve` / `openapi-aio run` where it builds (measured 2026-12-07,
        # W1 under wrk: 83.6 -> 77.5 us of server CPU per request against asyncio's loop)
        'uvloop>=0.23,<0.24; sys_platform != "win32" and platform_python_implementation == "CPython"',
    ],
    extras_require={
        "sentry": [SENTRY],
        # openIdConnect schemes verify JWT signatures (RS256, ES256, ...) against the provider's keys
        "oidc": [JWT],
        # Swagger UI's files (Swagger UI 5.24.2), read from the package: the docs UI works offline
        "ui": [UI],
        # the Redis broker: websocket messages reach every process of a service through Redis pub/sub
        "redis": [REDIS],
        # Prometheus metrics at /metrics (metrics=True or METRICS=1; docs/operations.md, "Metrics")
        "metrics": [METRICS],
        # OpenTelemetry spans (opentelemetry=True or OTEL=1; docs/operations.md, "Tracing with OpenTelemetry")
        "otel": OTEL,
        "tests": TESTS,
        "dev": DEV,
    },
    entry_points={
        "console_scripts": ["openapi-aio=openapi_aio.service.cli:main"],
        # the api_client fixture (openapi_aio.testing) for services' own tests
        "pytest11": ["openapi_aio = openapi_aio.testing"],
    },
    classifiers=[
        "Framework :: AsyncIO",
        "Framework :: aiohttp",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
    ],
)
