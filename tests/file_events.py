"""Counting how often a file is replaced or rewritten, with Linux inotify (ctypes, no deps)."""

from __future__ import annotations

import ctypes
import os
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_IN_CLOSE_WRITE = 0x00000008
_IN_MOVED_TO = 0x00000080
_IN_NONBLOCK = 0o4000
_EVENT = struct.Struct("iIII")


class FileWrites:
    """Counts completed writes of one file name in a directory (``os.replace`` into it
    or a write that is closed), from the moment it is created until ``close``."""

    def __init__(self, directory: Path, name: str) -> None:
        self._libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self._fd = self._libc.inotify_init1(_IN_NONBLOCK)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        mask = _IN_CLOSE_WRITE | _IN_MOVED_TO
        if self._libc.inotify_add_watch(self._fd, str(directory).encode(), mask) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch({directory}) failed")
        self._name = name
        self._count = 0

    def count(self) -> int:
        """Writes seen so far."""
        while True:
            try:
                buffer = os.read(self._fd, 65536)
            except BlockingIOError:
                return self._count
            offset = 0
            while offset < len(buffer):
                _, _, _, length = _EVENT.unpack_from(buffer, offset)
                name = buffer[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0")
                if name.decode() == self._name:
                    self._count += 1
                offset += _EVENT.size + length

    def close(self) -> None:
        os.close(self._fd)
