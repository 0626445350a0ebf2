"""The example service: ``python example_app/main.py serve``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the handler package lives beside this file

from openapi_aio import App


def create_app() -> App:
    app = App(__name__)
    app.add_api("openapi.yaml")
    return app


if __name__ == "__main__":
    create_app().main()
