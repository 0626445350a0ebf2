"""Per-request cost of validating a realistic 12-property JSON body (in-process, no sockets).

    python dev/bench_validation.py

Reports microseconds per call for openapi_aio's compiled validator (jsonschema-rs) on a valid
and an invalid body, next to the pure-Python ``jsonschema`` reference. Not a test: run it when
touching openapi_aio/validation/ and copy the table into docs/validation.md.
"""

from __future__ import annotations

import platform
import timeit
from importlib import metadata

import jsonschema
from bench_workloads import INVALID_PET, VALID_PET

from openapi_aio.validation import SchemaValidator

PET = {
    "type": "object",
    "required": ["name", "species", "age", "owner"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid", "readOnly": True},
        "name": {"type": "string", "pattern": "^[A-Za-z][A-Za-z '-]*$", "maxLength": 40},
        "species": {"type": "string", "enum": ["dog", "cat", "bird", "fish"]},
        "age": {"type": "integer", "minimum": 0, "maximum": 50},
        "weight": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
        "birthday": {"type": "string", "format": "date"},
        "registered": {"type": "string", "format": "date-time"},
        "owner": {
            "type": "object",
            "required": ["name", "email"],
            "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}},
        },
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5, "uniqueItems": True},
        "microchip": {"type": "string", "pattern": "^[0-9]{15}$"},
        "vaccinated": {"type": "boolean"},
        "notes": {"type": "string", "maxLength": 500, "nullable": True},
    },
}
# The same bodies as the wrk benchmark's W2 (valid) and W5 (4 violations).
VALID, INVALID = VALID_PET, INVALID_PET


def best(statement, number: int = 20_000) -> float:
    return min(timeit.repeat(statement, number=number, repeat=5)) / number * 1e6


def main() -> None:
    ours = SchemaValidator.compile(PET, "3.0", "request")
    assert ours.violations(VALID, "body") == []
    assert len(ours.violations(INVALID, "body")) == 4
    reference_schema = {**PET, "properties": {**PET["properties"], "notes": {"type": ["string", "null"]}}}
    reference = jsonschema.Draft4Validator(reference_schema, format_checker=jsonschema.FormatChecker())
    rows = [
        ("openapi_aio (jsonschema-rs), valid body", best(lambda: ours.violations(VALID, "body"))),
        ("openapi_aio (jsonschema-rs), invalid body, 4 violations", best(lambda: ours.violations(INVALID, "body"))),
        ("jsonschema (reference), valid body", best(lambda: reference.is_valid(VALID), 2_000)),
        ("jsonschema (reference), invalid body, all errors", best(lambda: list(reference.iter_errors(INVALID)), 2_000)),
    ]
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("jsonschema-rs", "jsonschema"))
    print(f"Python {platform.python_version()}, {versions}")
    print("| validation of a 12-property body | µs per call |")
    print("|---|---|")
    for name, micros in rows:
        print(f"| {name} | {micros:.1f} |")


if __name__ == "__main__":
    main()
