"""``python -m openapi_aio run spec.yaml``."""

from .cli import main

main(prog_name="python -m openapi_aio")
