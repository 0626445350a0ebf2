"""Sentry events kept in a list instead of sent: the ``sentry_events`` fixture.

A plugin of the suite (``pytest_plugins`` in conftest.py): any test may ask for ``sentry_events``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport


class Capture(Transport):
    """sentry-sdk's transport interface, keeping events instead of sending them."""

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def sentry_events() -> Iterator[list[dict[str, Any]]]:
    """A Sentry client sending to a list (no network); closed after the test."""
    transport = Capture()
    sentry_sdk.init(dsn="https://key@sentry.invalid/1", transport=transport, auto_enabling_integrations=False)
    try:
        yield transport.events
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
