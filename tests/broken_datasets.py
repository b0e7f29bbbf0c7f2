"""A dataset whose source shard is damaged, to make a job fail part-way and resume it."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import numpy as np

import wkdist as wk

if TYPE_CHECKING:
    from pathlib import Path

SHAPE = (128, 64, 64)


def broken_wkw_dataset(root: Path) -> tuple[wk.Dataset, Path, Path, np.ndarray]:
    """``root/src``: a WKW dataset with two LZ4 files in mag 1 (x 0–63 and 64–127)
    whose second file is cut in half. Returns the dataset, the cut file, a copy of
    it intact (``root/intact.wkw``, to repair it) and the voxels (x, y, z)."""
    ds = wk.Dataset(root / "src", voxel_size=(1, 1, 1))
    data = np.random.default_rng(5).integers(0, 255, SHAPE, dtype=np.uint8)
    ds.add_layer("color", "color", data_format="wkw").add_mag(
        1, chunk_shape=32, shard_shape=64, compress=True
    ).write(data, absolute_offset=(0, 0, 0))
    shard = ds.path / "color" / "1" / "z0" / "y0" / "x1.wkw"
    shutil.copy(shard, root / "intact.wkw")
    os.truncate(shard, shard.stat().st_size // 2)
    return ds, shard, root / "intact.wkw", data
