"""Time from process start to the first 200 answer of ``openapi-aio run`` (issue 17, item 3).

    python dev/startup_check.py [--runs 5] [--operations 500] [--github] [--keep DIR]

Writes a realistic document of ``--operations`` operations into a temporary folder: 50 resources
(``/r{n}``), each with list, create, read, replace, patch, delete, history, an action, a child
item and its tags, with path, query and header parameters (some shared through
``components/parameters``), JSON request bodies, and ``$ref``'d schemas (per resource an item, an
input and a page schema, all using shared ``Money``, ``Address``, ``Tag`` and ``Problem``
schemas), plus shared ``components/responses``. A handler module beside it has one function per
operation, bound by ``operationId``. The script starts ``openapi-aio run`` on it (the same Python
as this script), asks ``GET /r0?limit=5`` every few milliseconds and reports the seconds until the
first 200, best of ``--runs``, and the server's CPU time by then (least of the runs): on a
machine busy with other jobs the wall time grows with them, the CPU time much less.

With ``--github``, the same for the GitHub REST description in ``../shared/specs`` (13 MB, 1,223
operations) served with ``--mock all``, asking ``GET /`` (GitHub's root endpoint), whose answer
comes from the document's example.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
GITHUB = HERE.parents[1] / "shared" / "specs" / "github" / "api.github.com.json"
CLI = Path(sys.executable).with_name("openapi-aio")
PORT = 18611
RESOURCES = 50


def _schemas(n: int) -> dict[str, dict]:
    ref = f"#/components/schemas/Widget{n}"
    return {
        f"Widget{n}": {
            "type": "object",
            "required": ["id", "name", "state"],
            "properties": {
                "id": {"type": "integer", "format": "int64", "minimum": 1, "readOnly": True},
                "name": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": "^[A-Za-z0-9 _-]+$"},
                "state": {"type": "string", "enum": ["draft", "active", "archived"]},
                "price": {"$ref": "#/components/schemas/Money"},
                "address": {"$ref": "#/components/schemas/Address"},
                "tags": {"type": "array", "maxItems": 20, "uniqueItems": True,
                         "items": {"$ref": "#/components/schemas/Tag"}},
                "created": {"type": "string", "format": "date-time", "readOnly": True},
                "due": {"type": "string", "format": "date", "nullable": True},
                "parent": {"type": "integer", "nullable": True},
                "attributes": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 200}},
            },
        },
        f"Widget{n}Input": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 80},
                "state": {"type": "string", "enum": ["draft", "active"], "default": "draft"},
                "price": {"$ref": "#/components/schemas/Money"},
                "address": {"$ref": "#/components/schemas/Address"},
                "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                "due": {"type": "string", "format": "date"},
            },
        },
        f"Widget{n}Page": {
            "type": "object",
            "required": ["items", "total"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": ref}},
                "total": {"type": "integer", "minimum": 0},
                "next": {"type": "string", "format": "uri", "nullable": True},
            },
        },
    }  # fmt: skip


SHARED_SCHEMAS = {
    "Money": {
        "type": "object",
        "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "number", "minimum": 0, "multipleOf": 0.01},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    },
    "Address": {
        "type": "object",
        "properties": {
            "street": {"type": "string", "maxLength": 120},
            "city": {"type": "string", "maxLength": 80},
            "postcode": {"type": "string", "pattern": "^[0-9A-Z -]{3,10}$"},
            "country": {"type": "string", "minLength": 2, "maxLength": 2},
            "email": {"type": "string", "format": "email"},
        },
    },
    "Tag": {"type": "string", "minLength": 1, "maxLength": 30, "pattern": "^[a-z0-9-]+$"},
    "Problem": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    },
}
SHARED_PARAMETERS = {
    "Limit": {"name": "limit", "in": "query",
              "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
    "Offset": {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
    "Tenant": {"name": "X-Tenant", "in": "header", "schema": {"type": "string", "maxLength": 40}},
    "Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
}  # fmt: skip
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
SHARED_RESPONSES = {
    "BadRequest": {"description": "invalid request", "content": PROBLEM},
    "NotFound": {"description": "no such item", "content": PROBLEM},
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _ok(schema: dict, status: str = "200") -> dict:
    return {
        status: {"description": "ok", "content": _json(schema)},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "404": {"$ref": "#/components/responses/NotFound"},
    }


def _operations(n: int) -> tuple[dict[str, dict], list[tuple[str, list[str]]]]:
    """The paths of resource ``n`` and its handlers: (name, keyword arguments)."""
    item, page = {"$ref": f"#/components/schemas/Widget{n}"}, {"$ref": f"#/components/schemas/Widget{n}Page"}
    body = {"required": True, "content": _json({"$ref": f"#/components/schemas/Widget{n}Input"})}
    p = {name: {"$ref": f"#/components/parameters/{name}"} for name in SHARED_PARAMETERS}
    sort = {
        "name": "sort",
        "in": "query",
        "schema": {"type": "string", "enum": ["name", "-name", "created", "-created"]},
    }
    query = {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}}
    states = {
        "name": "state",
        "in": "query",
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": {"type": "string", "enum": ["draft", "active", "archived"]}},
    }
    since = {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}
    child = {"name": "child_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    reason = {
        "required": True,
        "content": _json(
            {
                "type": "object",
                "required": ["reason"],
                "properties": {"reason": {"type": "string", "maxLength": 500}, "notify": {"type": "boolean"}},
            }
        ),
    }
    tags = {"required": True, "content": _json({"type": "array", "items": {"$ref": "#/components/schemas/Tag"}})}
    m = f"handlers.r{n}_"
    paths = {
        f"/r{n}": {
            "parameters": [p["Tenant"]],
            "get": {"operationId": m + "list", "parameters": [p["Limit"], p["Offset"], sort, query, states],
                    "responses": _ok(page)},
            "post": {"operationId": m + "create", "requestBody": body, "responses": _ok(item, "201")},
        },
        f"/r{n}/{{id}}": {
            "parameters": [p["Id"]],
            "get": {"operationId": m + "read", "responses": _ok(item)},
            "put": {"operationId": m + "replace", "requestBody": body, "responses": _ok(item)},
            "patch": {"operationId": m + "patch", "requestBody": body, "responses": _ok(item)},
            "delete": {"operationId": m + "delete", "responses": {"204": {"description": "deleted"}}},
        },
        f"/r{n}/{{id}}/history": {
            "get": {"operationId": m + "history", "parameters": [p["Id"], p["Limit"], since], "responses": _ok(page)},
        },
        f"/r{n}/{{id}}/archive": {
            "post": {"operationId": m + "archive", "parameters": [p["Id"]], "requestBody": reason,
                     "responses": _ok(item)},
        },
        f"/r{n}/{{id}}/children/{{child_id}}": {
            "get": {"operationId": m + "child", "parameters": [p["Id"], child], "responses": _ok(item)},
        },
        f"/r{n}/{{id}}/tags": {
            "put": {"operationId": m + "tags", "parameters": [p["Id"]], "requestBody": tags,
                    "responses": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Tag"}})},
        },
    }  # fmt: skip
    handlers = [
        (f"r{n}_list", ["XTenant=None", "limit=20", "offset=0", "sort=None", "q=None", "state=None"]),
        (f"r{n}_create", ["body", "XTenant=None"]),
        (f"r{n}_read", ["id"]),
        (f"r{n}_replace", ["id", "body"]),
        (f"r{n}_patch", ["id", "body"]),
        (f"r{n}_delete", ["id"]),
        (f"r{n}_history", ["id", "limit=20", "since=None"]),
        (f"r{n}_archive", ["id", "body"]),
        (f"r{n}_child", ["id", "child_id"]),
        (f"r{n}_tags", ["id", "body"]),
    ]
    return paths, handlers


def generated_document(resources: int = RESOURCES) -> tuple[dict, str]:
    """The document (10 operations per resource) and the source of its handler module."""
    paths: dict[str, dict] = {}
    schemas = dict(SHARED_SCHEMAS)
    lines = ['"""Handlers of the generated start-up document (dev/startup_check.py)."""', ""]
    for n in range(resources):
        resource_paths, handlers = _operations(n)
        paths.update(resource_paths)
        schemas.update(_schemas(n))
        for name, arguments in handlers:
            answer = "None, 204" if name.endswith("_delete") else (
                '{"items": [], "total": 0}' if name.endswith(("_list", "_history")) else
                "body" if name.endswith("_tags") else '{"id": 1, "name": "a", "state": "draft"}'
            )  # fmt: skip
            lines += ["", f"async def {name}({', '.join(arguments)}):", f"    return {answer}", ""]
    document = {
        "openapi": "3.0.3",
        "info": {"title": "start-up check", "version": "1.0"},
        "paths": paths,
        "components": {"schemas": schemas, "parameters": SHARED_PARAMETERS, "responses": SHARED_RESPONSES},
    }
    return document, "\n".join(lines)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process ``pid`` has used (Linux; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_answer(command: list[str], url: str, cwd: Path, timeout: float = 60.0) -> tuple[float, float]:
    """Seconds from starting ``command`` until ``url`` answers 200, and the server's CPU seconds
    by then (on a busy machine the first grows with the other jobs, the second much less)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.perf_counter() - start < timeout:
            if process.poll() is not None:
                raise SystemExit(f"the server stopped: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - start, cpu_seconds(process.pid)
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.003)
        raise SystemExit(f"no 200 from {url} within {timeout} s")
    finally:
        process.terminate()
        process.wait(10)


def report(label: str, runs: int, command: list[str], url: str, cwd: Path) -> None:
    results = sorted(first_answer(command, url, cwd) for _ in range(runs))
    walls = ", ".join(f"{wall:.3f}" for wall, _ in results)
    cpu = min(cpu for _, cpu in results)
    print(f"{label}: first 200 after {results[0][0]:.3f} s (best of {runs}; all {walls}); server CPU {cpu:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resources", type=int, default=RESOURCES, help="10 operations each")
    parser.add_argument("--github", action="store_true", help="also the GitHub REST description, mocked")
    parser.add_argument("--keep", type=Path, help="write the document and handlers here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="startup-check-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        document, handlers = generated_document(args.resources)
        (folder / "startup.json").write_text(json.dumps(document, indent=1))
        (folder / "handlers.py").write_text(handlers)
        operations = sum(len([m for m in item if m != "parameters"]) for item in document["paths"].values())
        command = [str(CLI), "run", "startup.json", "--port", str(PORT)]
        url = f"http://127.0.0.1:{PORT}/r0?limit=5"
        report(f"generated, {operations} operations", args.runs, command, url, folder)
        if args.github:
            command = [str(CLI), "run", str(GITHUB), "--mock", "all", "--port", str(PORT)]
            report("GitHub REST, --mock all", args.runs, command, f"http://127.0.0.1:{PORT}/", folder)
    finally:
        if args.keep is None:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
