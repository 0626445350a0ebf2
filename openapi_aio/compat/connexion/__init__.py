"""openapi_aio's stand-in for the ``connexion`` package (Connexion 3's public names).

Imported as ``connexion`` only through the alias of :mod:`openapi_aio.compat`, when Connexion
itself is not installed. What each name does here is in docs/connexion.md.
"""

from openapi_aio.compat.connexion import exceptions, lifecycle, resolver
from openapi_aio.compat.connexion.apps import App, AsyncApp, FlaskApp
from openapi_aio.compat.connexion.context import context, request
from openapi_aio.compat.connexion.datastructures import NoContent
from openapi_aio.compat.connexion.exceptions import ProblemException
from openapi_aio.compat.connexion.problem import problem
from openapi_aio.compat.connexion.resolver import Resolution, Resolver, RestyResolver

__all__ = [
    "App",
    "AsyncApp",
    "FlaskApp",
    "NoContent",
    "ProblemException",
    "Resolution",
    "Resolver",
    "RestyResolver",
    "context",
    "exceptions",
    "lifecycle",
    "problem",
    "request",
    "resolver",
]
