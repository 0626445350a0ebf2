"""Model classes from the document's schemas: formats, shapes, handlers, the generated module."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import importlib.util
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT, SPECS, document
from helpers import strict_mypy

from openapi_aio import App, load_spec
from openapi_aio.endpoints.serialization import dumps, loads
from openapi_aio.models import UNSET, Model, ModelError, Models, converter_for, write_module

SPEC = load_spec(SPECS / "models" / "openapi.yaml")
EXAMPLE = load_spec(ROOT / "example_app" / "openapi.yaml")


@pytest.fixture(scope="module")
def models() -> Models:
    return Models.from_spec(SPEC)


FORMATS = {
    "when": "2024-05-01T09:30:00Z",
    "day": "2024-05-01",
    "at": "09:30:15.250000+02:00",
    "id": "0b2d9a0e-3c4f-4a7b-9d1e-2f3a4b5c6d7e",
    "raw": "aGVsbG8gd29ybGQ=",
    "blob": "plain text bytes",
    "price": "19.99",
    "amount": 12.5,
    "count": 9007199254740993,
    "ratio": 0.25,
    "email": "a@example.com",
}


def test_every_format_round_trips_to_its_python_type(models):
    value = models.Formats.from_dict(FORMATS)
    assert value.when == datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.UTC)
    assert value.day == datetime.date(2024, 5, 1)
    assert value.at == datetime.time(9, 30, 15, 250000, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert value.id == uuid.UUID(FORMATS["id"])
    assert value.raw == b"hello world"
    assert value.blob == b"plain text bytes"
    assert value.price == decimal.Decimal("19.99")
    assert value.amount == decimal.Decimal("12.5")
    assert isinstance(value.amount, decimal.Decimal)
    assert value.count == 9007199254740993
    assert value.to_dict() == FORMATS
    assert loads(dumps(value)) == FORMATS  # what a handler returning it sends


@pytest.mark.parametrize(
    ("when", "written"),
    [
        ("2024-05-01T09:30:00+00:00", "2024-05-01T09:30:00Z"),  # UTC is written as Z
        ("2024-05-01T09:30:00.5-05:00", "2024-05-01T09:30:00.500000-05:00"),
        ("2024-05-01T09:30:00.123456Z", "2024-05-01T09:30:00.123456Z"),
    ],
)
def test_date_times_are_aware_and_written_canonically(models, when, written):
    value = models.Formats.from_dict({**FORMATS, "when": when})
    assert value.when.tzinfo is not None
    assert value.to_dict()["when"] == written


def test_bytes_round_trip_any_byte(models):
    data = bytes(range(256))
    value = models.Formats.from_dict({**FORMATS, "raw": data, "blob": data})  # already decoded: kept
    again = models.Formats.from_dict(value.to_dict())
    assert again.raw == data
    assert again.blob == data


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("when", "2024-05-01T09:30:00", "no time zone offset"),
        ("when", "yesterday", "not an RFC 3339 date-time"),
        ("when", 1714555800, "expected a date-time string, got number"),
        ("day", "2024-13-01", "not a date"),
        ("at", "25:00", "not a time"),
        ("id", "not-a-uuid", "not a UUID"),
        ("raw", "***", "not base64"),
        ("price", "a lot", "not a decimal number"),
        ("amount", True, "expected a decimal, got boolean"),
        ("count", "1", "expected an integer, got string"),
        ("count", True, "expected an integer, got boolean"),
        ("ratio", "0.5", "expected a number, got string"),
    ],
)
def test_invalid_values_raise_a_located_error(models, field, bad, message):
    with pytest.raises(ModelError, match=message) as caught:
        models.Formats.from_dict({**FORMATS, field: bad})
    assert caught.value.path == (field,)
    assert caught.value.pointer == f"/{field}"
    assert str(caught.value).startswith(f"{field}: ")
    assert isinstance(caught.value, ValueError)


def test_missing_and_unknown_properties(models):
    with pytest.raises(ModelError, match=r"Formats: missing required properties 'when', 'day'"):
        models.Formats.from_dict({key: value for key, value in FORMATS.items() if key not in ("when", "day")})
    with pytest.raises(ModelError, match=r"Formats: unknown property 'extra'"):  # additionalProperties: false
        models.Formats.from_dict({**FORMATS, "extra": 1})
    with pytest.raises(ModelError, match="Formats: expected an object, got array"):
        models.Formats.from_dict([])  # type: ignore[arg-type]


EVENT = {
    "id": "0b2d9a0e-3c4f-4a7b-9d1e-2f3a4b5c6d7e",
    "title": "Launch",
    "starts": "2024-05-01T09:00:00Z",
    "ends": None,
    "where": {"name": "Hall", "lat": 51.5, "floor": 2},
    "stops": [{"name": "A"}, {"name": "B", "lat": 1.0}],
    "days": ["2024-05-01", "2024-05-02"],
    "by_day": {"2024-05-01": {"name": "Hall"}},
    "labels": {"color": "red"},
    "status": "published",
    "tags": ["x"],
    "secret": "s",
}


def test_nested_models_arrays_and_maps(models):
    event = models.Event.from_dict(EVENT)
    assert isinstance(event.where, models.Location)
    assert event.where.additional_properties == {"floor": 2}  # additionalProperties allowed: kept
    assert [type(stop) for stop in event.stops] == [models.Location, models.Location]
    assert event.days == [datetime.date(2024, 5, 1), datetime.date(2024, 5, 2)]
    assert isinstance(event.by_day["2024-05-01"], models.Location)
    assert event.ends is None
    assert event.to_dict() == EVENT


def test_nested_errors_say_where(models):
    with pytest.raises(ModelError) as caught:
        models.Event.from_dict({**EVENT, "stops": [{"name": "A"}, {"lat": 1.0}]})
    assert caught.value.pointer == "/stops/1"
    assert "Location: missing required property 'name'" in str(caught.value)
    with pytest.raises(ModelError, match="'draft', 'published'") as caught:
        models.Event.from_dict({**EVENT, "status": "gone"})  # an enum in another component
    with pytest.raises(ModelError) as caught:
        models.Event.from_dict({**EVENT, "days": ["2024-05-01", "soon"]})
    assert caught.value.pointer == "/days/1"


def test_optional_nullable_defaults_read_and_write_only(models):
    event = models.Event.from_dict({"title": "t", "starts": "2024-05-01T09:00:00Z"})
    # readOnly id and writeOnly secret are data like the rest, never required
    assert event.id is None
    assert event.secret is None
    assert event.ends is UNSET  # optional and nullable: absent is not null
    assert event.tags == ["new"]  # the document's default (a fresh copy each time)
    assert models.Event.from_dict({"title": "t", "starts": "2024-05-01T09:00:00Z"}).tags is not event.tags
    assert event.to_dict() == {"title": "t", "starts": "2024-05-01T09:00:00Z", "tags": ["new"]}
    event.ends = None
    assert event.to_dict()["ends"] is None
    with pytest.raises(ModelError, match="expected a string, got null"):
        models.Event.from_dict({"title": None, "starts": "2024-05-01T09:00:00Z"})


def test_instances_are_slotted_keyword_dataclasses(models):
    location = models.Location(name="Hall")
    assert dataclasses.is_dataclass(location)
    assert not hasattr(location, "__dict__")
    assert location == models.Location.from_dict({"name": "Hall"})
    with pytest.raises(TypeError):
        models.Location("Hall")
    assert isinstance(location, Model)


def test_property_names_that_are_not_identifiers(models):
    data = {"content-type": "a", "class": "b", "2fa": True, "to_dict": "c", "additional_properties": "d", "list": 1}
    names = models.Names.from_dict({**data, "more": 1})
    assert (names.content_type, names.class_, names._2fa, names.to_dict_, names.additional_properties_) == (
        "a", "b", True, "c", "d",
    )  # fmt: skip
    assert names.list_ == 1
    assert names.additional_properties == {"more": 1}
    assert names.to_dict() == {**data, "more": 1}


def test_all_of_merges_fields(models):
    cat = models.Cat.from_dict({"petType": "cat", "name": "Tom", "lives": 9, "born": "2020-02-29"})
    assert [field.name for field in dataclasses.fields(cat)][:4] == ["petType", "name", "lives", "born"]
    assert cat.born == datetime.date(2020, 2, 29)
    with pytest.raises(ModelError, match="Cat: missing required property 'lives'"):
        models.Cat.from_dict({"petType": "cat", "name": "Tom"})
    with pytest.raises(ModelError, match="missing required property 'name'"):  # required by Animal
        models.Cat.from_dict({"petType": "cat", "lives": 1})


def test_one_of_with_a_discriminator(models):
    cat = models.Pet.from_dict({"petType": "cat", "name": "Tom", "lives": 9})
    dog = models.Pet.from_dict({"petType": "dog", "name": "Rex"})
    assert type(cat) is models.Cat
    assert type(dog) is models.Dog
    assert dog.to_dict() == {"petType": "dog", "name": "Rex", "good": True}
    with pytest.raises(ModelError, match="Pet: petType 'cow' is not one of 'cat', 'dog'"):
        models.Pet.from_dict({"petType": "cow", "name": "Daisy"})
    with pytest.raises(ModelError, match="Cat: missing required property 'lives'"):  # no second guess
        models.Pet.from_dict({"petType": "cat", "name": "Tom"})
    with pytest.raises(TypeError, match="Pet is a union: build one of Cat, Dog"):
        models.Pet()
    assert models.Pet.members == (models.Cat, models.Dog)


def test_any_of_tries_members_in_order(models):
    data = {
        "markers": [{"x": 1, "y": 2.5}, {"text": "here"}],
        "pet": {"petType": "cat", "name": "Tom", "lives": 9},
        "either": "2024-05-01",
        "2024-06-01": "2024-06-02",  # additionalProperties: {format: date} on a class
    }
    map_ = models.Map.from_dict(data)
    assert [type(marker) for marker in map_.markers] == [models.Point, models.Label]
    assert type(map_.pet) is models.Cat
    assert map_.either == datetime.date(2024, 5, 1)
    assert map_.additional_properties == {"2024-06-01": datetime.date(2024, 6, 2)}
    assert map_.to_dict() == data
    assert models.Map.from_dict({"either": 7}).either == 7
    with pytest.raises(ModelError, match="Marker: matches none of its members") as caught:
        models.Map.from_dict({"markers": [{"x": 1}]})
    assert caught.value.pointer == "/markers/0"
    assert "Point: missing required property 'y'" in str(caught.value)


def test_recursive_schemas(models):
    data = {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}
    tree = models.Tree.from_dict(data)
    assert type(tree.children[0].children[0]) is models.Tree
    assert tree.to_dict() == data


def test_models_container(models):
    assert models["Event"] is models.Event
    assert "Status" not in models  # a string enum is no class: references use it in place
    assert len(models) == len(list(models)) == 13
    with pytest.raises(AttributeError, match="no model class 'Nope'"):
        _ = models.Nope


def test_swagger_2_definitions():
    spec = load_spec(
        document(
            {},
            version="2.0",
            definitions={
                "Item": {
                    "type": "object",
                    "required": ["when"],
                    "properties": {
                        "when": {"type": "string", "format": "date-time"},
                        "note": {"type": "string", "x-nullable": True},
                        "parts": {"type": "array", "items": {"$ref": "#/definitions/Item"}},
                    },
                }
            },
        )
    )
    item_class = Models.from_spec(spec).Item
    data = {"when": "2024-05-01T00:00:00Z", "note": None, "parts": [{"when": "2024-05-02T00:00:00Z"}]}
    item = item_class.from_dict(data)
    assert type(item.parts[0]) is item_class
    assert item.to_dict() == data


def test_converters_from_annotations(models):
    assert converter_for(int) is None
    assert converter_for(list[int]) is None
    assert converter_for(dict[str, Any]) is None
    one = {"name": "Hall"}
    assert converter_for(models.Location)(one) == models.Location(name="Hall")
    assert converter_for(models.Location | None)(one) == models.Location(name="Hall")
    assert converter_for(list[models.Location])([one]) == [models.Location(name="Hall")]
    assert converter_for(dict[str, models.Location])({"a": one}) == {"a": models.Location(name="Hall")}
    either = converter_for(models.Point | models.Label)
    assert either({"text": "t"}) == models.Label(text="t")
    with pytest.raises(ModelError, match="matches none of the annotated models"):
        either({})


# --- handlers, over HTTP ---------------------------------------------------------------------------


async def test_handlers_receive_and_return_model_instances(serve):
    from specs.models import handlers

    handlers.SEEN.clear()
    client = await serve("models/openapi.yaml")
    sent = {"title": "launch", "starts": "2024-05-01T09:00:00+02:00", "where": {"name": "Hall"}}
    response = await client.post("/events", json=sent)
    assert response.status == 201, await response.text()
    assert await response.json() == {**sent, "title": "LAUNCH", "tags": ["new"]}
    [received] = handlers.SEEN
    assert type(received) is handlers.Event
    assert type(received.where) is handlers.models.Location
    assert received.starts.utcoffset() == datetime.timedelta(hours=2)

    response = await client.get("/events")
    assert await response.json() == [{**sent, "title": "LAUNCH", "tags": ["new"]}]  # a list of models

    response = await client.post("/pets", json={"petType": "dog", "name": "Rex"})
    assert await response.json() == {"class": "Dog", "pet": {"petType": "dog", "name": "Rex", "good": True}}


STRICT = Models.from_spec(
    load_spec(
        document(
            {},
            components={"schemas": {"Strict": {"type": "object", "required": ["n"], "properties": {"n": {}}}}},
        )
    )
).Strict


async def takes_strict(body: STRICT) -> dict[str, Any]:  # type: ignore[valid-type]
    return {"n": body.n}


async def test_a_body_the_model_refuses_is_a_400(serve):
    # The operation's schema accepts any object; the annotated model wants "n".
    operation = {
        "operationId": "test_models.takes_strict",
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "ok"}},
    }
    client = await serve(document({"/strict": {"post": operation}}))
    assert await (await client.post("/strict", json={"n": 1})).json() == {"n": 1}
    response = await client.post("/strict", json={"m": 1})
    assert response.status == 400
    problem = await response.json()
    assert "Strict: missing required property 'n'" in problem["detail"]


def test_unannotated_handlers_get_no_converters():
    from openapi_aio.endpoints.handler_call import HandlerCall

    async def plain(body: dict[str, Any], request: Any) -> None: ...

    assert HandlerCall(plain, label="x", supplied={"body"}).converters == {}
    assert set(HandlerCall(takes_strict, label="x", supplied={"body"}).converters) == {"body"}


def test_dumps_prefers_to_dict_over_asdict(models):
    names = models.Names.from_dict({"class": "b", "more": 1})
    assert loads(dumps([names])) == [{"class": "b", "more": 1}]


# --- the generated module ------------------------------------------------------------------------


def _import(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


SAMPLES = {
    "Formats": FORMATS,
    "Event": EVENT,
    "Names": {"content-type": "a", "class": "b", "2fa": True, "extra": [1]},
    "Map": {"markers": [{"x": 1, "y": 2}, {"text": "t"}], "pet": {"petType": "dog", "name": "Rex"}, "d": "2024-01-01"},
    "Pet": {"petType": "cat", "name": "Tom", "lives": 9},
    "Tree": {"value": 1, "children": [{"value": 2}]},
}


def test_generated_module_behaves_like_the_runtime_classes(models, tmp_path):
    path = tmp_path / "generated_models.py"
    path.write_text(write_module(SPEC))
    generated = _import(path, "generated_models")
    for name, data in SAMPLES.items():
        runtime_value = models[name].from_dict(data)
        generated_value = getattr(generated, name).from_dict(data)
        assert type(generated_value).__name__ == type(runtime_value).__name__
        assert generated_value.to_dict() == runtime_value.to_dict() == {**data, **generated_value.to_dict()}
        if dataclasses.is_dataclass(runtime_value):
            assert [f.name for f in dataclasses.fields(generated_value)] == [
                f.name for f in dataclasses.fields(runtime_value)
            ]
    for bad in ({**FORMATS, "day": "x"}, {**FORMATS, "extra": 1}):
        with pytest.raises(ModelError) as runtime_error:
            models.Formats.from_dict(bad)
        with pytest.raises(ModelError) as generated_error:
            generated.Formats.from_dict(bad)
        assert str(generated_error.value) == str(runtime_error.value)
    assert generated.Event(title="t", starts=datetime.datetime.now(datetime.UTC)).tags == ["new"]
    assert sorted(generated.__all__) == sorted(cls.__name__ for cls in models)


def test_a_stale_generated_module_says_so(tmp_path):
    source = write_module(SPEC).replace("    lat: float | None = None\n", "", 1)
    path = tmp_path / "stale_models.py"
    path.write_text(source)
    with pytest.raises(TypeError, match="Location does not match its schema: generate the module again"):
        _import(path, "stale_models")


HANDLER = """\
from __future__ import annotations

import datetime

from example_models import Project, Task, TaskChanges
from test_models_generated import Cat, Dog, Event, Location, Pet

from openapi_aio.db import Database


async def create(body: Task) -> tuple[Task, int]:
    body.title = body.title.strip()
    if body.due is not None and not isinstance(body.due, datetime.date):
        raise TypeError("due")
    return body, 201


async def change(task_id: int, body: TaskChanges) -> Task:
    task = Task(title=body.title or "untitled", priority=body.priority or "normal")
    task.id = task_id
    return task


async def where(body: Event) -> list[Location]:
    return [body.where] if body.where is not None else []


def adopt(data: dict[str, object]) -> str:
    pet: Cat | Dog = Pet.from_dict(data)
    return pet.name


async def persist(db: Database, task_id: int) -> list[Task]:
    task: Task | None = await Task.get(db, task_id)
    if task is None:
        project = Project(name="new")
        await project.save(db)
        return []
    task.title = task.title.upper()
    await task.save(db)
    await task.delete(db)
    tasks: list[Task] = await Task.list(db, done=False, title__ilike="*a*", order_by=["-due"], limit=10, offset=0)
    return tasks
"""


@pytest.mark.slow
def test_generated_modules_type_check_with_handlers_using_them(tmp_path):
    (tmp_path / "example_models.py").write_text(write_module(EXAMPLE))
    (tmp_path / "test_models_generated.py").write_text(write_module(SPEC))
    (tmp_path / "handlers.py").write_text(HANDLER)
    files = ["example_models.py", "test_models_generated.py", "handlers.py"]
    result = strict_mypy(tmp_path, *files)
    assert result.returncode == 0, result.stdout + result.stderr

    (tmp_path / "handlers.py").write_text(HANDLER + "\n\ndef wrong(body: Task) -> int:\n    return body.title\n")
    result = strict_mypy(tmp_path, *files)
    assert result.returncode == 1
    assert 'Incompatible return value type (got "str", expected "int")' in result.stdout

    wrong = "\n\nasync def wrong_get(db: Database) -> Project | None:\n    return await Task.get(db, 1)\n"
    (tmp_path / "handlers.py").write_text(HANDLER + wrong)
    result = strict_mypy(tmp_path, *files)
    assert result.returncode == 1
    assert 'Incompatible return value type (got "Task | None", expected "Project | None")' in result.stdout


def test_spec_models_command(tmp_path):
    app = App(__name__, specification_dir=str(SPECS / "models"))
    app.add_api("openapi.yaml")
    target = tmp_path / "out.py"
    result = CliRunner().invoke(app.cli, ["spec", "models", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text() == write_module(SPEC, target="out.py")
    result = CliRunner().invoke(app.cli, ["spec", "models", str(ROOT / "example_app" / "openapi.yaml")])
    assert result.exit_code == 0, result.output
    assert "class TaskChanges(_models.Model):" in result.output
    assert "class Task(_models.StoredModel):" in result.output
