"""Access logs as JSON lines, one object per request, for log pipelines (Loki, ELK, CloudWatch).

``python main.py serve --access-log-format json`` (or ``app.run(access_log_format="json")``, or
``web.run_app(app, access_log_class=JsonAccessLogger)`` for an application of your own) writes
lines such as::

    {"time": "2026-11-21T07:40:27.113Z", "request_id": "4bf9...", "remote": "10.0.0.7",
     "method": "GET", "path": "/api/v1/tasks", "query": "limit=10", "operation_id": "listTasks",
     "status": 200, "duration_ms": 3.41, "size": 1532, "user_agent": "curl/8.5.0"}

to the ``aiohttp.access`` logger (``serve`` prints them bare on standard error, one per line).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from openapi_aio.keys import OPERATION, REQUEST_ID

__all__ = ["JsonAccessLogger", "access_record", "plain_access_lines"]


def access_record(request: web.BaseRequest, response: web.StreamResponse, duration: float) -> dict[str, Any]:
    """What one line says about one request (``duration`` in seconds)."""
    operation = request.get(OPERATION)
    request_id = request.get(REQUEST_ID) or response.headers.get("X-Request-ID")
    now = time.time()
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z",
        "request_id": request_id,
        "remote": request.remote,
        "method": request.method,
        "path": request.path,
        "query": request.query_string or None,
        "operation_id": operation.spec.operation_id if operation is not None else None,
        "status": response.status,
        "duration_ms": round(duration * 1000, 3),
        "size": response.body_length,
        "user_agent": request.headers.get("User-Agent"),
    }


class JsonAccessLogger(AbstractAccessLogger):
    """aiohttp's access logger class for JSON lines (``access_log_class=JsonAccessLogger``)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        try:
            line = json.dumps(access_record(request, response, time), ensure_ascii=False, separators=(",", ":"))
        except Exception:  # a log line must never break a request
            self.logger.exception("cannot write the access log line")
            return
        self.logger.info(line)


def plain_access_lines(stream: Any = None) -> None:
    """Print ``aiohttp.access`` records bare (only the message: the JSON object), on their own
    handler, so that each line of the stream is one JSON document."""
    logger = logging.getLogger("aiohttp.access")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers = [handler]
    logger.propagate = False
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
