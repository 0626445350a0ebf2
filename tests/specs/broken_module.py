"""A handler module that fails while importing (for the resolver's error message)."""

raise RuntimeError("broken at import time")
