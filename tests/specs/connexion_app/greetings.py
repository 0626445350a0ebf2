"""Handlers in Connexion's style: plain sync functions, (body, status) tuples, NoContent."""

try:  # Connexion users import NoContent from connexion; either works here.
    from connexion import NoContent
except ImportError:
    from openapi_aio import NoContent

PETS = {}


def post_greeting(name):
    return f"Hello {name}"


def get_pets(limit, animal_type=None):
    return [pet for pet in PETS.values() if animal_type is None or pet["animal_type"] == animal_type][:limit]


def get_pet(pet_id):
    pet = PETS.get(pet_id)
    return pet or ("Not found", 404)


def put_pet(pet_id, pet):
    exists = pet_id in PETS
    pet["id"] = pet_id
    PETS[pet_id] = pet
    return NoContent, (200 if exists else 201)


def delete_pet(pet_id):
    if pet_id in PETS:
        del PETS[pet_id]
        return NoContent, 204
    return NoContent, 404
