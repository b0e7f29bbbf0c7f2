"""Compressing a mag in place, safely.

The compressed copy is written next to the mag (``<mag>.compressing``); only
when it is complete are the directories swapped (old → ``<mag>.uncompressed``,
copy → ``<mag>``) and the old one deleted. A crash before the swap leaves the
original untouched; one during the swap leaves both copies on disk, and
:func:`finish_swap` completes it. Object storage has no directory rename, so
mags there cannot be compressed in place (copy the dataset with
``compress=True`` instead).

The steps, in order: :func:`create_staging` (the empty compressed array),
:func:`plan_compress` (the copy into it, run by the caller),
:func:`swap_in_staging`.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from wkdist.dask_bridge.tasks import WriteTarget
from wkdist.jobs.copy import ReadRegion, plan_mag_copy
from wkdist.storage import create_array, open_array

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.geometry import BoundingBox, Mag, Vec3Int
    from wkdist.storage import ArraySpec, DataFormat


def staging_path(path: Path) -> Path:
    """Where the compressed copy of the mag at ``path`` is written."""
    return path.with_name(f"{path.name}.compressing")


def create_staging(path: Path, spec: ArraySpec, shape: Vec3Int) -> Path:
    """Create the empty array for the re-encoded copy (layout ``spec``) of ``shape``
    (mag voxels); a leftover of an interrupted attempt is removed."""
    staging = staging_path(path)
    if staging.exists():
        shutil.rmtree(staging)
    create_array(staging, spec, shape)
    return staging


def plan_compress(
    path: Path,
    spec: ArraySpec,
    mag: Mag,
    written_shards: Iterable[BoundingBox],
    layer_box: BoundingBox,
) -> WritePlan:
    """Plan copying the mag at ``path`` into its staging array of layout ``spec``
    (the same format; compression, chunk and shard shape may differ).

    ``written_shards`` are the mag's shard files (mag voxels), ``layer_box`` the
    layer's box (Mag(1) voxels); the properties file is not touched.
    """
    staging = staging_path(path)
    target = WriteTarget(staging, spec.data_format, mag, None, "")
    return plan_mag_copy(ReadRegion(path, spec.data_format), written_shards, layer_box, target, spec)


def _backup_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.uncompressed")


def swap_in_staging(path: Path) -> None:
    """Replace the mag at ``path`` with its complete compressed copy."""
    backup = _backup_path(path)
    path.rename(backup)
    finish_swap(path)


def finish_swap(path: Path) -> None:
    """Complete a swap that was interrupted (no-op if none was): the compressed
    copy moves in if it has not yet, then the old files are deleted."""
    backup = _backup_path(path)
    if not backup.exists():
        return
    if not path.exists():
        staging_path(path).rename(path)
    shutil.rmtree(backup)


def staging_usable(path: Path, data_format: DataFormat) -> bool:
    """Whether the staging array of the mag at ``path`` exists with its metadata
    (an interrupted job continues writing into it)."""
    try:
        open_array(staging_path(path), data_format)
    except FileNotFoundError:
        return False
    return True
