"""Where the benchmark application's files are, and serve_aiohttp's command line (standard library only)."""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE / "openapi.yaml"
CRUD_SPEC = HERE / "crud.yaml"  # openapi_aio only: x-resource over bench_pets (W6, W7)
HOST = "127.0.0.1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uvloop", action="store_true", help="serve on uvloop (else aiohttp's default loop)")
    return parser.parse_args()
