"""Generated mock values against the real-world corpus in ../shared/specs.

For every response schema of every operation of every valid document, a value is made up from
the schema alone (the document's own examples passed over, as for a schema that has none) and
checked with the response validator (the first ``PER_DOCUMENT`` distinct schemas of each).
Counts are printed at the end; a small share of schemas
defeat the generator (patterns with lookaround, ``not``, contradictory ``allOf``); the test
fails if that share grows beyond what was measured.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from corpus_documents import VALID, allowed_ref_dirs

import openapi_aio.spec
from openapi_aio.endpoints.examples import CannotGenerate, example_for
from openapi_aio.errors import SpecError
from openapi_aio.validation import SchemaValidator

pytestmark = pytest.mark.corpus

# Compiling a validator for each of the ~15,000 response schemas takes minutes; the first ones of
# each document (in document order) cover every document and keep the test well under a minute.
PER_DOCUMENT = 60
# Left out by name, not by a time budget (the test must check the same schemas on any machine):
# Stripe's response schemas take 5-17 s each to compile (measured 2026-12-07, 575 s for its 60).
SLOW_TO_COMPILE = frozenset({"stripe/openapi/spec3.yaml"})


def test_generated_values_validate(corpus_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts: Counter[str] = Counter()
    failures: list[str] = []
    started = time.perf_counter()
    for name in VALID:
        spec = openapi_aio.spec.load_spec(corpus_folder / name, validate=False, allowed_ref_dirs=allowed_ref_dirs(name))
        seen: set[int] = set()
        counts["documents"] += 1
        for operation in spec.operations:
            counts["operations"] += 1
            for response in operation.responses.values():
                for media in response.content.values():
                    schema = media.schema
                    if not schema or id(schema) in seen or len(seen) >= PER_DOCUMENT:
                        continue
                    seen.add(id(schema))
                    counts["schemas"] += 1
                    if name in SLOW_TO_COMPILE:
                        counts["skipped"] += 1
                        continue
                    _check(schema, spec.version, f"{name} {operation.label} {response.status}", counts, failures)
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\nmock corpus: {counts['documents']} documents, {counts['operations']} operations, "
            f"{counts['schemas']} distinct response schemas: {counts['valid']} generated values validate, "
            f"{counts['invalid']} do not, {counts['impossible']} not generated, "
            f"{counts['uncompilable']} schemas the validator cannot compile, "
            f"{counts['skipped']} skipped (slow to compile); {seconds:.1f} s"
        )
        for failure in failures[:15]:
            print("  ", failure)
    checked = counts["valid"] + counts["invalid"] + counts["impossible"]
    assert counts["valid"] >= 0.97 * checked, failures[:20]


def _check(schema: Any, version: Any, where: str, counts: Counter[str], failures: list[str]) -> None:
    try:
        validator = SchemaValidator.compile(schema, version, "response")
    except SpecError:
        counts["uncompilable"] += 1
        return
    try:
        value = example_for(schema, direction="response", version=version, written=False)
    except (CannotGenerate, RecursionError) as error:
        counts["impossible"] += 1
        failures.append(f"{where}: {error}")
        return
    if validator.is_valid(value):
        counts["valid"] += 1
    else:
        counts["invalid"] += 1
        violations = validator.violations(value, "response")
        failures.append(f"{where}: {violations[0].message if violations else '?'}")


@pytest.fixture(scope="module")
def corpus_folder() -> Path:
    from conftest import CORPUS

    if not CORPUS.is_dir() or not VALID:
        reason = f"the real-world corpus is not at {CORPUS}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the corpus tests")
        pytest.skip(reason)
    return CORPUS
