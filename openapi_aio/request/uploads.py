"""Uploaded files: multipart file parts streamed to spooled temporary files.

A file part is never held whole in memory: it is written chunk by chunk to a
:class:`tempfile.SpooledTemporaryFile`, which stays in memory up to :data:`SPOOL_SIZE` bytes and
moves to an (already unlinked) file on disk beyond. Handlers receive an :class:`UploadedFile`::

    async def upload(file: UploadedFile, note: str = "") -> dict:
        digest = hashlib.sha256(file.read()).hexdigest()     # or file.save(path), await file.asave(path)
        return {"name": file.filename, "size": file.size, "sha256": digest}

Uploads are valid while the handler runs and closed once it has returned (a handler keeping one
for later must copy or :meth:`~UploadedFile.save` it first).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from tempfile import SpooledTemporaryFile
from typing import IO

from aiohttp.web_request import FileField
from multidict import CIMultiDictProxy

__all__ = ["SPOOL_SIZE", "UploadedFile"]

SPOOL_SIZE = 1024**2
"""How many bytes of one file stay in memory before it moves to disk."""

_COPY_CHUNK = 1024**2


def spooled_file() -> SpooledTemporaryFile[bytes]:
    return SpooledTemporaryFile(max_size=SPOOL_SIZE, mode="w+b")


class UploadedFile(FileField):
    """One uploaded file, positioned at its start.

    An :class:`aiohttp.web_request.FileField` (``name``, ``filename``, ``file``, ``content_type``,
    ``headers``), so code written for aiohttp's ``request.post()`` keeps working, with its
    ``size`` in bytes and a few helpers. ``filename`` is ``""`` when the client sent none (a part
    of a ``format: binary`` property without one); ``content_type`` is the part's, by default
    ``application/octet-stream``. The ``a``-methods run in a thread once the file is on disk.
    """

    __slots__ = ("size",)
    size: int

    def __init__(
        self,
        name: str,
        filename: str,
        file: IO[bytes],
        content_type: str,
        headers: CIMultiDictProxy[str],
        size: int,
    ) -> None:
        super().__init__(name, filename, file, content_type, headers)
        object.__setattr__(self, "size", size)  # FileField is frozen

    @property
    def in_memory(self) -> bool:
        """Whether the content is still held in memory (not moved to disk)."""
        return self.size <= SPOOL_SIZE

    @property
    def closed(self) -> bool:
        return bool(self.file.closed)

    def read(self, size: int = -1) -> bytes:
        """Read from the current position (``size`` bytes, or to the end)."""
        return self.file.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.file.seek(offset, whence)

    def save(self, destination: str | os.PathLike[str] | IO[bytes]) -> None:
        """Copy the whole content to a path or a binary file object."""
        self.file.seek(0)
        if isinstance(destination, str | os.PathLike):
            with open(destination, "wb") as target:
                shutil.copyfileobj(self.file, target, _COPY_CHUNK)
        else:
            shutil.copyfileobj(self.file, destination, _COPY_CHUNK)
        self.file.seek(0)

    async def aread(self, size: int = -1) -> bytes:
        """:meth:`read` without blocking the event loop on disk reads."""
        return self.read(size) if self.in_memory else await asyncio.to_thread(self.read, size)

    async def asave(self, destination: str | os.PathLike[str] | IO[bytes]) -> None:
        """:meth:`save` in a thread."""
        await asyncio.to_thread(self.save, destination)

    def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return (
            f"<UploadedFile {self.name!r} filename={self.filename!r} "
            f"content_type={self.content_type!r} size={self.size}>"
        )
