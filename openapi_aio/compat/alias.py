"""The import alias: ``import connexion`` finds :mod:`openapi_aio.compat.connexion`, but only
when no real ``connexion`` is installed (checked once, when the alias is installed)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["STAND_INS", "active_aliases", "install"]

# top-level name -> the package standing in for it
STAND_INS = {
    "connexion": "openapi_aio.compat.connexion",
    "flask": "openapi_aio.compat.flask",
}
# names whose stand-in answers only once another stand-in is in use: code that probes for Flask
# (an optional integration) keeps finding it absent unless the process is serving a Connexion app
AFTER = {"flask": "connexion"}


class _AliasLoader(importlib.abc.Loader):
    """Loads ``connexion.x`` as the already importable ``openapi_aio.compat.connexion.x``: the
    same module object under both names, so state (the current request) is shared."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the stand-in ran when it was imported under its own name."""


class AliasFinder(importlib.abc.MetaPathFinder):
    """A meta path finder answering only for the aliased names (and their submodules)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        top, _, rest = fullname.partition(".")
        base = self.names.get(top)
        if base is None:
            return None
        first = AFTER.get(top)
        if first is not None and getattr(sys.modules.get(first), "__name__", None) != STAND_INS[first]:
            return None
        stand_in = f"{base}.{rest}" if rest else base
        if importlib.util.find_spec(stand_in) is None:
            return None  # ``connexion.nothing``: an ordinary ModuleNotFoundError
        is_package = hasattr(importlib.import_module(stand_in), "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(stand_in), is_package=is_package)


def _finder() -> AliasFinder | None:
    return next((f for f in sys.meta_path if isinstance(f, AliasFinder)), None)


def install(names: Sequence[str] = tuple(STAND_INS)) -> list[str]:
    """Alias each of ``names`` that is not installed; returns the names now aliased.

    Idempotent. A name already imported, or findable on ``sys.path``, is left alone."""
    finder = _finder()
    if finder is None:
        finder = AliasFinder({})
        # First: ``connexion.exceptions`` must be the stand-in's module, not a second copy that
        # the path finder would load from the stand-in package's ``__path__``. It answers only for
        # names found nowhere else when they were aliased.
        sys.meta_path.insert(0, finder)
    for name in names:
        if name in finder.names:
            continue
        if name in sys.modules or importlib.util.find_spec(name) is not None:
            continue
        finder.names[name] = STAND_INS[name]
    return sorted(finder.names)


def active_aliases() -> list[str]:
    """The names the alias answers for in this process (empty when never installed)."""
    finder = _finder()
    return sorted(finder.names) if finder is not None else []
