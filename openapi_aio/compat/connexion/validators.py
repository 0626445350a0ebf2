"""``connexion.validators``: names that ``validator_map`` entries refer to.

openapi_aio validates with its own compiled validators; ``add_api`` reads a ``validator_map``
only to see whether it asks for body defaults (``DefaultsJSONRequestBodyValidator``, as in
Connexion's ``enforcedefaults`` example), which is openapi_aio's ``fill_defaults`` option. Any
other custom validator is refused at ``add_api`` with a message.
"""

from __future__ import annotations

__all__ = [
    "AbstractRequestBodyValidator",
    "DefaultsJSONRequestBodyValidator",
    "FormDataValidator",
    "JSONRequestBodyValidator",
    "JSONResponseBodyValidator",
    "MultiPartFormDataValidator",
    "ParameterValidator",
    "TextResponseBodyValidator",
]


class AbstractRequestBodyValidator:
    """Marker base: these classes are never instantiated by openapi_aio."""


class JSONRequestBodyValidator(AbstractRequestBodyValidator):
    pass


class DefaultsJSONRequestBodyValidator(JSONRequestBodyValidator):
    """Fill a JSON body's missing members with their schema defaults: ``fill_defaults=True``."""


class FormDataValidator(AbstractRequestBodyValidator):
    pass


class MultiPartFormDataValidator(FormDataValidator):
    pass


class JSONResponseBodyValidator:
    pass


class TextResponseBodyValidator:
    pass


class ParameterValidator:
    pass


BUILT_IN = (
    JSONRequestBodyValidator,
    FormDataValidator,
    MultiPartFormDataValidator,
    JSONResponseBodyValidator,
    TextResponseBodyValidator,
    ParameterValidator,
)
