"""The real-world corpus in ../shared/specs (``CORPUS``): its root documents, and what INDEX.md says
of them. Found once per process, at import, by tests/spec/test_corpus.py and
tests/endpoints/test_mock_corpus.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from conftest import CORPUS

# Documents their sources call valid that break the OpenAPI specification's path-parameter rules,
# so we reject them on purpose: file -> (JSON pointer, words of the error we give).
DELIBERATE = {
    # "Each template expression in the path MUST correspond to a path parameter": the template is
    # /pets/{id}, the parameter is petId.
    "oai/tests/schema/pass/operation-object-example.yaml": (
        "/paths/~1pets~1{id}/put",
        "path parameter 'petId' does not appear in '/pets/{id}'",
    ),
    # A template naming {id} twice: which of the two segments is the value of parameter id?
    "readme/3.0/json/parameters-common.json": (
        "/paths/~1anything~1{id}~1{action}~1{id}",
        "repeats placeholder {id}",
    ),
}

# Documents whose $refs climb above their own folder (spec/swagger.json names ../common/Error.json):
# a document reads only its own folder tree unless told otherwise, so these are loaded with the
# folder above allowed, as their users would load them (allowed_ref_dirs; docs/spec-files.md).
REFS_ABOVE = {
    "oai/examples/v2.0/json/petstore-separate/spec/swagger.json",
    "oai/examples/v2.0/yaml/petstore-separate/spec/swagger.yaml",
}


def allowed_ref_dirs(name: str) -> list[Path]:
    """The ``allowed_ref_dirs`` corpus document ``name`` needs (none for almost all of them)."""
    return [(CORPUS / name).parent.parent] if name in REFS_ABOVE else []


# --- what the corpus holds ---------------------------------------------------------------------


def _is_root(path: Path) -> bool:
    """A top-level ``swagger``/``openapi`` key, seen from the YAML events (JSON is YAML too), so
    that finding the roots never parses a whole 13 MB document."""
    depth, expect_key = 0, True
    try:
        with path.open("rb") as stream:
            for event in yaml.parse(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
                if isinstance(event, yaml.CollectionStartEvent):
                    if depth == 0 and not isinstance(event, yaml.MappingStartEvent):
                        return False
                    depth += 1
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
                    expect_key = True  # a container closed at depth 1 was a value
                    if depth == 0:
                        return False
                elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent) and depth == 1:
                    if expect_key and isinstance(event, yaml.ScalarEvent) and event.value in ("swagger", "openapi"):
                        return True
                    expect_key = not expect_key
    except yaml.YAMLError:  # unreadable: a root if it says so; the loader will report why
        return re.search(rb"""["']?(swagger|openapi)["']?\s*:""", path.read_bytes()) is not None
    return False


def _discover() -> list[str]:
    if not CORPUS.is_dir():
        return []
    found = []
    for folder, directories, names in os.walk(CORPUS):
        directories[:] = sorted(d for d in directories if not d.startswith(("_", ".")))
        for name in sorted(names):
            path = Path(folder) / name
            if name.endswith((".json", ".yaml", ".yml")) and name != "manifest.json" and _is_root(path):
                found.append(path.relative_to(CORPUS).as_posix())
    return found


def _index() -> tuple[set[str], dict[str, int]]:
    """From INDEX.md: the documents marked **INVALID**, and each document's operation count."""
    index = CORPUS / "INDEX.md"
    if not index.is_file():
        return set(), {}
    invalid, operations = set(), {}
    for line in index.read_text("utf-8").splitlines():
        row = re.match(r"\| `([^`]+)` \|(?:[^|]*\|){4} *(\d+) *\|", line)
        if row:
            operations[row[1]] = int(row[2])
            if "**INVALID**" in line:
                invalid.add(row[1])
    return invalid, operations


DOCUMENTS = _discover()
INVALID, INDEXED_OPERATIONS = _index()
VALID = [d for d in DOCUMENTS if d not in INVALID and d not in DELIBERATE]
REJECTED = [d for d in DOCUMENTS if d in INVALID]
