"""A Connexion 3 application, written as Connexion's documentation teaches, and served by
openapi_aio unchanged with Connexion not installed (tests/compat/test_connexion_app.py)."""

import os
from pathlib import Path

import connexion
from connexion import NoContent, context, problem, request
from connexion.exceptions import OAuthProblem, ProblemException
from connexion.lifecycle import ConnexionResponse
from connexion.resolver import MethodViewResolver
from werkzeug.exceptions import Unauthorized

KEYS = {"key-ada": {"sub": "ada"}, "key-uid": {"uid": 7}}
PETS = {1: {"id": 1, "name": "rex"}}


def apikey_auth(token, required_scopes):
    info = KEYS.get(token)
    if not info:
        raise OAuthProblem("Invalid token")
    return info


def bearer_auth(token):
    if token != "good-token":
        raise Unauthorized("bad token")
    return {"sub": "bea"}


def get_secret(user):
    return {"user": user, "header": request.headers["X-Auth"], "context_user": context["user"]}


def whoami(user, token_info):
    return {"user": user, "token_info": token_info}


def get_pet(pet_id):
    if pet_id not in PETS:
        return problem(404, "Not Found", f"no pet {pet_id}", ext={"pet_id": pet_id})
    return PETS[pet_id]


def delete_pet(pet_id):
    if PETS.pop(pet_id, None) is None:
        return NoContent, 404
    return NoContent, 204


def conflict():
    raise ProblemException(status=409, title="Conflict", detail="taken", instance="/pets/1", ext={"pet_id": 1})


def lookup(key):
    return {"value": {"a": 1}[key]}


def key_error(request, exception):
    return ConnexionResponse(status_code=422, body={"missing": exception.args[0]})


async def not_found(request, exception):
    return problem(404, "Nothing here", f"{request.path} is not a page of this API")


app = connexion.App(__name__, specification_dir="spec")
app.add_error_handler(KeyError, key_error)
app.add_error_handler(404, not_found)
app.add_api("openapi.yaml")
app.add_api(
    "views.yaml",
    resolver=MethodViewResolver("views", class_arguments={"PetsView": {"kwargs": {"pets": PETS}}}),
)


if __name__ == "__main__":
    app.run(f"{Path(__file__).stem}:app", port=int(os.environ["PORT"]))
