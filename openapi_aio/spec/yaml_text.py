"""YAML documents read the way a JSON round trip would see them (PyYAML loads only for them)."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import yaml

from openapi_aio.errors import SpecError
from openapi_aio.spec.sources import Budget
from openapi_aio.spec.yaml_aliases import AliasLimit, check_aliases

__all__ = ["parse_yaml"]

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # never the unsafe loader


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML read the way a JSON round trip would see it.

    Unquoted response codes (``200:``) become string keys and unquoted dates
    (``version: 2017-01-01``) stay the strings they were written as. What YAML allows but JSON
    cannot mean is refused with its line and column: a key written twice in one mapping (the
    parser would silently keep the last, e.g. drop a whole path item), an alias inside its own
    anchor (a cyclic document that every later walk would follow forever), and ``!!binary`` and
    ``!!set`` values.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        _refuse_duplicate_keys(node)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep)
        if any(not isinstance(key, str) for key in mapping):
            return {_json_key(key): value for key, value in mapping.items()}
        return mapping


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _refuse_non_json(loader: yaml.BaseLoader, node: yaml.Node) -> Any:
    """``!!binary`` and ``!!set`` values (bytes, a Python set) have no JSON form: refused here,
    with their line, rather than failing later wherever the document is serialised."""
    kind = node.tag.rsplit(":", 1)[-1]
    raise yaml.constructor.ConstructorError(None, None, f"a {kind} value has no JSON form", node.start_mark)


_Loader.add_constructor("tag:yaml.org,2002:binary", _refuse_non_json)
_Loader.add_constructor("tag:yaml.org,2002:set", _refuse_non_json)
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _refuse_duplicate_keys(node: yaml.MappingNode) -> None:
    """Keys written twice in one mapping (merge keys ``<<`` may be overridden, as YAML intends).

    Keys compare as written, so ``200`` and ``"200"`` clash, as they would in JSON.
    """
    seen: set[str] = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        key = key_node.value
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)


def _json_key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    if isinstance(key, datetime.date):
        return key.isoformat()
    return str(key)


_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s,\[\]{}]")  # "&name" where YAML allows an anchor


def _load_yaml(text: str | bytes, budget: Budget) -> Any:
    """``yaml.load`` with the alias check (:mod:`.yaml_aliases`) between composing the nodes and
    building the data."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _ANCHOR.search(text if isinstance(text, str) else text.decode("utf-8", "replace")):
            # only documents that define anchors have aliases
            check_aliases(node, budget)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def parse_yaml(text: str | bytes, name: str, json_error: ValueError | None, budget: Budget) -> Any:
    """Parse YAML; ``json_error`` is what the JSON parser said of a ``.json`` file, reported
    instead of the YAML parser's message when the text was meant as JSON. What the aliases repeat
    is charged to ``budget``."""
    try:
        return _load_yaml(text, budget)
    except AliasLimit as error:
        where = f"(line {error.mark.line + 1}, column {error.mark.column + 1})"
        raise SpecError(f"YAML aliases expand too far {where}: {error.message}", name) from None
    except yaml.MarkedYAMLError as error:
        if isinstance(json_error, json.JSONDecodeError) and _looks_like_json(text):
            where = f" (line {json_error.lineno}, column {json_error.colno})"
            raise SpecError(f"not valid JSON{where}: {json_error.msg}", name) from None
        mark = error.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise SpecError(f"not valid YAML{where}: {error.problem}", name) from None
    except yaml.YAMLError as error:
        raise SpecError(f"not valid YAML: {error}", name) from None
    except RecursionError:
        raise SpecError("nested too deeply to read", name) from None


def _looks_like_json(text: str | bytes) -> bool:
    """A file meant as JSON gets JSON's error message, not the YAML parser's."""
    start = text.lstrip()[:1] if isinstance(text, str) else text.lstrip()[:1].decode("latin-1")
    return start in ("{", "[")
