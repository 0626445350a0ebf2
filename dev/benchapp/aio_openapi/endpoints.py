"""aio-openapi's views for the benchmark's routes: the constraints of benchapp/openapi.yaml as
dataclasses with aio-openapi's fields, checked by ``@op`` schemas on ``ApiPath`` views.

W3 and W4 (``/db/pets``) are a ``SqlApiPath``, aio-openapi's view over a table (its SQLAlchemy
layer, with a ``COUNT`` per page for ``X-Total-Count``), not benchapp/db.py's asyncpg code: that
is how its users serve a table. Where its fields have no keyword for a constraint (a pattern,
``uniqueItems``), a ``Validator`` subclass or the dataclass's ``validate`` hook adds it, as its
validation docs suggest. It has no way to refuse unknown properties: they are dropped. JSON
numbers arrive as ``Decimal`` (its ``loads``), so ``weight`` is a decimal field.
"""

# aio-openapi's field constructors return dataclasses.field(...) objects, which ruff cannot tell
# ruff: noqa: RUF009

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web
from openapi.data import fields
from openapi.db.path import SqlApiPath
from openapi.pagination import offsetPagination
from openapi.spec import op
from openapi.spec.path import ApiPath

routes = web.RouteTableDef()
PET_ID = str(uuid.UUID(int=1))
NAME = r"^[A-Za-z][A-Za-z '-]*$"
SPECIES = ("dog", "cat", "bird", "fish")


@dataclass
class Matching(fields.StrValidator):
    """A string matching ``pattern`` (aio-openapi's string fields have only lengths)."""

    pattern: str = ""

    def __call__(self, field, value: Any) -> Any:
        value = super().__call__(field, value)
        if not re.match(self.pattern, value):
            raise fields.ValidationError(field.name, f"does not match {self.pattern}")
        return value

    def openapi(self, prop: dict) -> None:
        super().openapi(prop)
        prop["pattern"] = self.pattern


@dataclass
class HelloPath:
    name: str = fields.str_field(max_length=40, required=True)


@dataclass
class HelloQuery:
    greeting: str = fields.str_field(validator=fields.Choice(("hello", "hi", "hey")), default="hello")
    times: int = fields.integer_field(min_value=1, max_value=10, default=1)


@dataclass
class Owner:
    name: str = fields.str_field(max_length=80, required=True)
    email: str = fields.email_field(required=True)


@dataclass
class Pet:
    name: str = fields.str_field(validator=Matching(max_length=40, pattern=NAME), required=True)
    species: str = fields.str_field(validator=fields.Choice(SPECIES), required=True)
    age: int = fields.integer_field(min_value=0, max_value=50, required=True)
    owner: Owner = fields.data_field(required=True)
    weight: Decimal = fields.decimal_field(min_value=0)
    birthday: date = fields.date_field()
    registered: datetime = fields.date_time_field()
    tags: list[str] = fields.data_field()
    microchip: str = fields.str_field(validator=Matching(pattern=r"^[0-9]{15}$"))
    vaccinated: bool = fields.bool_field()
    notes: str = fields.str_field(max_length=500)

    @classmethod
    def validate(cls, data: dict, errors: dict) -> None:
        tags = data.get("tags")
        if tags is not None and (len(tags) > 5 or len(set(tags)) != len(tags)):
            errors["tags"] = "at most 5, each once"


@dataclass
class NewRow:
    name: str = fields.str_field(validator=Matching(max_length=40, pattern=NAME), required=True)
    species: str = fields.str_field(validator=fields.Choice(SPECIES), required=True)
    age: int = fields.integer_field(min_value=0, max_value=50, required=True)
    weight: Decimal = fields.decimal_field(min_value=0)
    vaccinated: bool = fields.bool_field()


@dataclass
class Row(NewRow):
    id: int = fields.integer_field()


@dataclass
class RowsQuery(offsetPagination("id", default_limit=20)):
    pass


@routes.view("/hello/{name}")
class HelloView(ApiPath):
    path_schema = HelloPath

    @op(query_schema=HelloQuery)
    async def get(self):
        q = self.get_filters()
        return self.json_response({"message": " ".join([f"{q['greeting']} {q['name']}"] * q["times"])})


@routes.view("/pets")
class PetsView(ApiPath):
    @op(body_schema=Pet, response=201)
    async def post(self):
        body = await self.json_data()
        self.insert_data(body)  # 422 with every error
        return self.json_response({"id": PET_ID, **body}, status=201)


@routes.view("/db/pets")
class RowsView(SqlApiPath):
    table = "bench_pets"

    @op(query_schema=RowsQuery, response_schema=list[Row])
    async def get(self):
        paginated = await self.get_list()
        return paginated.json_response()

    @op(body_schema=NewRow, response_schema=Row, response=201)
    async def post(self):
        return self.json_response(await self.create_one(), status=201)
