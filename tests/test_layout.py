"""The package's shape, kept by a test: small modules, no import cycles, no stray top-level
helpers (docs/design.md draws the layout these rules keep)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "openapi_aio"
MAX_LINES = 400
# Top-level modules: the bottom of the import graph, the public entry points, and the two objects
# every layer names. Anything else belongs in the subpackage of its layer.
TOP_LEVEL = {
    "__about__", "__init__", "__main__", "api", "errors", "keys", "operation", "options",
    "resolver", "testing", "tracing", "types",
}  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _runtime_imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Modules ``name`` imports when it is itself imported: module-level statements only, not
    ``if TYPE_CHECKING:`` blocks nor imports inside functions (those run later, on demand)."""
    imported: set[str] = set()
    tree = ast.parse(path.read_text())

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert not node.level, f"{name}: relative import"  # the package imports absolutely
                base = node.module or ""
                for alias in node.names:  # a submodule by name, else a name defined in ``base``
                    submodule = f"{base}.{alias.name}"
                    imported.add(submodule if submodule in modules else base)

    visit(tree.body)
    return {module for module in imported if module in modules and module != name}


def test_no_module_is_above_the_size_limit() -> None:
    sizes = {name: len(path.read_text().splitlines()) for name, path in _modules().items()}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}


def test_top_level_modules_are_only_the_shared_ones() -> None:
    top = {path.stem for path in PACKAGE.glob("*.py")}
    assert top == TOP_LEVEL


def test_no_import_cycle_at_import_time() -> None:
    modules = _modules()
    graph = {name: _runtime_imports(path, name, modules) for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for following in sorted(graph[node]):
            if state.get(following) == 1:
                cycles.append([*trail[trail.index(following) :], following])
            elif following not in state:
                walk(following, [*trail, following])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert cycles == []


def test_no_module_imports_the_pipeline_for_a_type() -> None:
    """Shared types live in openapi_aio.types: no ``if TYPE_CHECKING:`` import of the pipeline
    (which imports every stage) makes a cycle that only the type checker sees."""
    modules = _modules()
    offenders = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                for statement in ast.walk(node):
                    if isinstance(statement, ast.ImportFrom) and statement.module == "openapi_aio.pipeline":
                        names = [a.name for a in statement.names if f"openapi_aio.pipeline.{a.name}" not in modules]
                        offenders += [f"{name}: {n}" for n in names]
    assert offenders == []
