"""The module path ``webknossos.dataset._utils.tensorstore_helpers``: whole Zarr v3 arrays.

Attachments (agglomerate views, ...) are groups of small n-d Zarr v3 arrays
that are written and read whole; these two functions do that with tensorstore,
in wkdist's tensorstore context, locally or in object storage.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import tensorstore as ts

from wkdist.location import LocationLike, as_location, kvstore_spec, tensorstore_context

if TYPE_CHECKING:
    import numpy as np

__all__ = ["read_zarr3_array", "write_zarr3_array"]


def read_zarr3_array(path: LocationLike) -> np.ndarray:
    """The whole Zarr v3 array at ``path`` as a numpy array."""
    spec = {"driver": "zarr3", "kvstore": kvstore_spec(as_location(path))}
    array = ts.open(spec, open=True, context=tensorstore_context()).result()
    data: np.ndarray = array.read().result()
    return data


def write_zarr3_array(
    path: LocationLike,
    data: np.ndarray,
    *,
    target_chunk_size_bytes: int,
    target_shard_size_bytes: int,
) -> None:
    """Write ``data`` as a new sharded Zarr v3 array (zstd) at ``path``.

    Chunks and shards split the first axis only, into runs of about
    ``target_chunk_size_bytes`` and ``target_shard_size_bytes`` (a shard is a
    whole number of chunks); the other axes stay whole.
    """
    row_bytes = data.dtype.itemsize * math.prod(data.shape[1:])
    rows = max(data.shape[0], 1)
    chunk_rows = max(1, min(rows, target_chunk_size_bytes // max(row_bytes, 1)))
    shard_rows = max(chunk_rows, min(rows, target_shard_size_bytes // max(row_bytes, 1)))
    shard_rows = -(-shard_rows // chunk_rows) * chunk_rows
    rest = list(data.shape[1:])
    metadata: dict[str, Any] = {
        "data_type": data.dtype.name,
        "shape": list(data.shape),
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [shard_rows, *rest]}},
        "chunk_key_encoding": {"name": "default"},
        "fill_value": 0,
        "codecs": [
            {
                "name": "sharding_indexed",
                "configuration": {
                    "chunk_shape": [chunk_rows, *rest],
                    "codecs": [
                        {"name": "bytes", "configuration": {"endian": "little"}},
                        {"name": "zstd", "configuration": {"level": 5, "checksum": True}},
                    ],
                    "index_codecs": [
                        {"name": "bytes", "configuration": {"endian": "little"}},
                        {"name": "crc32c"},
                    ],
                },
            }
        ],
    }
    spec = {
        "driver": "zarr3",
        "kvstore": kvstore_spec(as_location(path)),
        "metadata": metadata,
    }
    array = ts.open(spec, create=True, context=tensorstore_context()).result()
    array.write(data).result()
