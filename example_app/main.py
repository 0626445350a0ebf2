"""The example service: ``python example_app/main.py serve``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the handler package lives beside this file

from tasks.errors import invalid_request

from openapi_aio import App, RequestValidationError


def create_app() -> App:
    # Invalid requests are answered by the example's own hook (tasks/errors.py).
    app = App(__name__, exception_handlers={RequestValidationError: invalid_request})
    app.add_api("openapi.yaml")
    return app


if __name__ == "__main__":
    create_app().main()
