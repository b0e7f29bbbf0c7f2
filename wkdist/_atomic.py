"""Atomic file replacement: write a sibling temp file, then ``os.replace`` it in.

A reader (or a crash) never sees a half-written file: it sees the old content
or the new one. In object storage one PUT replaces an object whole, which is
atomic by itself.
"""

from __future__ import annotations

import os
import uuid

from wkdist.location import Location, RemotePath


def write_text_atomically(path: Location, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (same directory, then ``os.replace``)."""
    if isinstance(path, RemotePath):
        path.write_text(text)
        return
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        with tmp.open("w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
