"""Check Swagger UI in a real browser: ``python dev/browser_check.py``.

Starts the example app on a free loopback port, opens ``{base}/ui/`` in headless Chromium (the
Debian ``chromium`` package; nothing is downloaded), driven over the DevTools protocol with
aiohttp's websocket client. It checks that the operations are listed, clicks "Try it out" and
"Execute" on ``GET /tasks``, waits for the live response (status 200) and saves a screenshot to
``dev/screenshots/swagger-ui.png`` (git-ignored). Exit status 0 when all of that worked; 2 when no
Chromium is installed.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "dev" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
    "--remote-debugging-port=0",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Page:
    """One browser tab over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        await self.ws.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json(timeout=30)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result") or {})

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, what: str, seconds: float = 20) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        raise TimeoutError(f"waited {seconds} s for {what}")


# JavaScript run in the page: find the GET /tasks block, and the parts of it to click.
BLOCK = """[...document.querySelectorAll('.opblock.opblock-get')].find(
  b => (b.querySelector('.opblock-summary-path')?.textContent || '').replace(/\\u200b/g, '').trim() === '/tasks')"""


async def check(base: str, chromium: str) -> list[str]:
    """Drive the UI; returns what was seen (raises on failure)."""
    seen = []
    profile = tempfile.mkdtemp(prefix="openapi-aio-chromium-")  # a fresh profile every run
    try:
        browser = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything else runs
            [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert browser.stderr is not None
            endpoint = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and endpoint is None:
                line = await asyncio.to_thread(browser.stderr.readline)
                found = re.search(r"DevTools listening on (ws://\S+)", line)
                if found:
                    endpoint = found[1]
                elif not line and browser.poll() is not None:
                    raise RuntimeError(f"chromium exited with {browser.returncode}")
            if endpoint is None:
                raise TimeoutError("chromium did not say where DevTools listen")
            http = endpoint.split("/devtools/")[0].replace("ws://", "http://")
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{http}/json/list") as answer:
                    targets = await answer.json()
                target = next(t for t in targets if t.get("type") == "page")
                async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    page = Page(ws)
                    await page.send("Page.enable")
                    await page.send("Runtime.enable")
                    await page.send("Page.navigate", url=f"{base}/ui/")
                    count = await page.wait_for(
                        "document.querySelectorAll('.opblock').length", "the operations to be listed"
                    )
                    paths = await page.evaluate(
                        "[...document.querySelectorAll('.opblock')].map(b => "
                        "b.querySelector('.opblock-summary-method').textContent + ' ' + "
                        "b.querySelector('.opblock-summary-path').textContent.replace(/\\u200b/g, ''))"
                    )
                    seen.append(f"{count} operations listed: {', '.join(paths)}")
                    if "GET /tasks" not in paths:
                        raise AssertionError(f"GET /tasks is not listed: {paths}")
                    await page.evaluate(
                        f"(({BLOCK}).querySelector('.opblock-summary-control') || "
                        f"({BLOCK}).querySelector('.opblock-summary')).click()"
                    )
                    await page.wait_for(f"!!({BLOCK}).querySelector('.try-out__btn')", "the Try it out button")
                    await page.evaluate(f"({BLOCK}).querySelector('.try-out__btn').click()")
                    await page.wait_for(f"!!({BLOCK}).querySelector('.btn.execute')", "the Execute button")
                    await page.evaluate(f"({BLOCK}).querySelector('.btn.execute').click()")
                    status = await page.wait_for(
                        f"({BLOCK}).querySelector('.live-responses-table .response .response-col_status')"
                        "?.textContent.trim()",
                        "the live response",
                    )
                    body = await page.evaluate(
                        f"({BLOCK}).querySelector('.live-responses-table .response-col_description pre')"
                        "?.textContent || ''"
                    )
                    url = await page.evaluate(f"({BLOCK}).querySelector('.request-url pre')?.textContent || ''")
                    seen.append(f"executed {url}: {status} {body[:120]!r}")
                    if not status.startswith("200"):
                        raise AssertionError(f"GET /tasks answered {status}: {body}")
                    json.loads(body)  # the response body shown is the JSON the server sent
                    shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
                    SCREENSHOTS.mkdir(exist_ok=True)
                    (SCREENSHOTS / ".gitignore").write_text("*\n")
                    path = SCREENSHOTS / "swagger-ui.png"
                    path.write_bytes(base64.b64decode(shot["data"]))
                    seen.append(f"screenshot: {path}")
        finally:
            browser.terminate()
            try:
                browser.wait(10)
            except subprocess.TimeoutExpired:
                browser.kill()
    finally:
        for _ in range(20):  # Chromium's helper processes may still write for a moment
            try:
                shutil.rmtree(profile)
                break
            except FileNotFoundError:
                break
            except OSError:
                await asyncio.sleep(0.25)
    return seen


async def wait_until_serving(url: str, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the example app exited with {server.returncode}")
            try:
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"the example app did not answer {url}")


async def main() -> int:
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium installed (apt-get install chromium)", file=sys.stderr)
        return 2
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything else runs
        [sys.executable, str(ROOT / "example_app" / "main.py"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        # a database of its own, not example_app/data.sqlite
        env={**os.environ, "PYTHONUNBUFFERED": "1", "DATASTORE": f"sqlite:///{tempfile.mkdtemp()}/browser.sqlite"},
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        await wait_until_serving(f"{base}/openapi.json", server)
        for line in await check(base, chromium):
            print(line)
    finally:
        server.terminate()
        server.wait(10)
    print("browser check passed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
