"""Connexion 3 (``AsyncApp``) serving openapi.yaml + handlers.py unchanged, on uvicorn (asyncio loop)."""

from __future__ import annotations

from pathlib import Path

import connexion
import uvicorn

from benchapp.common import HERE, HOST, parse_args


def main() -> None:
    args = parse_args()
    if args.spec:
        spec = Path(args.spec)
        app = connexion.AsyncApp(__name__, specification_dir=spec.parent)
        app.add_api(spec.name, resolver_error=501)  # first 200: GET /openapi.json
    else:
        app = connexion.AsyncApp(__name__, specification_dir=HERE)
        app.add_api("openapi.yaml")
    uvicorn.run(app, host=HOST, port=args.port, loop="asyncio", http="httptools", access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
