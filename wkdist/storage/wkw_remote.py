"""WKW arrays in object storage: ``wkw`` decodes local files only, so files are staged.

Reads copy ``header.wkw`` and the whole shard files a box touches into a
temporary local directory and read them with ``wkw``; writes encode whole
shards locally (as for local arrays) and upload each file with one PUT, which
replaces the object whole. Partial writes into a WKW file would need a
read-modify-write of the whole file, so they are refused (Zarr v3 writes
single chunks into shards instead).
"""

from __future__ import annotations

import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import wkw

from wkdist.errors import UnsupportedLocationError
from wkdist.geometry import Vec3Int
from wkdist.location import RemotePath
from wkdist.storage.base import DataFormat
from wkdist.storage.wkw_files import write_whole_shards
from wkdist.storage.wkw_runs import shard_path

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from wkdist.location import Location
    from wkdist.storage.mosaic import Voxels

HEADER_NAME = "header.wkw"
_SHARD_KEY = re.compile(r"^z(\d+)/y(\d+)/x(\d+)\.wkw$")


def refuse_shard_jobs(location: Location, data_format: DataFormat | str, operation: str) -> None:
    """Raise before a shard job writes WKW into object storage.

    Shard jobs clip the edge shards to the layer's box, i.e. write parts of WKW
    files, which object storage cannot take; checking up front means nothing is
    written.
    """
    if isinstance(location, RemotePath) and DataFormat(data_format) == DataFormat.WKW:
        raise UnsupportedLocationError(
            f"{operation} would write parts of WKW files at {location}; WKW in object "
            "storage takes whole files only: use zarr3 (data_format='zarr3')"
        )


def shard_key(index: Vec3Int) -> str:
    """The object key of shard ``index`` below the array's prefix."""
    return f"z{index.z}/y{index.y}/x{index.x}.wkw"


def create_header(location: RemotePath, header: wkw.Header) -> None:
    """Write ``header.wkw`` of a new array at ``location``."""
    with tempfile.TemporaryDirectory(prefix="wkdist-wkw-") as tmp:
        wkw.Dataset.create(tmp, header).close()
        (location / HEADER_NAME).write_bytes((Path(tmp) / HEADER_NAME).read_bytes())


@contextmanager
def staged(location: RemotePath, metadata: bytes, indices: Iterable[Vec3Int]) -> Iterator[wkw.Dataset]:
    """A local ``wkw.Dataset`` holding the header and the shards ``indices`` present remotely."""
    with tempfile.TemporaryDirectory(prefix="wkdist-wkw-") as tmp:
        root = Path(tmp)
        (root / HEADER_NAME).write_bytes(metadata)
        for index in indices:
            value, _ = (location / shard_key(index)).read_with_generation()
            if value is not None:
                target = shard_path(root, index)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(value)
        dataset = wkw.Dataset.open(tmp)
        try:
            yield dataset
        finally:
            dataset.close()


def upload_whole_shards(
    location: RemotePath,
    metadata: bytes,
    header: wkw.Header,
    shards: Sequence[tuple[Vec3Int, Voxels]],
) -> None:
    """Encode whole shards locally and upload them (all-zero shards are deleted)."""
    with tempfile.TemporaryDirectory(prefix="wkdist-wkw-") as tmp:
        root = Path(tmp)
        (root / HEADER_NAME).write_bytes(metadata)
        write_whole_shards(root, header, shards)
        for index, _ in shards:
            local = shard_path(root, index)
            remote = location / shard_key(index)
            if local.exists():
                remote.write_bytes(local.read_bytes())
            else:
                remote.unlink(missing_ok=True)


def list_shard_indices(location: RemotePath) -> list[Vec3Int]:
    """Shard indices of the ``z{Z}/y{Y}/x{X}.wkw`` objects below ``location`` (one listing)."""
    indices = []
    for key in location.list_keys():
        match = _SHARD_KEY.match(key)
        if match is not None:
            x, y, z = int(match.group(3)), int(match.group(2)), int(match.group(1))
            indices.append(Vec3Int(x, y, z))
    return sorted(indices, key=lambda index: (index.z, index.y, index.x))
