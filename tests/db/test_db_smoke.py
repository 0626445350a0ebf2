from conftest import document

SPEC = document(
    {
        "/smoke": {
            "x-resource": "Smoke",
            "get": {"responses": {"200": {"description": "rows"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Smoke"}}}},
                "responses": {"201": {"description": "created"}},
            },
        }
    },
    components={
        "schemas": {
            "Smoke": {
                "type": "object",
                "x-table": "smoke",
                "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
            }
        }
    },
)


async def test_create_then_list(serve_db):
    client = await serve_db(SPEC)
    response = await client.post("/smoke", json={"name": "a"})
    assert response.status == 201, await response.text()
    response = await client.get("/smoke")
    assert await response.json() == [{"id": 1, "name": "a"}]
