"""A Connexion 3 application runs unchanged, with Connexion not installed: started in a real
process by the documented one-liner and by ``openapi-aio run``, and asked over real HTTP.

tests/specs/connexion_migration/app.py is written as Connexion's documentation teaches
(``import connexion``, ``NoContent``, ``problem``, ``request``, ``context``, an ``OAuthProblem``
raised in an info function, ``app.run("app:app")`` under ``if __name__ == "__main__"``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from conftest import SPECS
from helpers import free_port
from processes import start, stop

APP = SPECS / "connexion_migration"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("connexion") is not None, reason="Connexion is installed: nothing to stand in for"
)


@pytest.fixture
def script_server() -> Iterator[str]:
    """``python -m openapi_aio.compat app.py``: the app's own ``app.run("app:app", port=...)``."""
    port = free_port()
    process = start([sys.executable, "-m", "openapi_aio.compat", "app.py"], port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


async def test_the_script_runs_unchanged(script_server: str) -> None:
    base = script_server
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/api/secret", headers={"X-Auth": "key-ada"}) as response:
            assert response.status == 200
            # user from the info function's sub; connexion.request and connexion.context work
            assert await response.json() == {"user": "ada", "header": "key-ada", "context_user": "ada"}

        # OAuthProblem raised in the info function: a 401 problem with its detail
        async with http.get(f"{base}/api/secret", headers={"X-Auth": "nope"}) as response:
            assert response.status == 401
            assert response.content_type == "application/problem+json"
            body = await response.json()
            assert body["detail"] == "Invalid token"
            assert body["status"] == 401

        # werkzeug's Unauthorized raised in a bearer info function: a 401 problem, not a 500
        async with http.get(f"{base}/api/whoami", headers={"Authorization": "Bearer bad"}) as response:
            assert response.status == 401
            assert response.content_type == "application/problem+json"
            assert (await response.json())["detail"] == "bad token"
        async with http.get(f"{base}/api/whoami", headers={"Authorization": "Bearer good-token"}) as response:
            assert await response.json() == {"user": "bea", "token_info": {"sub": "bea"}}

        # connexion.problem(...) returned by a handler
        async with http.get(f"{base}/api/pets/9") as response:
            assert response.status == 404
            assert response.content_type == "application/problem+json"
            assert await response.json() == {
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": "no pet 9",
                "pet_id": 9,
            }

        # ProblemException with Connexion's keywords
        async with http.post(f"{base}/api/conflict") as response:
            assert response.status == 409
            body = await response.json()
            assert (body["detail"], body["instance"], body["pet_id"]) == ("taken", "/pets/1", 1)

        # add_error_handler: an exception class, and a status
        async with http.get(f"{base}/api/lookup/a") as response:
            assert await response.json() == {"value": 1}
        async with http.get(f"{base}/api/lookup/b") as response:
            assert response.status == 422
            assert await response.json() == {"missing": "b"}
        async with http.get(f"{base}/api/nothing/here") as response:
            assert response.status == 404
            assert (await response.json())["title"] == "Nothing here"

        # NoContent
        async with http.delete(f"{base}/api/pets/1") as response:
            assert response.status == 204
            assert await response.read() == b""
        async with http.delete(f"{base}/api/pets/1") as response:
            assert response.status == 404


async def test_class_based_views_and_unusable_handlers(script_server: str) -> None:
    """MethodViewResolver with Flask's MethodView (stood in for), its decorators and
    class_arguments; a view that cannot take its operation's arguments answers 500 while the
    rest is served, as with Connexion."""
    base = f"{script_server}/views"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/pets", json={"name": "tom"}) as response:
            assert response.status == 201
            created = await response.json()
        async with http.get(f"{base}/pets/{created['id']}") as response:
            assert response.status == 200
            assert response.headers["X-Decorated"] == "yes"
            assert await response.json() == created
        async with http.get(f"{base}/pets", params={"limit": "5"}) as response:
            names = [pet["name"] for pet in await response.json()]
            assert "tom" in names  # the pets dict given by class_arguments, shared by every request
        async with http.get(f"{base}/pets/99") as response:
            assert response.status == 404
        async with http.get(f"{base}/broken/1") as response:
            assert response.status == 500
            assert response.content_type == "application/problem+json"


async def test_openapi_aio_run_serves_the_handlers_unchanged() -> None:
    """``openapi-aio run spec/openapi.yaml`` installs the alias too; connexion.request works."""
    port = free_port()
    command = [sys.executable, "-m", "openapi_aio", "run", "spec/openapi.yaml", "--port", str(port)]
    process = start(command, port)
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{port}/api"
            async with http.get(f"{base}/secret", headers={"X-Auth": "key-ada"}) as response:
                assert (await response.json())["header"] == "key-ada"
            async with http.get(f"{base}/secret", headers={"X-Auth": "nope"}) as response:
                assert response.status == 401
                assert (await response.json())["detail"] == "Invalid token"
            async with http.get(f"{base}/whoami", headers={"Authorization": "Bearer bad"}) as response:
                assert response.status == 401
    finally:
        stop(process)


def run_python(code: str, *, cwd: Path, pythonpath: Path | None = None) -> str:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_an_installed_connexion_is_never_shadowed(tmp_path: Path) -> None:
    fake = tmp_path / "site" / "connexion"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("WHICH = 'the installed one'\n")
    (fake / "exceptions.py").write_text("WHICH = 'the installed exceptions'\n")
    code = (
        "from openapi_aio.compat import install\n"
        "aliased = install()\n"
        "import connexion, connexion.exceptions\n"
        "print('connexion' in aliased, connexion.WHICH, connexion.exceptions.WHICH)\n"
    )
    assert run_python(code, cwd=tmp_path, pythonpath=tmp_path / "site") == (
        "False the installed one the installed exceptions"
    )
    # the one-liner and openapi-aio run leave it alone too
    script = tmp_path / "script.py"
    script.write_text("import connexion\nprint(connexion.WHICH)\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run(
        [sys.executable, "-m", "openapi_aio.compat", str(script)], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "the installed one"


def test_without_the_alias_connexion_is_not_importable(tmp_path: Path) -> None:
    """The alias is opt-in: importing openapi_aio (or its compat package) installs nothing."""
    code = (
        "import importlib.util, openapi_aio, openapi_aio.compat\n"
        "print(importlib.util.find_spec('connexion'), openapi_aio.compat.active_aliases())\n"
    )
    assert run_python(code, cwd=tmp_path) == "None []"


@pytest.mark.skipif(importlib.util.find_spec("flask") is not None, reason="Flask is installed")
def test_flask_is_stood_in_for_only_in_connexion_applications(tmp_path: Path) -> None:
    code = (
        "import importlib.util\n"
        "from openapi_aio.compat import install\n"
        "install()\n"
        "before = importlib.util.find_spec('flask')\n"
        "import connexion\n"
        "from flask.views import MethodView\n"
        "try:\n"
        "    from flask import request\n"
        "except ImportError as error:\n"
        "    print(before, MethodView.__module__, 'connexion.request' in str(error))\n"
    )
    assert run_python(code, cwd=tmp_path) == "None openapi_aio.compat.flask.views True"


def test_the_alias_gives_one_module_per_name(tmp_path: Path) -> None:
    """``connexion.exceptions`` is the stand-in's module itself, so its classes are the ones the
    pipeline knows: an OAuthProblem is openapi_aio's Unauthorized."""
    code = (
        "from openapi_aio.compat import install\n"
        "install()\n"
        "import connexion.exceptions as a, openapi_aio.compat.connexion.exceptions as b, openapi_aio\n"
        "print(a is b, issubclass(a.OAuthProblem, openapi_aio.Unauthorized), a.OAuthProblem('x').status)\n"
    )
    assert run_python(code, cwd=tmp_path) == "True True 401"
