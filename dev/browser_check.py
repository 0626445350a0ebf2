"""Check Swagger UI in a real browser: ``python dev/browser_check.py``.

Opens ``{base}/ui/`` in headless Chromium (the Debian ``chromium`` package; nothing is
downloaded), driven over the DevTools protocol with aiohttp's websocket client, twice:

- the example app, started on a free loopback port: the operations are listed, "Try it out" and
  "Execute" on ``GET /tasks`` get the live response (status 200), and a screenshot is saved to
  ``dev/screenshots/swagger-ui.png`` (git-ignored);
- an OpenAPI 3.1 document served in this process (mock mode): its schema, with
  ``type: [string, "null"]``, ``const`` and ``examples``, is expanded and shown as 3.1 says
  (``dev/screenshots/swagger-ui-3.1.png``).

Each page must report Swagger UI 5 (``window.versions.swaggerUI``) and log no error to the
console. Exit status 0 when all of that worked; 2 when no Chromium is installed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
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
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

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
    """One browser tab over the DevTools protocol; keeps the errors the page logs."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.errors: list[str] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        await self.ws.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json(timeout=30)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result") or {})
            self._note(message)

    def _note(self, event: dict[str, Any]) -> None:
        """Console errors, uncaught exceptions and failed loads (a missing file) of the page."""
        params = event.get("params") or {}
        if event.get("method") == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails") or {}
            self.errors.append(f"exception: {(details.get('exception') or {}).get('description') or details}")
        elif event.get("method") == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(
                "console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif event.get("method") == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())

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

    async def open(self, url: str) -> str:
        """Load Swagger UI at ``url``; returns the Swagger UI version the page reports (5.x)."""
        self.errors.clear()
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.querySelectorAll('.opblock').length", "the operations to be listed")
        version = str(await self.evaluate("window.versions?.swaggerUI?.version || ''"))
        if not version.startswith("5."):
            raise AssertionError(f"the page reports Swagger UI {version!r}, not 5.x")
        return version

    async def screenshot(self, name: str) -> Path:
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / ".gitignore").write_text("*\n")
        path = SCREENSHOTS / name
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    async def no_errors(self) -> None:
        await asyncio.sleep(0.5)  # late console messages
        await self.evaluate("1")  # and read the events that came with them
        if self.errors:
            raise AssertionError("the page logged errors:\n" + "\n".join(self.errors))


# JavaScript run in the page: find the GET /tasks block, and the parts of it to click.
BLOCK = """[...document.querySelectorAll('.opblock.opblock-get')].find(
  b => (b.querySelector('.opblock-summary-path')?.textContent || '').replace(/\\u200b/g, '').trim() === '/tasks')"""


async def check_example(page: Page, base: str) -> list[str]:
    """The example app: operations listed, ``GET /tasks`` executed from the page."""
    seen = [f"example app: Swagger UI {await page.open(f'{base}/ui/')}"]
    count = await page.evaluate("document.querySelectorAll('.opblock').length")
    paths = await page.evaluate(
        "[...document.querySelectorAll('.opblock')].map(b => "
        "b.querySelector('.opblock-summary-method').textContent + ' ' + "
        "b.querySelector('.opblock-summary-path').textContent.replace(/\\u200b/g, ''))"
    )
    seen.append(f"{count} operations listed: {', '.join(paths)}")
    if "GET /tasks" not in paths:
        raise AssertionError(f"GET /tasks is not listed: {paths}")
    await page.evaluate(
        f"(({BLOCK}).querySelector('.opblock-summary-control') || ({BLOCK}).querySelector('.opblock-summary')).click()"
    )
    await page.wait_for(f"!!({BLOCK}).querySelector('.try-out__btn')", "the Try it out button")
    await page.evaluate(f"({BLOCK}).querySelector('.try-out__btn').click()")
    await page.wait_for(f"!!({BLOCK}).querySelector('.btn.execute')", "the Execute button")
    await page.evaluate(f"({BLOCK}).querySelector('.btn.execute').click()")
    status = await page.wait_for(
        f"({BLOCK}).querySelector('.live-responses-table .response .response-col_status')?.textContent.trim()",
        "the live response",
    )
    body = await page.evaluate(
        f"({BLOCK}).querySelector('.live-responses-table .response-col_description pre')?.textContent || ''"
    )
    url = await page.evaluate(f"({BLOCK}).querySelector('.request-url pre')?.textContent || ''")
    seen.append(f"executed {url}: {status} {body[:120]!r}")
    if not status.startswith("200"):
        raise AssertionError(f"GET /tasks answered {status}: {body}")
    json.loads(body)  # the response body shown is the JSON the server sent
    await page.no_errors()
    seen.append(f"screenshot: {await page.screenshot('swagger-ui.png')}")
    return seen


# An OpenAPI 3.1 document with what 3.0 cannot say: a type list with "null", const, examples.
DOCUMENT_31: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Notes (OpenAPI 3.1)", "version": "1"},
    "paths": {
        "/notes": {
            "get": {
                "operationId": "notes.list",
                "responses": {
                    "200": {
                        "description": "the notes",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Note": {
                "type": "object",
                "required": ["kind", "title", "due"],
                "properties": {
                    "kind": {"const": "note-kind-const"},
                    "title": {"type": "string", "examples": ["buy-milk-example"]},
                    "due": {"type": ["string", "null"], "format": "date", "examples": ["2026-12-24"]},
                },
            }
        }
    },
}

# The Note schema in the page's Schemas section (Swagger UI 5's JSON Schema 2020-12 view).
NOTE = """[...document.querySelectorAll('.models article.json-schema-2020-12[data-json-schema-level="0"]')]
  .find(a => a.querySelector('.json-schema-2020-12__title')?.textContent === 'Note')"""


async def check_openapi_31(page: Page, base: str) -> list[str]:
    """A 3.1 document: the schema's type list, ``const`` and ``examples`` are rendered."""
    seen = [f"OpenAPI 3.1 document: Swagger UI {await page.open(f'{base}/ui/')}"]
    if not await page.evaluate("window.ui.specSelectors.isOAS31()"):
        raise AssertionError("Swagger UI does not read the document as OpenAPI 3.1")
    await page.evaluate(f"({NOTE}).querySelector('.json-schema-2020-12-expand-deep-button').click()")
    wanted = ["null", "note-kind-const", "buy-milk-example", "2026-12-24"]
    text = await page.wait_for(
        f"(t => {json.dumps(wanted)}.every(w => t.includes(w)) && t)(({NOTE})?.innerText || '')",
        "the schema's null type, const and examples",
        seconds=10,
    )
    shown = " | ".join(line.strip() for line in str(text).splitlines() if line.strip())
    seen.append(f"Note schema shown: {shown[:300]}")
    await page.no_errors()
    seen.append(f"screenshot: {await page.screenshot('swagger-ui-3.1.png')}")
    return seen


@contextlib.asynccontextmanager
async def browser_page(chromium: str) -> AsyncIterator[Page]:
    """Headless Chromium with a fresh profile, and its first tab."""
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
                    for domain in ("Page", "Runtime", "Log"):
                        await page.send(f"{domain}.enable")
                    yield page
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


@contextlib.asynccontextmanager
async def serve_openapi_31() -> AsyncIterator[str]:
    """:data:`DOCUMENT_31` served here in mock mode on a free port; yields its base URL."""
    import openapi_aio

    app = web.Application()
    openapi_aio.setup(app, DOCUMENT_31, mock="all")
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def check(base: str, chromium: str) -> list[str]:
    """Drive the UI on the example app at ``base`` and on a 3.1 document; returns what was seen."""
    async with browser_page(chromium) as page:
        seen = await check_example(page, base)
        async with serve_openapi_31() as base_31:
            seen += await check_openapi_31(page, base_31)
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
