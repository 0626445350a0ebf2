"""What a document may read, and how much of it: the guard between ``$ref`` and the machine.

Whoever writes a document chooses the files its ``$ref`` s name. Followed blindly,
``$ref: /etc/passwd`` ends up in ``spec bundle``'s output (and its content in error messages),
and ``$ref: /dev/zero`` is read until memory runs out. So a document reads:

- files in its own folder and the folders below it (a symbolic link counts where it points), and
  in the folders the operator lists in ``allowed_ref_dirs``;
- regular files only (not devices, pipes or folders), opened without blocking;
- no more bytes in all than ``max_document_size``, counting what its YAML aliases repeat
  (:mod:`.yaml_text`): reading stops there, it does not read first and measure after.
"""

from __future__ import annotations

import os
import stat
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from openapi_aio.errors import SpecError

__all__ = ["Budget", "Reach", "fetch_url", "read_file"]

# Opening a named pipe for reading waits for a writer; non-blocking, it returns at once and fstat
# tells what it is. O_CLOEXEC: a server that forks workers does not leak the descriptor.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class Budget:
    """The bytes one document may still hold: ``max_document_size`` (0: no limit) less what its
    files and YAML aliases have used so far. One per document set, shared by every file of it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    @property
    def remaining(self) -> int | None:
        """Bytes still allowed; ``None`` when there is no limit."""
        return max(self.limit - self.used, 0) if self.limit else None

    def check(self, size: int, what: str, file: str) -> None:
        """Refuse ``size`` more bytes of ``what`` before reading them when they do not fit."""
        remaining = self.remaining
        if remaining is not None and size > remaining:
            raise SpecError(self.too_large(what, size), file)

    def spend(self, size: int, what: str, file: str) -> None:
        self.check(size, what, file)
        self.used += size

    def too_large(self, what: str, size: int | None = None) -> str:
        """The refusal's words: how large ``what`` is (when known) and the limit it passes."""
        limit = f"max_document_size ({self.limit:,} bytes)"
        if not self.used:
            return (
                f"{what} is {size:,} bytes, more than {limit}" if size is not None else f"{what} is larger than {limit}"
            )
        how_large = f" ({size:,} bytes)" if size is not None else ""
        return f"{what}{how_large} and the {self.used:,} bytes read before it pass {limit}"


class Reach:
    """The folders a document's files may be read from: its own tree and ``allowed_ref_dirs``."""

    def __init__(self, home: Path, allowed: Sequence[str | Path] = (), *, base: Path | None = None) -> None:
        self.home = home.resolve()
        base = base or Path.cwd()
        self.folders = [self.home, *((base / folder).resolve() for folder in allowed)]

    def check(self, path: Path) -> None:
        """Refuse ``path`` when it lies outside every allowed folder (checked before the file is
        opened, so that a refusal says nothing about what exists out there)."""
        real = path.resolve()
        if not any(real.is_relative_to(folder) for folder in self.folders):
            raise SpecError(
                f"{path} is outside the document's folder {self.home}; list its folder in allowed_ref_dirs to read it",
                str(path),
            )


def read_file(path: Path, budget: Budget, name: str, *, root: bool) -> str:
    """The text of the regular file at ``path`` (``name`` in messages; ``root``: the document's
    own file, not one a ``$ref`` names), refused when it does not fit ``budget``."""
    what = "the document" if root else name
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise SpecError("file not found", name) from None
    except OSError as error:
        raise SpecError(f"cannot read file: {error.strerror}", name) from None
    try:
        mode = os.fstat(descriptor)
        if stat.S_ISDIR(mode.st_mode):
            raise SpecError("is a folder, not a file", name)
        if not stat.S_ISREG(mode.st_mode):
            raise SpecError("is not a regular file (a device, pipe or socket is never read)", name)
        budget.check(mode.st_size, what, name)
        with open(descriptor, "rb", closefd=False) as file:
            data = _read_at_most(file.read, budget, what, name)
    finally:
        os.close(descriptor)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(f"cannot read file: not UTF-8 ({error.reason} at byte {error.start})", name) from None


def fetch_url(uri: str, budget: Budget) -> str:
    """The text at a remote ``uri`` (``allow_remote_refs``), no more than ``budget`` allows."""
    try:
        with urllib.request.urlopen(uri, timeout=10) as answer:  # noqa: S310 - opt-in
            data = _read_at_most(answer.read, budget, uri, uri)
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"cannot fetch remote $ref: {error}", uri) from None


def _read_at_most(read: Callable[[int | None], bytes], budget: Budget, what: str, file: str) -> bytes:
    """Read what ``budget`` still allows plus one byte: one byte more means too large (a file may
    grow after it was measured; a remote answer need not say its length)."""
    remaining = budget.remaining
    data = read(None if remaining is None else remaining + 1)
    if remaining is not None and len(data) > remaining:
        raise SpecError(budget.too_large(what), file)
    budget.spend(len(data), what, file)
    return data
