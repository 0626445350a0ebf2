"""schemathesis (PyPI) against the example app (issue 11, "Bad input").

The example service runs on loopback on a fresh SQLite file; schemathesis loads the document it
serves (/api/v1/openapi.json) and sends every operation generated requests, valid ones
(positive) and ones that break the document (negative), with the bearer token writes need.
Two checks: no answer is a server error, and every answer conforms to the schema the document
gives its status. Bounded by ``MAX_EXAMPLES`` per operation and mode; the figures are printed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_server import Server, example_server

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

MAX_EXAMPLES = 50  # per operation and mode: about 1,000 requests, well under a minute
AUTH = {"Authorization": "Bearer demo-token"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with example_server(Path(tmp_path_factory.mktemp("schemathesis"))) as running:
        yield running


def _runner(strategy: Any, label: str, requests: Counter[str], statuses: Counter[int]) -> Any:
    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        requests[label] += 1
        response = case.call_and_validate(
            headers=AUTH, checks=[not_a_server_error, response_schema_conformance], timeout=10
        )
        statuses[response.status_code] += 1

    return run


@pytest.mark.slow
def test_every_operation_positive_and_negative(server: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json", timeout=10)
    schema.config.update(base_url=f"{server.url}/api/v1")
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
    requests: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    unbreakable: list[str] = []
    operations = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if "x-websocket" in operation.definition.raw:  # a protocol switch: tests/ws test the handshake
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            label = f"{operation.label} ({mode.value})"

            run = _runner(operation.as_strategy(generation_mode=mode), label, requests, statuses)
            try:
                run()
            except Unsatisfiable:  # nothing to break: an operation without parameters or body
                unbreakable.append(label)
            except Exception as error:  # every failing operation is reported, not just the first
                failures[label] = f"{type(error).__name__}: {error}"[:2000]
    seconds = time.monotonic() - started
    print(
        f"\nschemathesis: {operations} operations, {sum(requests.values())} requests "
        f"(positive and negative, up to {MAX_EXAMPLES} each), {sum(n for s, n in statuses.items() if s >= 500)} 5xx, "
        f"{len(failures)} failures, {seconds:.1f} s; statuses {dict(sorted(statuses.items()))}; "
        f"no negative data for {', '.join(unbreakable) or 'none'}"
    )
    assert operations >= 13
    assert not failures, "\n\n".join(f"{label}:\n{message}" for label, message in failures.items())
