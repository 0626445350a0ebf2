"""Property-based request validation over real HTTP (hypothesis + hypothesis-jsonschema).

A realistic 12-property body schema (patterns, an enum, ranges, formats, a nested object, a
bounded array, a nullable string) is served in an OpenAPI 3.0 and a 3.1 document. Bodies that
hypothesis-jsonschema generates from the schema must be accepted and reach the handler unchanged;
valid bodies with one thing broken must be refused with exactly that one violation; anything else
(arbitrary JSON, objects the schema refuses) must be a 400 problem, never a 5xx.

Hypothesis and pytest's async fixtures do not mix, so each test first lets hypothesis draw its
examples (deterministically: ``derandomize=True``), then sends them all through one client.

hypothesis-jsonschema 0.23.1 cannot generate objects with the Hypothesis this project installs
(it calls ``many.more()``, an internal Hypothesis removed), so :func:`generate` builds objects
from their properties itself and leaves every other schema to ``from_schema``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import document
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import domains
from hypothesis_jsonschema import from_schema

H = "specs.validation.handlers."
JSON = {"Content-Type": "application/json"}
SPECIES = ["dog", "cat", "bird", "fish"]
TAG = "^[a-z0-9-]+$"
NAME = "^[A-Za-z][A-Za-z '-]*$"
EXAMPLES = 100


def pet_schema(version: str) -> dict[str, Any]:
    """The body schema in the dialect of ``version`` ("3.0" or "3.1"); "3.1" is plain JSON Schema,
    which is also what hypothesis-jsonschema generates from."""
    if version == "3.0":
        weight = {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1000}
        notes = {"type": "string", "maxLength": 500, "nullable": True}
    else:
        weight = {"type": "number", "exclusiveMinimum": 0, "maximum": 1000}
        notes = {"type": ["string", "null"], "maxLength": 500}
    return {
        "type": "object",
        "required": ["name", "species", "age", "owner"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "pattern": NAME, "maxLength": 40},
            "species": {"type": "string", "enum": SPECIES},
            "age": {"type": "integer", "minimum": 0, "maximum": 50},
            "weight": weight,
            "birthday": {"type": "string", "format": "date"},
            "registered": {"type": "string", "format": "date-time"},
            "owner": {
                "type": "object",
                "required": ["name", "email"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 40},
                    "email": {"type": "string", "format": "email"},
                },
            },
            "tags": {
                "type": "array",
                "items": {"type": "string", "pattern": TAG, "maxLength": 20},
                "maxItems": 5,
                "uniqueItems": True,
            },
            "microchip": {"type": "string", "pattern": "^[0-9]{15}$"},
            "vaccinated": {"type": "boolean"},
            "notes": notes,
            "score": {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.5},
        },
    }


def generate(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid against ``schema`` (closed objects built here, the rest by ``from_schema``)."""
    if schema.get("type") == "object" and schema.get("additionalProperties") is False:
        strategies = {name: generate(sub) for name, sub in schema["properties"].items()}
        required = schema.get("required", [])
        optional = {name: strategy for name, strategy in strategies.items() if name not in required}
        return st.fixed_dictionaries({name: strategies[name] for name in required}, optional=optional)
    if schema.get("format") == "email":
        # jsonschema-rs refuses an upper-case IDNA prefix ("a@b.XN--6FRZ82G"), which RFC 5890
        # makes case-insensitive and Hypothesis draws from the IANA list of top-level domains.
        return st.emails(domains=domains().map(str.lower))
    return from_schema(schema)


GENERATED = pet_schema("3.1")
VALID = generate(GENERATED)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def spec(version: str) -> dict[str, Any]:
    operation = {
        "operationId": H + "echo",
        "requestBody": {"required": True, "content": {"application/json": {"schema": pet_schema(version)}}},
        "responses": {"200": {"description": "ok"}},
    }
    return document({"/pets": {"post": operation}}, "3.0.3" if version == "3.0" else "3.1.0")


def examples(strategy: st.SearchStrategy[Any], count: int = EXAMPLES) -> list[Any]:
    """``count`` examples drawn by hypothesis, the same ones on every run."""
    found: list[Any] = []

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


async def post(client: Any, value: Any) -> Any:
    return await client.post("/pets", data=json.dumps(value), headers=JSON)


async def assert_problem(response: Any, value: Any) -> list[dict[str, str]]:
    """A 400 problem+json listing at least one located violation; its ``errors``."""
    text = await response.text()
    assert response.status == 400, (value, text)
    assert response.content_type == "application/problem+json", (value, text)
    problem = json.loads(text)
    assert problem["status"] == 400
    assert problem["title"] == "Bad Request"
    assert problem["errors"], (value, text)
    for error in problem["errors"]:
        assert set(error) == {"in", "pointer", "message"}, error
        assert error["in"] == "body"
        assert error["pointer"] == "" or error["pointer"].startswith("/")
    return list(problem["errors"])


@pytest.fixture(params=["3.0", "3.1"])
async def client(request: pytest.FixtureRequest, serve: Any) -> Any:
    return await serve(spec(str(request.param)))


# --- valid bodies ------------------------------------------------------------------------------


async def test_generated_valid_bodies_are_accepted_unchanged(client):
    bodies = examples(VALID)
    assert len(bodies) >= EXAMPLES // 2
    assert any(len(body) >= 10 for body in bodies)  # the optional properties are exercised too
    for body in bodies:
        response = await post(client, body)
        assert response.status == 200, (body, await response.text())
        assert await response.json() == {"body": body}


# --- valid bodies with one thing broken -------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]
Mutation = Callable[[dict[str, Any], Draw], tuple[str, str | list[str]]]

ENUM = "must be one of: dog, cat, bird, fish"
# A value of another type for each property, and what is reported (an enum refuses it too).
WRONG_TYPES: dict[str, tuple[st.SearchStrategy[Any], list[str]]] = {
    "name": (st.integers(), ["must be a string"]),
    "species": (st.booleans() | st.integers(), ["must be a string", ENUM]),
    "age": (st.text(max_size=3), ["must be an integer"]),
    "weight": (st.text(max_size=3), ["must be a number"]),
    "birthday": (st.floats(allow_nan=False, allow_infinity=False), ["must be a string"]),
    "registered": (st.none(), ["must be a string"]),
    "owner": (st.lists(st.integers(), max_size=2), ["must be an object"]),
    "tags": (st.just({}), ["must be an array"]),
    "microchip": (st.integers(), ["must be a string"]),
    "vaccinated": (st.integers(0, 1), ["must be a boolean"]),
    "notes": (st.booleans(), ["must be a string or null"]),
    "score": (st.just([]), ["must be a number"]),
}


def drop_required(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    name = draw(st.sampled_from(GENERATED["required"]))
    del body[name]
    return f"/{name}", "is required"


def wrong_type(name: str) -> Mutation:
    def mutate(body: dict[str, Any], draw: Draw) -> tuple[str, list[str]]:
        values, messages = WRONG_TYPES[name]
        body[name] = draw(values)
        return f"/{name}", messages

    mutate.__name__ = f"wrong_type_of_{name}"
    return mutate


def unknown_property(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    name = draw(st.text(min_size=1, max_size=8).filter(lambda key: key not in GENERATED["properties"]))
    body[name] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=3)))
    return "/" + name.replace("~", "~0").replace("/", "~1"), "is not a known property"


def age_out_of_range(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["age"] = draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=51)))
    return "/age", "must be >= 0" if body["age"] < 0 else "must be <= 50"


def unknown_species(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["species"] = draw(st.text(max_size=6).filter(lambda value: value not in SPECIES))
    return "/species", "must be one of: dog, cat, bird, fish"


def name_not_matching(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["name"] = draw(st.from_regex(r"\A[0-9 '-][A-Za-z]{0,10}\Z"))
    return "/name", f"must match the pattern {NAME}"


def name_too_long(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["name"] = "A" + "a" * draw(st.integers(40, 60))
    return "/name", "must be at most 40 characters long"


def too_many_tags(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["tags"] = [f"tag-{index}" for index in range(draw(st.integers(6, 9)))]
    return "/tags", "must have at most 5 items"


def duplicate_tags(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    tag = draw(st.from_regex(r"\A[a-z0-9-]{1,10}\Z"))
    body["tags"] = [tag, tag]
    return "/tags", "must not contain duplicate items"


def tag_not_matching(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["tags"] = ["ok", draw(st.from_regex(r"\A[a-z]{0,3}[A-Z_ ][a-z]{0,3}\Z"))]
    return "/tags/1", f"must match the pattern {TAG}"


def invalid_email(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["owner"]["email"] = draw(st.from_regex(r"\A[a-z.]{1,12}\Z"))
    return "/owner/email", "must be a valid email"


def owner_without_email(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    del body["owner"]["email"]
    return "/owner/email", "is required"


def owner_unknown_property(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["owner"]["nickname"] = draw(st.text(max_size=5))
    return "/owner/nickname", "is not a known property"


def invalid_date(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["birthday"] = draw(st.sampled_from(["2023-02-29", "2023-13-01", "2023-1-1", "01/02/2023", "yesterday"]))
    return "/birthday", "must be a valid date"


def invalid_date_time(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["registered"] = draw(st.sampled_from(["2023-01-01", "2023-01-01T10:00:00", "2023-01-01 10:00:00Z"]))
    return "/registered", "must be a valid date-time"


def weight_not_positive(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["weight"] = draw(st.one_of(st.just(0), st.floats(max_value=0, allow_nan=False, allow_infinity=False)))
    return "/weight", "must be > 0"


def microchip_wrong_length(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["microchip"] = draw(st.from_regex(r"\A([0-9]{1,14}|[0-9]{16,20})\Z"))
    return "/microchip", "must match the pattern ^[0-9]{15}$"


def notes_too_long(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["notes"] = "n" * draw(st.integers(501, 600))
    return "/notes", "must be at most 500 characters long"


def score_off_the_half_steps(body: dict[str, Any], draw: Draw) -> tuple[str, str]:
    body["score"] = draw(st.integers(0, 99)) + draw(st.sampled_from([0.1, 0.25, 0.75, 0.3]))
    return "/score", "must be a multiple of 0.5"


MUTATIONS: list[Mutation] = [
    drop_required,
    *(wrong_type(name) for name in WRONG_TYPES),
    unknown_property,
    age_out_of_range,
    unknown_species,
    name_not_matching,
    name_too_long,
    too_many_tags,
    duplicate_tags,
    tag_not_matching,
    invalid_email,
    owner_without_email,
    owner_unknown_property,
    invalid_date,
    invalid_date_time,
    weight_not_positive,
    microchip_wrong_length,
    notes_too_long,
    score_off_the_half_steps,
]


@st.composite
def broken(draw: Draw, mutation: Mutation) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A valid body with one thing broken by ``mutation``, and the violations to report."""
    body = copy.deepcopy(draw(VALID))
    pointer, messages = mutation(body, draw)
    messages = [messages] if isinstance(messages, str) else messages
    return body, [{"in": "body", "pointer": pointer, "message": message} for message in messages]


async def test_each_broken_rule_is_refused_with_exactly_its_violation(client):
    for mutation in MUTATIONS:
        for body, expected in examples(broken(mutation), EXAMPLES // 20):
            response = await post(client, body)
            assert await assert_problem(response, body) == expected, (mutation.__name__, body)


# --- anything else ----------------------------------------------------------------------------


@st.composite
def near_miss(draw: Draw) -> dict[str, Any]:
    """A valid body with up to three properties (known or not) set to any JSON value: some are
    still valid, most are refused, for many different reasons at once."""
    body = copy.deepcopy(draw(VALID))
    names = st.sampled_from([*GENERATED["properties"], "extra", ""])
    for _ in range(draw(st.integers(0, 3))):
        body[draw(names)] = draw(JSON_VALUES)
    return dict(body)


def located(body: Any, error: dict[str, str]) -> bool:
    """Whether a violation's pointer leads into ``body``, or to a required property missing from
    an object that is there."""
    node = body
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in error["pointer"].split("/")[1:]]
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        if isinstance(node, dict):
            if token not in node:
                return last and error["message"] == "is required"
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


async def test_near_misses_are_answered_with_located_violations(client):
    bodies = examples(near_miss(), 2 * EXAMPLES)
    statuses = set()
    for body in bodies:
        response = await post(client, body)
        statuses.add(response.status)
        if response.status == 200:
            assert await response.json() == {"body": body}
            continue
        for error in await assert_problem(response, body):
            assert located(body, error), (body, error)
    assert statuses == {200, 400}


async def test_arbitrary_json_is_never_a_5xx(client):
    for value in examples(JSON_VALUES):
        response = await post(client, value)
        errors = await assert_problem(response, value)  # none of these is a valid pet
        assert all(located(value, error) for error in errors), (value, errors)
