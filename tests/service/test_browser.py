"""Swagger UI in headless Chromium (dev/browser_check.py): listed operations, one request executed.

Skipped when no Chromium is installed; under CI=true it must run (.ci/run installs Chromium).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, require

from openapi_aio.service.docs_ui import assets_folder

sys.path.insert(0, str(ROOT / "dev"))
from browser_check import find_chromium

pytestmark = [pytest.mark.slow]


def test_swagger_ui_lists_and_executes() -> None:
    require(None if find_chromium() else "no Chromium installed (apt-get install chromium)")
    require(None if assets_folder() else "swagger-ui-bundle (the ui extra) is not installed")
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
    assert (ROOT / "dev" / "screenshots" / "swagger-ui.png").stat().st_size > 10_000
