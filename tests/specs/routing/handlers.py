"""Handlers for tests/pipeline/test_routing.py."""


async def show_pet(petId: int) -> dict:
    return {"handler": "show_pet", "petId": petId}


async def mine() -> dict:
    return {"handler": "mine"}


async def create_pet() -> tuple[dict, int]:
    return {"handler": "create_pet"}, 201


async def list_pets() -> list:
    return []


async def file(name: str, ext: str) -> dict:
    return {"name": name, "ext": ext}


async def root() -> dict:
    return {"handler": "root"}
