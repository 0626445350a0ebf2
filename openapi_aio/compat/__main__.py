"""``python -m openapi_aio.compat app.py [args]``: run a Connexion application's script as
``__main__`` with the ``connexion`` import alias installed (Connexion itself not installed), and
``uvicorn.run`` serving the App the script made (:mod:`openapi_aio.compat.uvicorn`)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from openapi_aio.compat import install
from openapi_aio.compat.uvicorn import serve_apps_with_aiohttp


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: python -m openapi_aio.compat SCRIPT.py [ARGS...]\n")
        raise SystemExit(2 if not argv else 0)
    script = Path(argv[0])
    if not script.is_file():
        sys.stderr.write(f"Error: no such script: {script}\n")
        raise SystemExit(2)
    install()
    serve_apps_with_aiohttp()  # uvicorn.run(app) in the script, app being the App it made
    sys.argv = [str(script), *argv[1:]]
    sys.path.insert(0, str(script.resolve().parent))  # as `python app.py` does
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
