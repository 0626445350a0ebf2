"""One OpenTelemetry SDK tracer provider for the whole test process, writing to ``EXPORTER``.

OpenTelemetry's global provider can be set once per process: every test module that reads spans
(tests/service/test_telemetry.py, the statement counts of tests/db/test_resources_embedding.py)
imports it from here."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

__all__ = ["EXPORTER", "statement_count"]

EXPORTER = InMemorySpanExporter()
_PROVIDER = TracerProvider()
_PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))
trace.set_tracer_provider(_PROVIDER)  # the code under test finds it lazily


def statement_count() -> int:
    """The database statements run inside requests since ``EXPORTER`` was last cleared (one
    client span each, made by openapi_aio.service.telemetry for both databases)."""
    return sum(1 for span in EXPORTER.get_finished_spans() if (span.attributes or {}).get("db.system"))
