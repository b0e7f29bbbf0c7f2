"""The journal's file I/O, behind a small interface so that object storage can
implement it with conditional creates instead of renames.

Every write is durable and atomic: a reader, or a process killed at any
instant, sees a record whole or not at all.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wkdist.location import RemotePath

if TYPE_CHECKING:
    from wkdist.location import Location

#: Prefix of the temporary files of an unfinished durable write.
TEMP_PREFIX = ".wkdist-tmp-"


class JournalFiles(Protocol):
    """Named byte records of one job; names are ``/``-separated relative paths."""

    def put(self, name: str, data: bytes) -> None:
        """Store ``data`` under ``name`` durably, replacing what was there."""

    def create(self, name: str, data: bytes) -> bool:
        """Store ``data`` under ``name`` unless it exists; ``False`` if it did."""

    def get(self, name: str) -> bytes:
        """The bytes under ``name`` (``FileNotFoundError`` if there are none)."""

    def exists(self, name: str) -> bool:
        """Whether a record ``name`` exists."""

    def delete(self, name: str) -> None:
        """Delete the record ``name`` durably (no error if there is none)."""

    def list(self, folder: str) -> list[str]:
        """Names of the records directly in ``folder`` (no temporaries), sorted."""

    def remove(self) -> None:
        """Delete every record of the job."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalFiles:
    """:class:`JournalFiles` in a local folder: write a temporary file, fsync it,
    rename it into place, fsync the folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFiles({str(self.root)!r})"

    def _temporary(self, path: Path, data: bytes) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
        with tmp.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        return tmp

    def put(self, name: str, data: bytes) -> None:
        path = self.root / name
        tmp = self._temporary(path, data)
        try:
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    def create(self, name: str, data: bytes) -> bool:
        path = self.root / name
        tmp = self._temporary(path, data)
        try:
            os.link(tmp, path)  # atomic, fails if the name exists
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(path.parent)
        return True

    def get(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def delete(self, name: str) -> None:
        path = self.root / name
        path.unlink(missing_ok=True)
        _fsync_dir(path.parent)

    def list(self, folder: str) -> list[str]:
        try:
            names = os.listdir(self.root / folder)
        except FileNotFoundError:
            return []
        return sorted(f"{folder}/{n}" for n in names if not n.startswith(TEMP_PREFIX))

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class RemoteFiles:
    """:class:`JournalFiles` under a key prefix in object storage: one PUT stores
    a record whole (atomic by itself); :meth:`create` is a conditional PUT
    (``If-None-Match: *``)."""

    def __init__(self, root: RemotePath) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"RemoteFiles({str(self.root)!r})"

    def put(self, name: str, data: bytes) -> None:
        (self.root / name).write_bytes(data)

    def create(self, name: str, data: bytes) -> bool:
        return (self.root / name).create_bytes(data)

    def get(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def delete(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)

    def list(self, folder: str) -> list[str]:
        keys = (self.root / folder).list_keys()
        return sorted(f"{folder}/{key}" for key in keys if "/" not in key)

    def remove(self) -> None:
        self.root.delete_tree()


def journal_files(root: Location) -> JournalFiles:
    """The journal files of the job folder ``root``, local or in object storage."""
    return RemoteFiles(root) if isinstance(root, RemotePath) else LocalFiles(root)
