"""``python -m openapi_aio run spec.yaml``."""

from openapi_aio.service.cli import main

main(prog_name="python -m openapi_aio")
