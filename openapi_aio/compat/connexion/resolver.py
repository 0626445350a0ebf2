"""``connexion.resolver``: openapi_aio's resolvers, which follow Connexion's naming rules."""

from openapi_aio.resolver import (
    MethodResolver,
    MethodViewResolver,
    Resolution,
    Resolver,
    RestyResolver,
)

__all__ = ["MethodResolver", "MethodViewResolver", "Resolution", "Resolver", "RestyResolver"]
