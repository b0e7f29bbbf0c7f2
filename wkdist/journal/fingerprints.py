"""Fingerprints of stored shards: taken when a write task has made them durable,
checked cheaply before a resumed job skips them, and fully by ``wkdist verify``.

A local file is fingerprinted by size, modification time and CRC-32 (fsynced
first); an object in object storage by its generation (the ETag, which the
server derives from the content when it stores it).
"""

from __future__ import annotations

import os
import zlib
from typing import TYPE_CHECKING

from wkdist.journal.records import ShardFile
from wkdist.location import RemotePath

if TYPE_CHECKING:
    from pathlib import Path

    from wkdist.geometry import Vec3Int
    from wkdist.location import Location
    from wkdist.storage import StorageArray

_READ_BLOCK = 16 * 2**20


def file_crc32(path: Path, *, sync: bool = False) -> tuple[int, int, int]:
    """``(size, mtime_ns, crc32)`` of the file at ``path``; with ``sync`` it is
    fsynced first, so the fingerprint describes bytes that are on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if sync:
            os.fsync(fd)
        crc = 0
        with os.fdopen(os.dup(fd), "rb", buffering=0) as file:
            while block := file.read(_READ_BLOCK):
                crc = zlib.crc32(block, crc)
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    return stat.st_size, stat.st_mtime_ns, crc


def fingerprint(array: StorageArray, index: Vec3Int) -> ShardFile:
    """The fingerprint of ``array``'s shard ``index`` as stored now (absent: an
    all-zero shard that the format does not store)."""
    location = array.shard_file(index)
    relative = location.relative_to(array.path).as_posix()  # type: ignore[arg-type]
    if isinstance(location, RemotePath):
        generation = location.generation()
        if generation is None:
            return ShardFile(index, relative, -1, 0, 0)
        return ShardFile(index, relative, 0, 0, 0, generation.hex())
    try:
        size, mtime, crc = file_crc32(location, sync=True)
    except FileNotFoundError:
        return ShardFile(index, relative, -1, 0, 0)
    return ShardFile(index, relative, size, mtime, crc)


def _object_problem(location: RemotePath, shard: ShardFile) -> str | None:
    generation = location.generation()
    if generation is None:
        return None if shard.absent else "missing"
    if shard.absent:
        return "not in the journal"
    return None if generation.hex() == shard.generation else "changed"


def shard_unchanged(root: Location, shard: ShardFile) -> bool:
    """The cheap check before a recorded shard is skipped: its file has the
    recorded size and modification time, or its object the recorded generation
    (or it is still absent)."""
    location = root / shard.file
    if isinstance(location, RemotePath):
        return _object_problem(location, shard) is None
    try:
        stat = location.stat()
    except FileNotFoundError:
        return shard.absent
    return (stat.st_size, stat.st_mtime_ns) == (shard.size, shard.mtime_ns)


def shard_problem(root: Location, shard: ShardFile) -> str | None:
    """The full check: ``None`` if the shard is as recorded (a file's size and
    CRC-32, re-read; an object's generation), else what is wrong: ``missing``,
    ``truncated``, ``size changed``, ``checksum mismatch``, ``changed`` (an object)
    or ``not in the journal`` (recorded as absent, but stored)."""
    location = root / shard.file
    if isinstance(location, RemotePath):
        return _object_problem(location, shard)
    try:
        size, _, crc = file_crc32(location)
    except FileNotFoundError:
        return None if shard.absent else "missing"
    if shard.absent:
        return "not in the journal"
    if size < shard.size:
        return "truncated"
    if size != shard.size:
        return "size changed"
    return None if crc == shard.crc32 else "checksum mismatch"
