"""Resource embedding (``x-resource: {embed: ...}``) over real HTTP, on SQLite and PostgreSQL:
to-one and to-many rows inline, per-parent limits and order, sparse fields reaching embedded
members, filters on a to-one member, the embedded view's scope() and serialize(), writeOnly
members hidden, the statements a page costs, ETags, and what the served document says."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import SPECS
from otel_capture import EXPORTER, statement_count

import openapi_aio
from openapi_aio import InvalidSpecification
from openapi_aio.keys import DATABASE

SPEC = "resources_embedding/openapi.yaml"
ADMIN = {"X-Role": "admin"}

PUBLISHERS = [{"name": "Penguin"}, {"name": "Faber"}]
AUTHORS = [  # ids 1..4; Cy is private: only the admin may read that row
    {"name": "Ada", "country": "GB", "password": "a-secret"},
    {"name": "Bob", "country": "US", "password": "b-secret"},
    {"name": "Cy", "country": "FR", "private": True},
    {"name": "Dee", "country": None},
]
BOOKS = [  # ids 1..7
    {"title": "A1", "year": 2001, "author_id": 1, "editor_id": 2, "publisher_id": 1},
    {"title": "A2", "year": 2005, "author_id": 1, "publisher_id": 2},
    {"title": "A3", "year": 2003, "author_id": 1, "editor_id": 1, "publisher_id": 1},
    {"title": "A4", "year": 2005, "author_id": 1, "publisher_id": 1},
    {"title": "B1", "year": None, "author_id": 2, "editor_id": 3, "publisher_id": 2},
    {"title": "C1", "year": 1999, "author_id": 3, "publisher_id": 1},
    {"title": "orphan", "year": 2010, "publisher_id": 2},
]


async def seeded(serve_db: Any, spec: Any = SPEC, **options: Any) -> TestClient:
    client = await serve_db(spec, **options)
    for path, rows in (("/publishers", PUBLISHERS), ("/authors", AUTHORS), ("/books", BOOKS)):
        response = await client.post(path, json=rows)
        assert response.status == 201, await response.text()
    return client


async def get_json(client: TestClient, path: str, status: int = 200, **kwargs: Any) -> Any:
    response = await client.get(path, **kwargs)
    text = await response.text()
    assert response.status == status, text
    return await response.json()


def author_row(author_id: int) -> dict[str, Any]:
    """Author ``author_id`` as its view answers it: no password, ``shout`` computed."""
    given = AUTHORS[author_id - 1]
    return {
        "id": author_id,
        "name": given["name"],
        "country": given["country"],
        "private": given.get("private", False),
        "shout": given["name"].upper(),
    }


async def test_to_one_rows_inline(serve_db):
    client = await seeded(serve_db)
    books = await get_json(client, "/books", params={"embed": "author,publisher", "limit": "10"}, headers=ADMIN)
    assert [book["title"] for book in books] == [book["title"] for book in BOOKS]
    for book, given in zip(books, BOOKS, strict=True):
        author_id = given.get("author_id")
        assert book["author"] == (author_row(author_id) if author_id else None)
        assert "password" not in (book["author"] or {})  # writeOnly: never answered, embedded or not
        assert book["publisher"] == {"id": given["publisher_id"], "name": PUBLISHERS[given["publisher_id"] - 1]["name"]}
        assert "editor" not in book  # not asked for
    plain = await get_json(client, "/books", params={"limit": "10"})
    assert [
        {key: value for key, value in book.items() if key not in ("author", "publisher")} for book in books
    ] == plain


async def test_to_one_follows_the_embedded_views_scope(serve_db):
    """Cy's row is private: for anyone but the admin the embedded author is null (the served
    schema says it may be), and the book is still listed."""
    client = await seeded(serve_db)
    books = await get_json(client, "/books", params={"embed": "author,editor"})
    by_title = {book["title"]: book for book in books}
    assert by_title["C1"]["author"] is None
    assert by_title["B1"]["editor"] is None  # edited by Cy
    assert by_title["B1"]["author"] == author_row(2)
    assert by_title["A2"]["editor"] is None  # no editor at all
    admin = {
        book["title"]: book
        for book in await get_json(client, "/books", params={"embed": "author,editor"}, headers=ADMIN)
    }
    assert admin["C1"]["author"] == author_row(3)
    assert admin["B1"]["editor"] == author_row(3)


async def test_to_many_rows_in_order_within_the_limit(serve_db):
    """Each author's books: newest first, the key breaking ties, at most three; the scope of the
    author list is the author view's; a book's view (plain) shows every book."""
    client = await seeded(serve_db)
    authors = await get_json(client, "/authors", params={"embed": "books"}, headers=ADMIN)
    titles = {author["name"]: [book["title"] for book in author["books"]] for author in authors}
    # Ada's: A2 (2005, id 2) and A4 (2005, id 4) tie: the key descends as the order does
    assert titles == {"Ada": ["A4", "A2", "A3"], "Bob": ["B1"], "Cy": ["C1"], "Dee": []}
    ada = authors[0]["books"][0]
    assert ada == {
        "id": 4,
        "title": "A4",
        "year": 2005,
        "author_id": 1,
        "editor_id": None,
        "publisher_id": 1,
        "version": 1,
    }
    public = await get_json(client, "/authors", params={"embed": "books,edited"})
    assert [author["name"] for author in public] == ["Ada", "Bob", "Dee"]
    edited = {author["name"]: [book["title"] for book in author["edited"]] for author in public}
    assert edited == {"Ada": ["A3"], "Bob": ["A1"], "Dee": []}  # default order: the key; default limit 25
    # "edited" answers through PublishedBookView, whose scope hides books without a year: Cy
    # edited B1 (no year), so the admin sees Cy with no edited books
    admin = await get_json(client, "/authors", params={"embed": "edited"}, headers=ADMIN)
    assert {author["name"]: author["edited"] for author in admin}["Cy"] == []


async def test_fields_reach_embedded_members(serve_db):
    client = await seeded(serve_db)
    books = await get_json(client, "/books", params={"fields": "title,author.name", "limit": "2"}, headers=ADMIN)
    # required members stay (id, title, publisher_id; the author's id and name); fields= embeds
    assert books == [
        {"id": 1, "title": "A1", "publisher_id": 1, "author": {"id": 1, "name": "Ada"}},
        {"id": 2, "title": "A2", "publisher_id": 2, "author": {"id": 1, "name": "Ada"}},
    ]
    whole = await get_json(client, "/books", params={"fields": "title,author", "limit": "1"}, headers=ADMIN)
    assert whole == [{"id": 1, "title": "A1", "publisher_id": 1, "author": author_row(1)}]
    computed = await get_json(client, "/books", params={"fields": "author.shout", "limit": "1"}, headers=ADMIN)
    assert computed == [{"id": 1, "title": "A1", "publisher_id": 1, "author": {"id": 1, "name": "Ada", "shout": "ADA"}}]
    authors = await get_json(client, "/authors", params={"fields": "name,books.title", "limit": "1"})
    ada_books = [{"id": 4, "title": "A4", "publisher_id": 1}, {"id": 2, "title": "A2", "publisher_id": 2}]
    ada_books.append({"id": 3, "title": "A3", "publisher_id": 1})
    assert authors == [{"id": 1, "name": "Ada", "books": ada_books}]
    for value, named in (
        ("author.password", "author.password"),
        ("nobody.name", "nobody.name"),
        ("author.x", "author.x"),
    ):
        response = await client.get("/books", params={"fields": value})
        assert response.status == 400, await response.text()
        assert named in (await response.json())["detail"]


async def test_unknown_relation_is_a_400(serve_db):
    client = await seeded(serve_db)
    response = await client.get("/books", params={"embed": "author,reviews"})
    assert response.status == 400
    problem = await response.json()
    assert problem["errors"][0]["name"] == "embed"
    assert "reviews" in problem["detail"]


async def test_filters_on_a_to_one_member(serve_db):
    client = await seeded(serve_db)

    async def titles(**params: str) -> list[str]:
        headers = ADMIN if params.pop("admin", None) else {}
        return [book["title"] for book in await get_json(client, "/books", params=params, headers=headers)]

    assert await titles(**{"author.name__ilike": "a*"}) == ["A1", "A2", "A3", "A4"]
    assert await titles(**{"author.country": "US"}) == ["B1"]
    assert await titles(**{"author.id__lt": "3", "order_by": "-title"}) == ["B1", "A4", "A3", "A2", "A1"]
    # a filter reaches only rows the caller may read: Cy's book is found by the admin alone
    assert await titles(**{"author.name__ilike": "cy"}) == []
    assert await titles(**{"author.name__ilike": "cy", "admin": "1"}) == ["C1"]
    # with embed=, a cursor and the count: the same rows, counted by the same conditions
    params = {"author.name__ilike": "*a*", "embed": "author", "limit": "2", "count": "true", "cursor": ""}
    response = await client.get("/books", params=params)
    assert response.status == 200
    assert response.headers["X-Total-Count"] == "4"
    first = await response.json()
    assert [book["author"]["name"] for book in first] == ["Ada", "Ada"]
    following = response.links["next"]["url"]
    second = await get_json(client, str(following.relative()))
    assert [book["title"] for book in second] == ["A3", "A4"]
    assert second[0]["author"] == author_row(1)
    response = await client.get("/books", params={"author.id__lt": str(2**40)})
    assert response.status == 400
    assert "author.id__lt" in await response.text()


async def test_one_statement_per_relation_whatever_the_page(serve_db):
    """A page of 50 books with two to-one relations: one statement, the page joining its
    authors and publishers; the same for a page of 5. Authors with two to-many relations: three
    (the page, each relation's rows). An item with two to-one relations: one."""
    client = await serve_db(SPEC, opentelemetry=True)
    assert (await client.post("/publishers", json=PUBLISHERS)).status == 201
    assert (await client.post("/authors", json=AUTHORS)).status == 201
    many = [{"title": f"book {i}", "year": 1990 + i % 20, "author_id": 1 + i % 4, "editor_id": 1 + (i + 1) % 4,
             "publisher_id": 1 + i % 2} for i in range(60)]  # fmt: skip
    assert (await client.post("/books", json=many)).status == 201
    counts = {}
    for limit in ("50", "5"):
        EXPORTER.clear()
        books = await get_json(client, "/books", params={"embed": "author,publisher", "limit": limit}, headers=ADMIN)
        assert len(books) == int(limit)
        assert all(book["author"] and book["publisher"] for book in books)
        counts[limit] = statement_count()
    EXPORTER.clear()
    await get_json(client, "/books", params={"limit": "50"})
    counts["plain"] = statement_count()
    EXPORTER.clear()
    authors = await get_json(client, "/authors", params={"embed": "books,edited"}, headers=ADMIN)
    assert [len(author["books"]) for author in authors] == [3, 3, 3, 3]
    assert [len(author["edited"]) for author in authors] == [15, 15, 15, 15]
    counts["to-many"] = statement_count()
    EXPORTER.clear()
    book = await get_json(client, "/books/7", params={"embed": "author,publisher"}, headers=ADMIN)
    assert book["author"]["id"] == many[6]["author_id"]
    assert book["publisher"]["id"] == many[6]["publisher_id"]
    counts["item"] = statement_count()
    assert counts == {"50": 1, "5": 1, "plain": 1, "to-many": 3, "item": 1}


async def test_item_embeds_and_keeps_its_own_etag(serve_db):
    """The ETag is the book's own version with or without embedded rows; If-None-Match is not
    answered 304 when rows are embedded (they may have changed under the same tag)."""
    client = await seeded(serve_db)
    plain = await client.get("/books/1")
    embedded = await client.get("/books/1", params={"embed": "author"}, headers=ADMIN)
    assert plain.status == embedded.status == 200
    assert plain.headers["ETag"] == embedded.headers["ETag"] == '"1"'
    assert (await embedded.json())["author"] == author_row(1)
    tag = {"If-None-Match": '"1"'}
    assert (await client.get("/books/1", headers=tag)).status == 304
    again = await client.get("/books/1", params={"embed": "author"}, headers={**tag, **ADMIN})
    assert again.status == 200
    assert (await again.json())["author"]["name"] == "Ada"
    hidden = await get_json(client, "/books/6", params={"embed": "author"})  # Cy's book, Cy private
    assert hidden["author"] is None


async def test_validated_responses_and_served_document(serve_db):
    """With validate_responses the embedded answers pass the checks; the served document names
    the shapes: one component per relation set, nullable where a row may be absent."""
    client = await seeded(serve_db, validate_responses=True)
    for path, params in (("/books", {"embed": "author,editor,publisher"}), ("/authors", {"embed": "books,edited"}),
                         ("/books/6", {"embed": "author"}), ("/books", {"fields": "title,author.name"})):  # fmt: skip
        await get_json(client, path, params=params)
    served = await get_json(client, "/openapi.json")
    schemas = served["components"]["schemas"]
    items = served["paths"]["/books"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert items == {"$ref": "#/components/schemas/BookWithAuthorAndEditorAndPublisher"}
    listed = schemas["BookWithAuthorAndEditorAndPublisher"]
    assert "x-table" not in listed
    assert listed["additionalProperties"] is False
    author = listed["properties"]["author"]
    assert author["allOf"] == [{"$ref": "#/components/schemas/Author"}]
    assert author["nullable"] is True
    publisher = listed["properties"]["publisher"]  # required reference, plain view: never null
    assert publisher["allOf"] == [{"$ref": "#/components/schemas/Publisher"}]
    assert "nullable" not in publisher
    one = served["paths"]["/books/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert one == {"$ref": "#/components/schemas/BookWithAuthorAndPublisher"}
    books = schemas["AuthorWithBooksAndEdited"]["properties"]["books"]
    assert books["items"] == {"$ref": "#/components/schemas/Book"}
    assert books["maxItems"] == 3
    embed = next(p for p in served["paths"]["/books"]["get"]["parameters"] if p.get("name") == "embed")
    assert embed["schema"]["items"]["enum"] == ["author", "editor", "publisher"]
    # the table's own schema stays what it was: requests and other answers use it
    assert "author" not in schemas["Book"]["properties"]
    assert schemas["Book"]["x-table"]["name"] == "embed_books"


# --- start-up errors -----------------------------------------------------------------------------


def _document() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load((SPECS / SPEC).read_text()))


def _load(spec: dict[str, Any]) -> str:
    with pytest.raises(InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), spec, datastore="sqlite:///unused.sqlite")
    return str(raised.value)


@pytest.mark.parametrize(
    ("embed", "message"),
    [
        ({"author": "Nobody"}, "'Nobody' is not a schema with x-table"),
        ({"author": "Author"}, "several references fit (to-one through author_id, to-one through editor_id)"),
        ({"author": {"schema": "Author", "column": "title"}}, "no reference between embed_books and embed_authors"),
        ({"author": {"schema": "Author", "column": "author_id", "limit": 3}}, "limit is for to-many relations"),
        ({"title": "Author"}, "Book has a property of that name"),
        ({"two words": "Author"}, "a plain identifier"),
        ({"author": {"schema": "Author", "colum": "author_id"}}, "unknown key(s) colum"),
        ([], "embed must map relation names"),
    ],
)
def test_declaration_mistakes(embed: Any, message: str) -> None:
    spec = _document()
    spec["paths"]["/books"]["x-resource"]["embed"] = embed
    text = _load(spec)
    assert message in text, text
    assert "#/paths/~1books" in text, text


def test_more_declaration_mistakes() -> None:
    spec = _document()
    spec["paths"]["/authors"]["x-resource"]["embed"]["books"]["order_by"] = "password"
    assert "order_by 'password' is not a sortable column of embed_books" in _load(spec)
    spec = _document()
    spec["components"]["schemas"]["Book"]["properties"]["author_id"]["writeOnly"] = True
    spec["paths"]["/books"]["get"]["parameters"] = [
        p for p in spec["paths"]["/books"]["get"]["parameters"] if "author." not in str(p.get("name"))
    ]
    assert "embed_books.author_id is writeOnly" in _load(spec)
    spec = _document()
    spec["paths"]["/authors"]["get"]["parameters"].append(
        {"name": "books.title", "in": "query", "schema": {"type": "string"}}
    )
    assert "filters reach members of to-one relations only (books is to-many)" in _load(spec)
    spec = _document()
    spec["paths"]["/books"]["get"]["parameters"].append(
        {"name": "author.password", "in": "query", "schema": {"type": "string"}}
    )
    assert "filters on writeOnly property 'password'" in _load(spec)
    spec = _document()
    del spec["paths"]["/books/{id}"]["x-resource"]["embed"]
    assert "query parameter 'embed' needs x-resource embed" in _load(spec)
    spec = _document()
    spec["paths"]["/books"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "object"}
    assert "the 200 answer's schema must be an array of rows" in _load(spec)


SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "pets and owners", "version": "1"},
    "paths": {
        "/pets": {
            "x-resource": {"schema": "Pet", "embed": {"owner": "Owner"}},
            "get": {
                "parameters": [
                    {"name": "embed", "in": "query", "type": "array", "items": {"type": "string"}},
                ],
                "responses": {
                    "200": {"description": "pets", "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}}}
                },
            },
            "post": {
                "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}],
                "responses": {"201": {"description": "created", "schema": {"$ref": "#/definitions/Pet"}}},
            },
        },
        "/owners": {
            "x-resource": "Owner",
            "post": {
                "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Owner"}}],
                "responses": {"201": {"description": "created", "schema": {"$ref": "#/definitions/Owner"}}},
            },
        },
    },
    "definitions": {
        "Owner": {
            "type": "object",
            "x-table": "embed_swagger_owners",
            "additionalProperties": False,
            "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
        },
        "Pet": {
            "type": "object",
            "x-table": "embed_swagger_pets",
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "readOnly": True},
                "name": {"type": "string"},
                "owner_id": {"type": "integer", "x-column": {"references": "embed_swagger_owners.id"}},
            },
        },
    },
}


async def test_swagger_2_documents_embed_too(serve_db):
    client = await serve_db(SWAGGER, validate_responses=True)
    assert (await client.post("/owners", json={"name": "Ann"})).status == 201
    assert (await client.post("/pets", json={"name": "Rex", "owner_id": 1})).status == 201
    assert (await client.post("/pets", json={"name": "Stray"})).status == 201
    pets = await get_json(client, "/pets", params={"embed": "owner"})
    assert pets == [
        {"id": 1, "name": "Rex", "owner_id": 1, "owner": {"id": 1, "name": "Ann"}},
        {"id": 2, "name": "Stray", "owner": None},
    ]
    served = await get_json(client, "/swagger.json")
    answer = served["paths"]["/pets"]["get"]["responses"]["200"]["schema"]
    assert answer == {"type": "array", "items": {"$ref": "#/definitions/PetWithOwner"}}
    owner = served["definitions"]["PetWithOwner"]["properties"]["owner"]
    assert owner["allOf"] == [{"$ref": "#/definitions/Owner"}]
    assert owner["x-nullable"] is True
    embed = served["paths"]["/pets"]["get"]["parameters"][0]
    assert embed["items"]["enum"] == ["owner"]


async def test_a_missing_row_that_cannot_be_null_leaves_its_parent_out(serve_db, datastore):
    """A book whose publisher row is not there (its foreign key not enforced when it was
    written): the served schema says a publisher is never null, so the book is left out rather
    than answered with a null; its item is a 404 with embed=publisher."""
    client = await seeded(serve_db)
    database = client.app[DATABASE]
    lost = "INSERT INTO embed_books (title, publisher_id, version) VALUES ('lost', 99, 1)"
    if database.is_postgresql:
        async with database.transaction() as conn:
            await conn.execute(sa.text("SET LOCAL session_replication_role = replica"))  # no FK triggers
            await conn.execute(sa.text(lost))
    else:
        with sqlite3.connect(datastore.removeprefix("sqlite:///")) as raw:  # foreign keys off by default
            raw.execute(lost)
    titles = [book["title"] for book in await get_json(client, "/books", params={"limit": "20"})]
    assert titles[-1] == "lost"
    embedded = await get_json(client, "/books", params={"limit": "20", "embed": "publisher,author"})
    assert [book["title"] for book in embedded] == titles[:-1]
    assert (await client.get("/books/8")).status == 200
    assert (await client.get("/books/8", params={"embed": "author"})).status == 200  # author may be null
    response = await client.get("/books/8", params={"embed": "publisher"})
    assert response.status == 404


NODE = {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
TREE = {
    "openapi": "3.0.3",
    "info": {"title": "a table that refers to itself", "version": "1"},
    "paths": {
        "/nodes": {
            "x-resource": {
                "schema": "Node",
                "embed": {
                    "parent": {"schema": "Node", "column": "parent_id", "many": False},
                    "children": {"schema": "Node", "column": "parent_id", "many": True, "limit": 2},
                },
            },
            "get": {
                "parameters": [
                    {"name": "embed", "in": "query", "style": "form", "explode": False,
                     "schema": {"type": "array", "items": {"type": "string"}}},
                    {"name": "parent.name", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "nodes", "content": {"application/json": {"schema": NODE}}}},
            },
            "post": {
                "requestBody": {"content": {"application/json": {"schema": NODE}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {"schema": NODE}}}},
            },
        }
    },
    "components": {
        "schemas": {
            "Node": {
                "type": "object",
                "x-table": "embed_nodes",
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string"},
                    "parent_id": {"type": "integer", "nullable": True, "x-column": {"references": "embed_nodes.id"}},
                },
            }
        }
    },
}  # fmt: skip


async def test_a_table_that_refers_to_itself(serve_db):
    """``many`` tells the two directions of one self-reference apart: a node's parent and its
    children (at most two), and a filter on the parent's name."""
    client = await serve_db(TREE, validate_responses=True)
    nodes = [{"name": "root"}, {"name": "a", "parent_id": 1}, {"name": "b", "parent_id": 1},
             {"name": "c", "parent_id": 1}, {"name": "a1", "parent_id": 2}]  # fmt: skip
    assert (await client.post("/nodes", json=nodes)).status == 201
    tree = await get_json(client, "/nodes", params={"embed": "parent,children"})
    shown = {node["name"]: ((node["parent"] or {}).get("name"), [c["name"] for c in node["children"]]) for node in tree}
    assert shown == {"root": (None, ["a", "b"]), "a": ("root", ["a1"]), "b": ("root", []), "c": ("root", []),
                     "a1": ("a", [])}  # fmt: skip
    under_root = await get_json(client, "/nodes", params={"parent.name": "root"})
    assert [node["name"] for node in under_root] == ["a", "b", "c"]
    spec = copy.deepcopy(TREE)
    del spec["paths"]["/nodes"]["x-resource"]["embed"]["parent"]["many"]
    with pytest.raises(InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), spec, datastore="sqlite:///unused.sqlite")
    assert "several references fit (to-one through parent_id, to-many through parent_id)" in str(raised.value)
