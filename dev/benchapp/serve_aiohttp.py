"""Raw aiohttp with hand-written checks: the upper limit for what a spec-first layer can reach.

Same routes, constraints and answers as openapi.yaml (400 with a small JSON problem on bad input),
written directly against aiohttp with no framework in between.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from aiohttp import web

from benchapp import db
from benchapp.common import HOST, parse_args
from benchapp.handlers import PET_ID

NAME = re.compile(r"^[A-Za-z][A-Za-z '-]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHIP = re.compile(r"^[0-9]{15}$")
SPECIES = frozenset({"dog", "cat", "bird", "fish"})
GREETINGS = frozenset({"hello", "hi", "hey"})


def bad(detail: str) -> web.HTTPBadRequest:
    body = json.dumps({"type": "about:blank", "title": "Bad Request", "status": 400, "detail": detail})
    return web.HTTPBadRequest(text=body, content_type="application/problem+json")


def _is_int(v: object) -> bool:
    return type(v) is int


def _is_num(v: object) -> bool:
    return type(v) in (int, float)


def _check_name_species_age(body: dict, errors: list[str]) -> None:
    name = body.get("name")
    if not (isinstance(name, str) and len(name) <= 40 and NAME.match(name)):
        errors.append("name")
    if body.get("species") not in SPECIES:
        errors.append("species")
    age = body.get("age")
    if not (_is_int(age) and 0 <= age <= 50):
        errors.append("age")
    if "weight" in body and not (_is_num(body["weight"]) and body["weight"] > 0):
        errors.append("weight")
    if "vaccinated" in body and type(body["vaccinated"]) is not bool:
        errors.append("vaccinated")


PET_KEYS = frozenset(
    {"name", "species", "age", "weight", "birthday", "registered", "owner", "tags", "microchip", "vaccinated", "notes"}
)
ROW_KEYS = frozenset({"name", "species", "age", "weight", "vaccinated"})


def check_pet(body: object) -> list[str]:
    if not isinstance(body, dict):
        return ["body"]
    errors = [f"unexpected {k}" for k in body.keys() - PET_KEYS]
    _check_name_species_age(body, errors)
    if "birthday" in body:
        try:
            dt.date.fromisoformat(body["birthday"])
        except (TypeError, ValueError):
            errors.append("birthday")
    if "registered" in body:
        try:
            dt.datetime.fromisoformat(body["registered"])
        except (TypeError, ValueError):
            errors.append("registered")
    owner = body.get("owner")
    if not (
        isinstance(owner, dict)
        and isinstance(owner.get("name"), str)
        and len(owner["name"]) <= 80
        and isinstance(owner.get("email"), str)
        and EMAIL.match(owner["email"])
    ):
        errors.append("owner")
    if "tags" in body:
        tags = body["tags"]
        if not (
            isinstance(tags, list)
            and len(tags) <= 5
            and all(isinstance(t, str) for t in tags)
            and len(set(tags)) == len(tags)
        ):
            errors.append("tags")
    if "microchip" in body and not (isinstance(body["microchip"], str) and CHIP.match(body["microchip"])):
        errors.append("microchip")
    notes = body.get("notes")
    if notes is not None and not (isinstance(notes, str) and len(notes) <= 500):
        errors.append("notes")
    return errors


def check_row(body: object) -> list[str]:
    if not isinstance(body, dict):
        return ["body"]
    errors = [f"unexpected {k}" for k in body.keys() - ROW_KEYS]
    _check_name_species_age(body, errors)
    return errors


async def read_json(request: web.Request) -> object:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType()
    try:
        return await request.json()
    except ValueError:
        raise bad("body is not JSON") from None


def int_param(request: web.Request, name: str, default: int, lo: int, hi: int | None) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad(f"{name} must be an integer") from None
    if value < lo or (hi is not None and value > hi):
        raise bad(f"{name} out of range")
    return value


async def hello(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if len(name) > 40:
        raise bad("name too long")
    greeting = request.query.get("greeting", "hello")
    if greeting not in GREETINGS:
        raise bad("greeting")
    times = int_param(request, "times", 1, 1, 10)
    return web.json_response({"message": " ".join([f"{greeting} {name}"] * times)})


async def create_pet(request: web.Request) -> web.Response:
    body = await read_json(request)
    errors = check_pet(body)
    if errors:
        raise bad("invalid: " + ", ".join(errors))
    return web.json_response({"id": PET_ID, **body}, status=201)


async def list_rows(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", 20, 1, 100)
    offset = int_param(request, "offset", 0, 0, None)
    return web.json_response(await db.list_rows(limit, offset))


async def insert_row(request: web.Request) -> web.Response:
    body = await read_json(request)
    errors = check_row(body)
    if errors:
        raise bad("invalid: " + ", ".join(errors))
    return web.json_response(await db.insert_row(body), status=201)


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/hello/{name}", hello)
    app.router.add_post("/pets", create_pet)
    app.router.add_get("/db/pets", list_rows)
    app.router.add_post("/db/pets", insert_row)
    return app


def main() -> None:
    """dev/bench runs it with ``--uvloop``: the baseline as aiohttp users who care about speed
    run it (issue 17 asks for the baseline on uvloop). Without, aiohttp's default loop (dev/bench_defaults
    runs both). No access log either way: aiohttp writes none unless logging is configured."""
    args = parse_args()
    loop = None
    if args.uvloop:
        import uvloop

        loop = uvloop.new_event_loop()
    web.run_app(make_app(), host=HOST, port=args.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
