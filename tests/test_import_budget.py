"""What start-up imports, checked by module name, not by time (docs/performance.md, "Start-up").

Each case runs in a fresh interpreter and lists the modules it ended up with. Heavy packages load
only where the feature that needs them is used: SQLAlchemy and alembic for a document with
``x-table``, jsonschema to explain a document that fails the fast check, PyYAML for a YAML
document, click for a command line, the mock, model and websocket machinery in their modes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"sqlalchemy", "alembic", "jsonschema", "referencing", "sentry_sdk", "yaml", "click", "asyncpg", "redis"}
HEAVY |= {"prometheus_client"}  # metrics=True / METRICS=1 only
HEAVY |= {"opentelemetry"}  # opentelemetry=True / OTEL=1 only
# the parts of openapi_aio that a plain service (handlers, no mock, models or database) never needs
OPTIONAL = (
    "openapi_aio.client",
    "openapi_aio.db",
    "openapi_aio.endpoints.examples",
    "openapi_aio.endpoints.mock",
    "openapi_aio.models.codegen",
    "openapi_aio.models.compile",
    "openapi_aio.service.commands",
    "openapi_aio.ws",
)
PLAIN = {
    "openapi": "3.0.3",
    "info": {"title": "plain", "version": "1"},
    "paths": {
        "/items/{id}": {
            "get": {
                "operationId": "handlers.get_item",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                    }
                },
            }
        }
    },
    "components": {"schemas": {"Item": {"type": "object", "properties": {"name": {"type": "string"}}}}},
}


def loaded_after(code: str, cwd: Path = ROOT) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    listing = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{listing}"], cwd=cwd, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted({name.split(".")[0] for name in modules} & HEAVY)


def optional(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.startswith(OPTIONAL))


def test_importing_the_package_loads_neither_aiohttp_nor_the_compiler():
    modules = loaded_after("import openapi_aio; openapi_aio.NotFound; openapi_aio.Options")
    assert heavy(modules) == []
    assert "aiohttp" not in modules
    assert sorted(name for name in modules if name.startswith("openapi_aio.")) == [
        "openapi_aio.__about__",
        "openapi_aio.errors",
        "openapi_aio.options",
    ]


def test_the_public_names_load_on_first_use():
    modules = loaded_after("from openapi_aio import App, setup, load_spec, NoContent, UploadedFile, RestyResolver")
    assert heavy(modules) == []
    assert optional(modules) == []


@pytest.fixture
def plain_service(tmp_path: Path) -> Path:
    (tmp_path / "openapi.json").write_text(json.dumps(PLAIN))
    (tmp_path / "handlers.py").write_text("async def get_item(id):\n    return {'name': str(id)}\n")
    return tmp_path


def test_serving_a_plain_json_document_loads_only_what_it_uses(plain_service: Path):
    code = "import sys; sys.path.insert(0, '.'); from openapi_aio import App; App().add_api('openapi.json')"
    modules = loaded_after(code, cwd=plain_service)
    assert heavy(modules) == []
    assert optional(modules) == []


def test_a_yaml_document_loads_yaml_and_nothing_else_heavy(plain_service: Path):
    (plain_service / "openapi.yaml").write_text(json.dumps(PLAIN))  # JSON is YAML
    code = "import sys; sys.path.insert(0, '.'); from openapi_aio import App; App().add_api('openapi.yaml')"
    assert heavy(loaded_after(code, cwd=plain_service)) == ["yaml"]


def test_mock_mode_loads_the_example_generator(plain_service: Path):
    code = "from openapi_aio import App; App(mock='all').add_api('openapi.json')"
    modules = loaded_after(code, cwd=plain_service)
    assert heavy(modules) == []
    assert "openapi_aio.endpoints.mock" in modules


def test_a_document_with_tables_loads_sqlalchemy_at_setup(tmp_path: Path):
    modules = loaded_after("import openapi_aio; openapi_aio.load_spec('example_app/openapi.yaml')")
    assert "sqlalchemy" not in modules  # reading the document is not setting it up
    datastore = f"sqlite:///{tmp_path}/example.sqlite"
    code = f"import sys; sys.path.insert(0, 'example_app'); import main; main.create_app({datastore!r})"
    assert "sqlalchemy" in loaded_after(code)


def test_the_command_lines_answer_help_without_the_server():
    modules = loaded_after("from openapi_aio.service.cli import main")
    assert "aiohttp" not in modules
    assert heavy(modules) == ["click"]
    for command in (
        [sys.executable, "-m", "openapi_aio", "--help"],
        [sys.executable, "example_app/main.py", "--help"],
    ):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        assert "Commands:" in result.stdout
    code = "import sys; sys.argv = ['main.py', '--help']; sys.path.insert(0, 'example_app'); import runpy\n"
    code += "try:\n    runpy.run_path('example_app/main.py', run_name='__main__')\nexcept SystemExit:\n    pass"
    modules = loaded_after(code)  # the example's --help: the service is made when a command runs
    assert "sqlalchemy" not in modules
    assert "tasks.api" not in modules  # nor its handlers (the document was not read)
    assert [name for name in optional(modules) if not name.startswith("openapi_aio.service.commands")] == []


def test_the_pytest_plugin_costs_other_projects_nothing_until_used():
    """openapi_aio.testing is a pytest plugin of every project that installs openapi-aio: loading
    it (as pytest does at start) brings in no aiohttp, client or application machinery."""
    before = loaded_after("import pytest")
    added = loaded_after("import pytest, openapi_aio.testing") - before
    assert not {name for name in added if name.split(".")[0] in {"aiohttp", "yarl", "multidict", *HEAVY}}
    assert not {name for name in added if name.startswith(("openapi_aio.client", "openapi_aio.service"))}
