"""Swagger UI 5 in headless Chromium (dev/browser_check.py): the example's operations listed and one
executed; an OpenAPI 3.1 schema (a type list with "null", const, examples) rendered; no console error.

Skipped when no Chromium is installed; under CI=true it must run (.ci/run installs Chromium).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT, require

from openapi_aio.service.docs_ui import assets_folder

sys.path.insert(0, str(ROOT / "dev"))
from browser_check import find_chromium

pytestmark = [pytest.mark.slow]


def test_swagger_ui_5_lists_executes_and_renders_openapi_31() -> None:
    require(None if find_chromium() else "no Chromium installed (apt-get install chromium)")
    require(None if assets_folder() else "swagger-ui-py (the ui extra) is not installed")
    done = subprocess.run(
        [sys.executable, str(ROOT / "dev" / "browser_check.py")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "GET /tasks" in done.stdout
    assert "executed" in done.stdout
    assert ": 200 " in done.stdout
    assert re.search(r"^example app: Swagger UI 5\.\d+\.\d+$", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^OpenAPI 3\.1 document: Swagger UI 5\.\d+\.\d+$", done.stdout, re.MULTILINE), done.stdout
    assert 'Const"note-kind-const"' in done.stdout.replace("=", "")  # const, examples and null shown
    for name in ("swagger-ui.png", "swagger-ui-3.1.png"):
        assert (ROOT / "dev" / "screenshots" / name).stat().st_size > 10_000
