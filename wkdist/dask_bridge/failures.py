"""Failures inside write tasks, reported by shard with the worker's traceback."""

from __future__ import annotations

import socket
import traceback
from contextlib import contextmanager
from typing import TYPE_CHECKING

from wkdist.errors import ShardFailedError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from wkdist.dask_bridge.write import WriteTarget
    from wkdist.geometry import BoundingBox


@contextmanager
def reporting_shard(target: WriteTarget, box: BoundingBox) -> Iterator[None]:
    """Re-raise any exception in the block as :class:`ShardFailedError` naming ``box``.

    The traceback is put into the message as text: exceptions pickled from a
    dask worker or a SLURM job arrive without theirs.
    """
    try:
        yield
    except ShardFailedError:
        raise
    except Exception as error:
        remote = traceback.format_exc()
        raise ShardFailedError(
            f"shard {box.topleft.to_tuple()}+{box.size.to_tuple()} (voxels of mag "
            f"{target.mag.to_layer_name()}) of {target.path} failed on "
            f"{socket.gethostname()}: {type(error).__name__}: {error}\n"
            f"--- traceback on the worker ---\n{remote}",
            shard=box,
            remote_traceback=remote,
        ) from error
