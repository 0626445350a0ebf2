"""Running applications written for other frameworks, unchanged, on openapi_aio.

A Connexion 3 application imports ``connexion``; with Connexion not installed, :func:`install`
makes that import (and ``flask.views``, for class-based views) find openapi_aio's stand-ins in
:mod:`openapi_aio.compat.connexion`. It is opt-in and never shadows a real package: a name is
aliased only when ``importlib.util.find_spec`` cannot find it. ``openapi-aio run`` installs it;
``python -m openapi_aio.compat app.py`` runs a script with it (docs/connexion.md).
"""

from openapi_aio.compat.alias import active_aliases, install

__all__ = ["active_aliases", "install"]
