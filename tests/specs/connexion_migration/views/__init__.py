"""Class-based views, as Connexion's MethodViewResolver example writes them (with Flask's
``MethodView``, which openapi_aio stands in for when Flask is not installed)."""

from flask.views import MethodView


def counted(function):
    """A view decorator (Flask's ``decorators``): marks every answer."""

    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        return (result, 200, {"X-Decorated": "yes"}) if isinstance(result, dict | list) else result

    return wrapper


class PetsView(MethodView):
    decorators = [counted]  # noqa: RUF012 - as Flask views write it

    def __init__(self, pets=None):
        self.pets = pets if pets is not None else {}

    def get(self, petId=None, limit=100):
        if petId is None:
            return list(self.pets.values())[:limit]
        if petId not in self.pets:
            return "no such pet", 404
        return self.pets[petId]

    def post(self, body):
        pet = {"id": max(self.pets, default=0) + 1, "name": body["name"]}
        self.pets[pet["id"]] = pet
        return pet, 201


class BrokenView(MethodView):
    def get(self, identifier):  # the operation supplies petId: Connexion starts, and answers 500
        return identifier
