"""The real-world corpus in ../shared/specs: every valid document serves, every invalid one is refused.

Root documents are found by walking the folder (a root has a top-level ``swagger`` or ``openapi``
key; the ~3,000 other files are fragments reached by relative ``$ref``). The documents the corpus
marks **INVALID** in INDEX.md must raise InvalidSpecification naming the file and a location; all
others must load with ``stub=True``, route their operations, and answer one request with a 501
problem. A summary (counts and the load times of the largest documents) is printed at the end.
docs/corpus.md describes what this checks and the numbers measured.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from conftest import CORPUS
from corpus_documents import (
    DELIBERATE,
    DOCUMENTS,
    INDEXED_OPERATIONS,
    INVALID,
    REFS_ABOVE,
    REJECTED,
    VALID,
    allowed_ref_dirs,
)

import openapi_aio
from openapi_aio import InvalidSpecification
from openapi_aio.operation import Operation
from openapi_aio.spec.files import Ref, SpecFiles
from openapi_aio.spec.model import HTTP_METHODS, ParameterSpec

pytestmark = pytest.mark.corpus

MISSING_CORPUS = "corpus missing"


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        reason = f"the real-world corpus is not at {CORPUS} (a shared/specs folder beside the checkout)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the corpus tests")
        pytest.skip(reason)
    return CORPUS


@dataclass
class Tally:
    """What the per-document tests saw, for the summary."""

    loaded: dict[str, int] = field(default_factory=dict)  # valid document -> operations served
    answered: set[str] = field(default_factory=set)  # valid documents that answered 501 over HTTP
    refused: set[str] = field(default_factory=set)  # ...whose made-up request failed validation (4xx)
    rejected: set[str] = field(default_factory=set)
    deliberate: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)


TALLY = Tally()


# --- valid documents -------------------------------------------------------------------------


@pytest.mark.parametrize("name", VALID or [MISSING_CORPUS])
async def test_valid_document_serves_stub(name: str, corpus: Path, aiohttp_client: Any) -> None:
    path = corpus / name
    if name in REFS_ABOVE:  # refused as it stands: it reads a file outside its own folder
        assert "outside the document's folder" in str(_refusal(path))
    app = web.Application()
    started = time.perf_counter()
    try:
        api = openapi_aio.setup(app, path, stub=True, base_path="", allowed_ref_dirs=allowed_ref_dirs(name))
    except InvalidSpecification as error:
        pytest.fail(f"a valid document was refused:\n{error}")
    TALLY.seconds[name] = time.perf_counter() - started

    assert len(api.operations) == _expected_operations(name, api.spec.document, path)
    assert len(api.routes()) == len(api.operations)
    TALLY.loaded[name] = len(api.operations)
    if not api.operations:
        return  # webhooks or components only: nothing to route

    method, url, headers, body = _request_for(api.operations)
    client = await aiohttp_client(app)
    response = await client.request(method, url, headers=headers, json=body)
    problem = await response.text()
    # A made-up request either reaches the stub (501) or is refused first by the document's own
    # security (401, no credentials are sent) or validation (400/415: placeholder values rarely
    # satisfy real patterns); never a 5xx other than the stub's 501.
    assert response.status in (400, 401, 415, 501), f"{method} {url}: {problem}"
    assert response.content_type == "application/problem+json"
    if response.status == 401:
        assert response.headers["WWW-Authenticate"]
    (TALLY.answered if response.status == 501 else TALLY.refused).add(name)


def _expected_operations(name: str, document: Any, path: Path) -> int:
    """INDEX.md's count, less the 3.1 webhooks it includes (they are sent, not served)."""
    assert name in INDEXED_OPERATIONS, f"{name} has no row in INDEX.md"
    webhooks = document.get("webhooks") or {}
    if not webhooks:
        return INDEXED_OPERATIONS[name]
    # only small 3.1 documents have webhooks: reading one again is cheap
    files = SpecFiles(path, allowed_ref_dirs=allowed_ref_dirs(name))
    sent = 0
    for key, item in webhooks.items():
        item, _ = files.deref(item, Ref(files.root_uri, "/webhooks").child(key))
        sent += sum(1 for method in HTTP_METHODS if method in item)
    return INDEXED_OPERATIONS[name] - sent


def _request_for(operations: list[Operation]) -> tuple[str, str, dict[str, str], Any]:
    """One request an operation accepts up to its (missing) handler: a GET when there is one,
    with every required parameter given a value of its type and a JSON body if one is required."""
    operation = min(operations, key=_effort)
    spec = operation.spec
    path, query, headers = spec.path, {}, {}
    for parameter in spec.parameters:
        if parameter.location == "path":
            path = path.replace("{" + parameter.name + "}", urllib.parse.quote(_value(parameter), safe=""))
        elif parameter.required and parameter.location == "query":
            query[parameter.name] = _value(parameter)
        elif parameter.required and parameter.location == "header":
            headers[parameter.name] = _value(parameter)
        elif parameter.required and parameter.location == "cookie":
            headers["Cookie"] = f"{parameter.name}={_value(parameter)}"
    url = path + ("?" + urllib.parse.urlencode(query) if query else "")
    body = {} if spec.body is not None and spec.body.required else None
    return spec.method.upper(), url, headers, body


def _effort(operation: Operation) -> tuple[bool, bool, int, str]:
    spec = operation.spec
    required = [p for p in spec.parameters if p.required and p.location != "path"]
    needs_body = spec.body is not None and spec.body.required
    return spec.method != "get", needs_body, len(required), spec.pointer


def _value(parameter: ParameterSpec) -> str:
    schema = parameter.schema
    if schema.get("enum"):
        return str(schema["enum"][0])
    kind = schema.get("type")
    return "true" if kind == "boolean" else "1"


# --- invalid documents -----------------------------------------------------------------------


@pytest.mark.parametrize("name", REJECTED or [MISSING_CORPUS])
def test_invalid_document_is_refused_with_location(name: str, corpus: Path) -> None:
    path = corpus / name
    started = time.perf_counter()
    error = _refusal(path)
    TALLY.seconds[name] = time.perf_counter() - started
    _assert_located(error, path)
    TALLY.rejected.add(name)


@pytest.mark.parametrize("name", sorted(DELIBERATE) if DOCUMENTS else [MISSING_CORPUS])
def test_deliberate_disagreement_is_refused_for_its_reason(name: str, corpus: Path) -> None:
    path = corpus / name
    error = _refusal(path)
    _assert_located(error, path)
    pointer, words = DELIBERATE[name]
    assert any(e.pointer == pointer and words in e.message for e in error.errors), str(error)
    TALLY.deliberate.add(name)


def _refusal(path: Path) -> InvalidSpecification:
    try:
        openapi_aio.load_spec(path)
    except InvalidSpecification as error:
        return error
    except Exception as error:
        pytest.fail(f"{type(error).__name__} instead of InvalidSpecification: {error}")
    pytest.fail("an invalid document was accepted")


def _assert_located(error: InvalidSpecification, path: Path) -> None:
    """The message names the document, and every error a file and a JSON pointer in it."""
    message = str(error)
    assert Path(error.source).resolve() == path.resolve()
    assert message.startswith(f"{error.source}: invalid OpenAPI document")
    assert error.errors
    for each in error.errors:
        assert Path(each.file).is_file(), each
        assert each.pointer.startswith("/"), each
        assert f"{each.file}#{each.pointer}: " in message


# --- the corpus as a whole -------------------------------------------------------------------


def test_invalid_files_that_are_not_documents_are_refused(corpus: Path) -> None:
    """manifest.json also marks a non-document invalid (apidevtools' not-swagger.yaml, a bare
    schema): loading it must say it is not an OpenAPI document, naming the file."""
    manifest = json.loads((corpus / "manifest.json").read_text("utf-8"))
    others = [entry["file"] for entry in manifest if entry["role"] == "invalid" and entry["file"] not in DOCUMENTS]
    assert others == ["apidevtools/invalid/not-swagger.yaml"]
    for name in others:
        [only] = _refusal(corpus / name).errors
        assert Path(only.file).resolve() == (corpus / name).resolve()
        assert only.message == "not an OpenAPI document: no 'openapi' or 'swagger' version field"


def test_index_and_discovery_agree(corpus: Path) -> None:
    """Every INVALID row of INDEX.md is a root document found by the walk, and the deliberate
    disagreements are documents their sources call valid."""
    assert len(DOCUMENTS) >= 235
    assert set(DOCUMENTS) >= INVALID
    assert set(DELIBERATE) <= set(DOCUMENTS) - INVALID


def test_summary(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Counts over the whole corpus (run after the per-document tests, in file order)."""
    if len(TALLY.loaded) + len(TALLY.rejected) + len(TALLY.deliberate) < len(DOCUMENTS):
        pytest.skip("the summary needs every per-document test of this file to have run")
    largest = sorted(DOCUMENTS, key=lambda name: (corpus / name).stat().st_size, reverse=True)[:5]
    lines = [
        "",
        f"corpus {corpus}: {len(DOCUMENTS)} root documents",
        f"  valid loaded: {len(TALLY.loaded)} of {len(VALID)}, "
        f"operations served: {sum(TALLY.loaded.values())}, "
        f"answered over HTTP: {len(TALLY.answered)} with the stub's 501, "
        f"{len(TALLY.refused)} with a security or validation 4xx "
        f"({len(TALLY.loaded) - len(TALLY.answered) - len(TALLY.refused)} have no operations)",
        f"  invalid rejected: {len(TALLY.rejected)} of {len(REJECTED)}; "
        f"rejected on purpose: {len(TALLY.deliberate)} of {len(DELIBERATE)}",
        "  load time of the largest documents:",
        *(
            f"    {(corpus / name).stat().st_size / 1e6:5.1f} MB  {TALLY.seconds[name]:5.2f} s  {name}"
            for name in largest
        ),
    ]
    with capsys.disabled():
        print("\n".join(lines))
    assert len(TALLY.loaded) == len(VALID)
    assert len(TALLY.rejected) == len(REJECTED) == len(INVALID)
    assert len(TALLY.deliberate) == len(DELIBERATE)
    assert all(TALLY.loaded[name] > 0 for name in TALLY.answered)
