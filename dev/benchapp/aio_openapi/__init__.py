"""aio-openapi's version of the benchmark application (code-first: dataclasses and views)."""
