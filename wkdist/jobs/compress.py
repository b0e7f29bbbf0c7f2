"""Compressing mags in place, safely.

The compressed copy is written next to the mag (``<mag>.compressing``); only
when it is complete are the directories swapped (old → ``<mag>.uncompressed``,
copy → ``<mag>``) and the old one deleted. A crash before the swap leaves the
original untouched; one during the swap leaves both copies on disk. Object
storage has no directory rename, so mags there cannot be compressed in place
(copy the dataset with ``compress=True`` instead).
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from wkdist.dask_bridge.shard_jobs import plan_shard_jobs
from wkdist.dask_bridge.write import WriteTarget
from wkdist.dataset.layout import compression_for
from wkdist.jobs.copy import ReadRegion, target_shards_with_data
from wkdist.location import require_local
from wkdist.storage import ArraySpec, create_array

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from wkdist.dataset.mag_view import MagView


def compress_mag(
    mag_view: MagView,
    *,
    compress: bool | str = True,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> bool:
    """Rewrite ``mag_view`` compressed; return ``False`` if it already was."""
    from wkdist.run import run_plans

    spec = mag_view.info
    codec = compression_for(spec.data_format, compress)
    if spec.compressed:
        return False
    path = require_local(
        mag_view.path,
        "compress in place (a directory swap); copy the dataset with compress=True instead,",
    )
    staging = path.with_name(f"{path.name}.compressing")
    backup = path.with_name(f"{path.name}.uncompressed")
    if staging.exists():
        shutil.rmtree(staging)  # a previous, interrupted attempt
    box_in_mag = mag_view.bounding_box.in_mag(mag_view.mag)
    new_spec = ArraySpec(
        spec.data_format, spec.dtype, spec.num_channels, spec.chunk_shape, spec.shard_shape, codec
    )
    create_array(staging, new_spec, box_in_mag.bottomright)
    plan = plan_shard_jobs(
        ReadRegion(path, spec.data_format),
        WriteTarget(staging, spec.data_format, mag_view.mag, None, ""),
        target_shards_with_data(mag_view, spec.shard_shape),
        needed_shape=box_in_mag.bottomright,
        clip_mag1=mag_view.layer.bounding_box,
    )
    run_plans([plan], executor=executor, progress=progress)
    path.rename(backup)
    staging.rename(path)
    shutil.rmtree(backup)
    return True
