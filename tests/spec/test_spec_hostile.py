"""Hostile documents (issue 18: M1, M2, L13), refused at start-up with a located one-line error,
through ``setup()`` and through the command line, never by running out of time or memory:

- M1: YAML aliases that expand a kilobyte into millions of nodes (an alias bomb);
- M2: ``$ref`` s that read files outside the document's folder (``/etc/passwd``,
  ``file:///etc/passwd``, ``../outside/secret.yaml``), devices, pipes and folders;
- L13: documents, or the files they refer to, larger than ``max_document_size``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from conftest import OK, document
from helpers import eventually, free_port, http_get, listening

import openapi_aio
from openapi_aio import InvalidSpecification, SpecError

SECRET = "TOP-SECRET-VALUE"
DEFAULT_LIMIT = 32 * 1024**2


def bomb(levels: int) -> str:
    """A kilobyte of YAML: each level a schema whose two properties are the level below, so the
    response schema stands for 2**(levels-1) copies of the innermost one."""
    lines = ["openapi: 3.0.3", "info: {title: bomb, version: '1'}", "x-levels:", "  l0: &l0 {type: string}"]
    lines += [f"  l{i}: &l{i} {{type: object, properties: {{a: *l{i - 1}, b: *l{i - 1}}}}}" for i in range(1, levels)]
    lines += ["paths:", "  /x:", "    get:", "      responses:", "        '200':", "          description: ok"]
    lines += [f"          content: {{application/json: {{schema: *l{levels - 1}}}}}"]
    return "\n".join(lines) + "\n"


def with_schema(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A document whose one response has ``schema``."""
    response = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return document({"/x": {"get": {"responses": {"200": response}}}}, **extra)


SCHEMA_POINTER = "/paths/~1x/get/responses/200/content/application~1json/schema"


def write(path: Path, content: str | dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
    return path


def refused(source: Any, **options: Any) -> SpecError:
    """The one error ``setup()`` refuses ``source`` with."""
    with pytest.raises(InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), source, stub=True, **options)
    assert len(raised.value.errors) == 1, str(raised.value)
    return raised.value.errors[0]


def run_cli(*args: str | Path, cwd: Path, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m openapi_aio ARGS`` (or ``python ARGS`` for a script), to its end or 60 s;
    ``memory`` caps its address space, so that reading without end fails fast, not the machine."""

    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    command = (
        [sys.executable, *map(str, args)]
        if str(args[0]).endswith(".py")
        else [sys.executable, "-m", "openapi_aio", *map(str, args)]
    )
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60, preexec_fn=limit)


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit status 1 and a one-line ``Error: ...`` saying ``words``, no traceback."""
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# --- M1: alias bombs ---------------------------------------------------------------------------


def test_alias_bomb_is_refused_with_its_line(tmp_path):
    """17 levels, 1.2 kB: 65,536 copies of the innermost schema (0.5 M nodes): refused where the
    aliases pass the limit: the collection holding them (line 17 is ``l13``'s properties)."""
    path = write(tmp_path / "openapi.yaml", bomb(17))
    error = refused(path)
    assert error.file == str(path)
    assert error.message.startswith("YAML aliases expand too far (line 17, column 40): they repeat more than 100,")
    assert "nodes, as many as the document writes plus 100,000" in error.message


def test_long_string_repeated_by_aliases_counts_towards_max_document_size(tmp_path):
    """Few nodes, many bytes: one 1 MB string, 64 times by six levels of aliases, is 64 MB; the
    limit is passed by the second alias of the fifth level (32 copies and more)."""
    levels = "\n".join(f"  l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 7))
    head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-notes:\n"
    text = f"{head}  l0: &l0 '{'x' * 2**20}'\n{levels}\n"
    error = refused(write(tmp_path / "openapi.yaml", text))
    assert "YAML aliases expand too far (line 10, column 7): written out, the document would pass" in error.message
    assert f"max_document_size ({DEFAULT_LIMIT:,} bytes)" in error.message


def test_aliases_that_share_a_little_still_load(tmp_path):
    """Anchors for a response shared by 200 operations (a few thousand nodes repeated) are fine."""
    paths = "".join(f"  /p{i}:\n    get:\n      responses: *shared\n" for i in range(1, 200))
    text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p0:\n    get:\n      responses: &shared\n"
    text += "        '200': {description: ok, content: {application/json: {schema: {type: object}}}}\n"
    text += "        '404': {description: missing}\n" + paths
    api = openapi_aio.setup(web.Application(), write(tmp_path / "openapi.yaml", text), stub=True)
    assert len(api.operations) == 200


def test_cli_refuses_a_bomb_that_never_finished_loading(tmp_path):
    """24 levels, 1.6 kB (8 M copies): before, no end in sight (100 s and 1.3 GB, still going)."""
    write(tmp_path / "openapi.yaml", bomb(24))
    result = run_cli("run", "openapi.yaml", "--stub", cwd=tmp_path)
    one_line_error(result, "openapi.yaml: YAML aliases expand too far (line 23, column 40)", "max_document_size")


# --- M2: what a $ref may read ------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``api/`` holds the document; ``outside/`` beside it a secret a $ref must not reach."""
    write(tmp_path / "outside" / "secret.yaml", {"X": {"type": "string", "description": SECRET}})
    (tmp_path / "api").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("ref", "file"),
    [
        ("/etc/passwd", "/etc/passwd"),
        ("file:///etc/passwd", "/etc/passwd"),
        ("../outside/secret.yaml#/X", "{tree}/outside/secret.yaml"),
        ("../api/../outside/./secret.yaml#/X", "{tree}/outside/secret.yaml"),
        ("link.yaml#/X", "{tree}/api/link.yaml"),  # a symbolic link counts where it points
    ],
)
def test_ref_outside_the_document_folder_is_refused(tree, ref, file):
    (tree / "api" / "link.yaml").symlink_to(tree / "outside" / "secret.yaml")
    path = write(tree / "api" / "openapi.yaml", with_schema({"$ref": ref}))
    error = refused(path)
    assert (error.file, error.pointer) == (str(path), SCHEMA_POINTER)
    outside = f"{file.format(tree=tree)} is outside the document's folder {tree / 'api'}"
    assert error.message == f"unresolvable $ref {ref!r}: {outside}; list its folder in allowed_ref_dirs to read it"
    assert SECRET not in str(error)
    assert "root:" not in str(error)


@pytest.mark.parametrize("allowed", ["absolute", "relative to base_dir"])
def test_allowed_ref_dirs_widens_the_tree(tree, allowed):
    write(tree / "api" / "openapi.yaml", with_schema({"$ref": "../outside/secret.yaml#/X"}))
    folder = str(tree / "outside") if allowed == "absolute" else "../outside"
    api = openapi_aio.setup(
        web.Application(), "openapi.yaml", base_dir=tree / "api", stub=True, allowed_ref_dirs=[folder]
    )
    [operation] = api.spec.operations
    assert operation.responses["200"].content["application/json"].schema["description"] == SECRET


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("/dev/zero", "is not a regular file (a device, pipe or socket is never read)"),
        ("schemas", "is a folder, not a file"),
    ],
)
def test_only_regular_files_are_read(tmp_path, ref, words):
    (tmp_path / "schemas").mkdir()
    path = write(tmp_path / "openapi.yaml", with_schema({"$ref": ref}))
    error = refused(path, allowed_ref_dirs=["/dev"])
    assert (error.file, error.pointer, error.message) == (
        str(path),
        SCHEMA_POINTER,
        f"unresolvable $ref {ref!r}: {words}",
    )


def test_cli_refuses_a_named_pipe_instead_of_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pets.yaml")
    write(tmp_path / "openapi.yaml", with_schema({"$ref": "pets.yaml"}))
    one_line_error(
        run_cli("run", "openapi.yaml", "--stub", cwd=tmp_path), "unresolvable $ref 'pets.yaml': is not a regular file"
    )
    result = run_cli("run", "pets.yaml", "--stub", cwd=tmp_path)  # as the document itself too
    one_line_error(result, "pets.yaml: is not a regular file")


def test_cli_refuses_dev_zero_as_the_document(tmp_path):
    """Before, read until MemoryError (here within a 2 GB address space, a traceback)."""
    result = run_cli("run", "/dev/zero", "--stub", cwd=tmp_path, memory=2 * 1024**3)
    one_line_error(result, "Error: /dev/zero: is not a regular file")


SERVICE = """\
from openapi_aio import App

app = App(__name__, stub=True)
app.add_api("openapi.yaml")
if __name__ == "__main__":
    app.main()
"""


def test_spec_bundle_does_not_print_files_outside_the_tree(tree):
    """A $ref in an extension is never followed by the loader, so the service starts; ``spec
    bundle`` follows every $ref, and printed /etc/passwd and the secret before."""
    service = tree / "api"
    write(service / "main.py", SERVICE)
    write(service / "openapi.yaml", with_schema({"type": "object"}))
    write(service / "leaky.yaml", with_schema({"type": "object"}, **{"x-leak": {"$ref": "/etc/passwd"}}))
    write(service / "secret.yaml", with_schema({"$ref": "../outside/secret.yaml#/X"}))
    result = run_cli("main.py", "spec", "bundle", "leaky.yaml", cwd=service)
    assert "root:" not in result.stdout
    one_line_error(
        result, "leaky.yaml#/x-leak: unresolvable $ref '/etc/passwd': /etc/passwd is outside the document's folder"
    )
    result = run_cli("main.py", "spec", "bundle", "secret.yaml", cwd=service)
    assert SECRET not in result.stdout
    one_line_error(result, f"secret.yaml#{SCHEMA_POINTER}: unresolvable $ref '../outside/secret.yaml#/X'")


def test_served_bundled_document_does_not_serve_files_outside_the_tree(tree):
    path = write(
        tree / "api" / "openapi.yaml", with_schema({"$ref": "schemas.yaml#/S"}, **{"x-leak": {"$ref": "/etc/passwd"}})
    )
    write(tree / "api" / "schemas.yaml", {"S": {"type": "string"}})
    error = refused(path, serve_spec_bundled=True)
    assert (error.file, error.pointer) == (str(path), "/x-leak")
    assert error.message.startswith("unresolvable $ref '/etc/passwd': /etc/passwd is outside the document's folder")


def test_spec_bundle_refuses_references_that_multiply(tmp_path):
    """Each schema of a fragment names the one before it twice: 20 levels, 2 kB, were 400 MB of
    JSON; the one file may be no larger than max_document_size (here 100 kB)."""
    levels = {"L0": {"type": "string"}}
    for i in range(1, 20):
        levels[f"L{i}"] = {"type": "object", "properties": {"a": {"$ref": f"#/L{i - 1}"}, "b": {"$ref": f"#/L{i - 1}"}}}
    write(tmp_path / "levels.yaml", levels)
    write(tmp_path / "openapi.yaml", with_schema({"$ref": "levels.yaml#/L19"}))
    write(tmp_path / "main.py", SERVICE.replace("stub=True", "stub=True, max_document_size=100_000"))
    result = run_cli("main.py", "spec", "bundle", cwd=tmp_path)
    where = f"openapi.yaml#{SCHEMA_POINTER}: inlining $ref 'levels.yaml#/L19'"
    one_line_error(result, f"{where}: the document as one file passes max_document_size (100,000 bytes)")


# --- L13: document size ------------------------------------------------------------------------


def padded(path: Path, size: int) -> Path:
    """A valid JSON document of ``size`` bytes: whitespace after the object is still JSON."""
    text = json.dumps(document({"/x": {"get": {"responses": OK}}})).encode()
    path.write_bytes(text + b" " * (size - len(text)))
    return path


def test_document_larger_than_the_default_limit_is_refused_unread(tmp_path):
    path = padded(tmp_path / "openapi.json", DEFAULT_LIMIT + 1)
    error = refused(path)
    assert error.file == str(path)
    assert (
        error.message
        == f"the document is {DEFAULT_LIMIT + 1:,} bytes, more than max_document_size ({DEFAULT_LIMIT:,} bytes)"
    )
    api = openapi_aio.setup(web.Application(), path, stub=True, max_document_size=0)  # 0: no limit
    assert len(api.operations) == 1


def test_max_document_size_counts_every_file(tmp_path):
    write(tmp_path / "openapi.yaml", with_schema({"$ref": "big.yaml#/S"}))
    write(tmp_path / "big.yaml", {"S": {"type": "string", "description": "x" * 5000}})
    error = refused(tmp_path / "openapi.yaml", max_document_size=4000)
    assert error.pointer == SCHEMA_POINTER
    assert error.message.startswith(f"unresolvable $ref 'big.yaml#/S': {tmp_path / 'big.yaml'} (5,0")
    root = (tmp_path / "openapi.yaml").stat().st_size
    assert error.message.endswith(f"bytes) and the {root:,} bytes read before it pass max_document_size (4,000 bytes)")
    assert len(openapi_aio.setup(web.Application(), tmp_path / "openapi.yaml", stub=True).operations) == 1


def test_cli_max_document_size(tmp_path):
    padded(tmp_path / "openapi.json", 5000)
    result = run_cli("run", "openapi.json", "--stub", "--max-document-size", "4096", cwd=tmp_path)
    one_line_error(
        result, "Error: openapi.json: the document is 5,000 bytes, more than max_document_size (4,096 bytes)"
    )
    padded(tmp_path / "big.json", DEFAULT_LIMIT + 1)
    result = run_cli("run", "big.json", "--stub", cwd=tmp_path)
    one_line_error(result, f"Error: big.json: the document is {DEFAULT_LIMIT + 1:,} bytes")
    help_text = run_cli("run", "--help", cwd=tmp_path).stdout
    assert "--max-document-size" in help_text
    assert "--allow-ref-dir" in help_text


def test_cli_allow_ref_dir(tree, processes):
    """Refused as it stands; served with the folder allowed (relative to the current folder)."""
    write(tree / "api" / "openapi.yaml", with_schema({"$ref": "../outside/secret.yaml#/X"}))
    one_line_error(run_cli("run", "api/openapi.yaml", "--stub", cwd=tree), "outside the document's folder")
    port = free_port()
    command = ["run", "api/openapi.yaml", "--stub", "--allow-ref-dir", "outside", "--port", str(port)]
    server = subprocess.Popen([sys.executable, "-m", "openapi_aio", *command], cwd=tree, stderr=subprocess.DEVNULL)
    processes.append(server)
    eventually(lambda: listening(port), timeout=30, what="the served document")
    status, _ = http_get(port, "/openapi.json")
    assert status == 200
