"""The client: one awaitable method per operation of a document, over one aiohttp session.

>>> async with await ApiClient.load("http://pets.internal/openapi.json") as pets:
...     pet = await pets.getPet(pet_id=1)
...     first, second = await asyncio.gather(pets.getPet(pet_id=1), pets.getPet(pet_id=2))

What a call does, in order: check and serialise the arguments (:mod:`.operation`,
:mod:`.serialize`), validate them (``validate_requests``), add credentials (:mod:`.auth`) and the
tracing headers of the request being served (:func:`openapi_aio.tracing.outgoing_headers`), send
with a timeout and, for idempotent operations, retries (:meth:`ApiClient.send`), parse the answer by
its content type, raise :class:`~openapi_aio.errors.ApiError` for a 4xx/5xx, validate it
(``validate_responses``).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import keyword
import re
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import yaml
import yarl
from multidict import CIMultiDict

from openapi_aio.client.operation import ApiResponse, ClientOperation, parse_body, snake_case
from openapi_aio.client.serialize import encode_body
from openapi_aio.errors import ApiError
from openapi_aio.request.media_types import is_json
from openapi_aio.spec import ApiSpec, load_spec
from openapi_aio.spec.model import MediaTypeSpec
from openapi_aio.tracing import outgoing_headers

__all__ = ["IDEMPOTENT", "RETRY_STATUSES", "ApiClient"]

# Methods that may be sent twice with the effect of once (RFC 9110 section 9.2.2).
IDEMPOTENT = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
RETRY_STATUSES = frozenset((502, 503, 504))

Source = str | Path | Mapping[str, Any] | ApiSpec


class ApiClient:
    """A client for the API a document describes; ``client.<operationId>(**arguments)``.

    - ``spec``: an :class:`~openapi_aio.spec.ApiSpec`, a document as a dict, or a file path (to load
      from the URL of a running service, use :meth:`load`).
    - ``base_url``: where the API is (its root, base path included); default: the document's first
      ``servers`` URL (Swagger 2: ``schemes``/``host``/``basePath``), resolved against
      ``document_url``.
    - ``session``: an aiohttp ``ClientSession`` to share (not closed by the client); default: one of
      its own, made on first use and closed by :meth:`close` / ``async with``.
    - ``auth``: credentials by security scheme name or type (see :mod:`openapi_aio.client.auth`).
    - ``validate_requests`` / ``validate_responses``: check arguments before sending, successful
      answers after receiving, against the document's schemas (the server's own validators).
    - ``timeout``: seconds for a whole call (or an ``aiohttp.ClientTimeout``); ``None``: none.
    - ``retries``: how many times an idempotent call (GET HEAD PUT DELETE OPTIONS) is tried again
      after a connection error or a 502/503/504, waiting ``backoff * 2**n`` seconds (or the
      answer's ``Retry-After``), at most ``max_backoff``.
    - ``headers``: sent with every call.
    """

    def __init__(
        self,
        spec: Source,
        base_url: str | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        auth: Mapping[str, Any] | None = None,
        validate_requests: bool = False,
        validate_responses: bool = False,
        timeout: float | aiohttp.ClientTimeout | None = 30,
        retries: int = 0,
        backoff: float = 0.25,
        max_backoff: float = 30.0,
        headers: Mapping[str, str] | None = None,
        document_url: str | None = None,
    ) -> None:
        self.spec = spec if isinstance(spec, ApiSpec) else load_spec(spec)
        found = base_url or document_base_url(self.spec, document_url)
        if not found or not urlsplit(found).scheme:
            raise ValueError(
                f"{self.spec.source}: no absolute base URL in the document ({found or 'no servers'}); pass base_url="
            )
        self.base_url = found
        self.auth = dict(auth or {})
        self.validate_requests = validate_requests
        self.validate_responses = validate_responses
        self.timeout = timeout if isinstance(timeout, aiohttp.ClientTimeout) else aiohttp.ClientTimeout(total=timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.headers = dict(headers or {})
        self._session = session
        self._owns_session = session is None
        self._operations: dict[str, ClientOperation] = {}
        self._aliases: dict[str, ClientOperation] = {}
        for operation_spec in self.spec.operations:
            name = python_name(operation_spec.operation_id or f"{operation_spec.method}_{operation_spec.path}")
            operation = ClientOperation(self, operation_spec, name)
            self._operations[name] = operation
            for alias in (name, operation_spec.operation_id or name, snake_case(name), name.rpartition("_")[2]):
                self._aliases.setdefault(alias, operation)
            if operation_spec.operation_id and "." in operation_spec.operation_id:  # Connexion's module.function
                last = operation_spec.operation_id.rpartition(".")[2]
                self._aliases.setdefault(python_name(last), operation)
                self._aliases.setdefault(snake_case(last), operation)

    @classmethod
    async def load(cls, source: Source, base_url: str | None = None, **options: Any) -> ApiClient:
        """A client for ``source``: a file path, a dict, an ``ApiSpec`` or the URL of a running
        service's served document (``http://host/v1/openapi.json``), whose ``servers`` then give
        the base URL (relative ones resolved against the document's URL)."""
        if isinstance(source, str) and source.startswith(("http://", "https://")):
            session: aiohttp.ClientSession | None = options.get("session")
            fetcher = session or aiohttp.ClientSession()
            try:
                async with fetcher.get(source, headers=outgoing_headers()) as response:
                    response.raise_for_status()
                    raw = await response.read()
                    kind = response.content_type
            finally:
                if session is None:
                    await fetcher.close()
            document = json.loads(raw) if is_json(kind) or raw.lstrip()[:1] == b"{" else yaml.safe_load(raw)
            return cls(document, base_url, document_url=source, **options)
        return cls(source, base_url, **options)

    # --- operations ---

    @property
    def operations(self) -> list[str]:
        """The operations' method names (each also answers to its snake_case name)."""
        return sorted(self._operations)

    def __getattr__(self, name: str) -> ClientOperation:
        aliases = self.__dict__.get("_aliases")
        if aliases is not None and name in aliases:
            return aliases[name]  # type: ignore[no-any-return]
        known = ", ".join(sorted(self.__dict__.get("_operations") or ())) or "none"
        raise AttributeError(f"{type(self).__name__} has no operation {name!r} (known: {known})")

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._aliases]

    # --- the session ---

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session calls go through (made on first use when none was given)."""
        if self._session is None or (self._owns_session and self._session.closed):
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        """Close the session the client made (a session passed in is its owner's to close)."""
        if self._owns_session and self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    # --- sending ---

    async def send(
        self,
        operation: ClientOperation,
        url: yarl.URL,
        headers: CIMultiDict[str],
        media: MediaTypeSpec | None,
        body: Any,
    ) -> ApiResponse:
        """Send one call, retrying an idempotent one; a success as :class:`ApiResponse`, a 4xx/5xx
        raised as :class:`ApiError`."""
        sent: CIMultiDict[str] = CIMultiDict(self.headers)
        sent.update(headers)
        for name, value in outgoing_headers().items():  # stay in the trace of the request being served
            sent.setdefault(name, value)
        telemetry = sys.modules.get("openapi_aio.service.telemetry")  # never imported here
        if telemetry is not None and "traceparent" not in self.headers and "traceparent" not in headers:
            telemetry.inject(sent)  # the current OpenTelemetry span, in place of a new span id
        retries = self.retries if operation.method in IDEMPOTENT else 0
        attempt = 0
        while True:
            data = None
            if media is not None:
                data, content_type = encode_body(media, body)  # anew each time: aiohttp reads a form once
                if content_type is not None:
                    sent["Content-Type"] = content_type
            try:
                response = await self.session.request(
                    operation.method, url, headers=sent, data=data, timeout=self.timeout, allow_redirects=True
                )
            except aiohttp.ClientConnectionError:
                if attempt >= retries:
                    raise
                delay = self._delay(attempt, None)
            else:
                if response.status not in RETRY_STATUSES or attempt >= retries:
                    return await self._finish(operation, response)
                delay = self._delay(attempt, response.headers.get("Retry-After"))
                response.release()
            attempt += 1
            await asyncio.sleep(delay)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            seconds = _retry_after_seconds(retry_after)
            if seconds is not None:
                return min(seconds, self.max_backoff)
        return float(min(self.backoff * 2**attempt, self.max_backoff))

    async def _finish(self, operation: ClientOperation, response: aiohttp.ClientResponse) -> ApiResponse:
        async with response:
            raw = await response.read()
            content_type = response.content_type if response.headers.get("Content-Type") else ""
            body = None if operation.method == "HEAD" else parse_body(raw, content_type, response.charset)
        if response.status >= 400:
            problem = body if isinstance(body, Mapping) else {}
            raise ApiError(response.status, problem, response.headers, body=body, operation=operation.name)
        return ApiResponse(response.status, response.headers, body, content_type)


def python_name(name: str) -> str:
    """An attribute name for an operationId: ``get-pet`` -> ``get_pet``, ``2fa`` -> ``_2fa``."""
    safe = re.sub(r"\W", "_", name)
    if not safe or safe[0].isdigit() or keyword.iskeyword(safe):
        safe = "_" + safe if not keyword.iskeyword(safe) else safe + "_"
    return safe


def document_base_url(spec: ApiSpec, document_url: str | None) -> str | None:
    """The API root the document names, resolved against the URL it was read from."""
    root = spec.document
    if spec.version == "2.0":
        base_path = str(root.get("basePath") or "")
        host = root.get("host")
        if host:
            schemes = root.get("schemes") or [urlsplit(document_url).scheme if document_url else "http"]
            url = f"{schemes[0]}://{host}{base_path}"
        else:
            url = base_path or "/"
    else:
        servers = root.get("servers") or [{"url": "/"}]
        server: Mapping[str, Any] = servers[0] if isinstance(servers[0], Mapping) else {"url": "/"}
        url = str(server.get("url", "/"))
        for name, variable in (server.get("variables") or {}).items():
            url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
    return urljoin(document_url, url) if document_url else url


def _retry_after_seconds(value: str) -> float | None:
    """``Retry-After``: delay seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
