"""RestyResolver targets: /pets and /pets/{petId}."""


async def search() -> list:
    return [{"resty": "search"}]


async def post() -> tuple:
    return {"resty": "post"}, 201


async def get(petId: int) -> dict:
    return {"resty": "get", "petId": petId}


async def delete(petId: int) -> tuple:
    return None, 204
