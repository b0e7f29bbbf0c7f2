"""Your own per-block computations with context (a halo), on a dask cluster.

    python examples/halo_jobs.py [OUTPUT_FOLDER]

Two classic first steps on an EM volume, each one call of ``wk.map_blocks``:

1. a 3D Gaussian smoothing of the image into a new color layer. Each task reads
   its target shard plus ``halo`` voxels on every side (real data across shard
   borders, the mirror image beyond the volume), so the result equals
   ``scipy.ndimage.gaussian_filter`` on the whole volume;
2. a threshold plus connected components per block into a segmentation layer.
   The function takes a ``box`` parameter, so it learns where its block lies and
   makes ids unique per block; components that cross a block border keep one
   id per block.

And the lazy-array way for whole-volume statistics: ``to_dask()`` blocks are
plain numpy arrays in storage order, so a reduction runs at numpy speed.

Tasks run on a 2-process local cluster here (``wk.cluster("local")``); any
profile works, and memory per worker stays at one shard piece plus its halo
however large the volume (``wkdist.write.task-memory``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from scipy import ndimage

import wkdist as wk
from wkdist.sample_data import em_like_volume

SIZE = (128, 128, 64)
SHARD_SHAPE = 64  # small shards, so that this small volume makes several tasks
SIGMA = (2.0, 2.0, 1.0)  # voxels along x, y, z (thicker sections along z)
HALO = (8, 8, 4)  # gaussian_filter reaches int(4 * sigma + 0.5) voxels
BLOCK_ID_STRIDE = 1 << 20  # ids per block in the connected components


def smooth(block: np.ndarray) -> np.ndarray:
    """(C, X, Y, Z) uint8 with the halo -> smoothed uint8 of the same shape."""
    smoothed = ndimage.gaussian_filter(block, sigma=(0, *SIGMA), mode="reflect", output=np.float32)
    return np.rint(smoothed).astype(np.uint8)


def membrane_free_components(block: np.ndarray, box: wk.BoundingBox) -> np.ndarray:
    """(C, X, Y, Z) uint8 -> (X, Y, Z) uint32 ids of the bright (non-membrane) regions.

    ``box`` is where the block lies (mag voxels): ids start at a multiple of
    ``BLOCK_ID_STRIDE`` that is unique to the block.
    """
    labels, _ = ndimage.label(block[0] > 110)
    grid = -(-np.array(SIZE) // SHARD_SHAPE)
    index = np.ravel_multi_index(tuple(np.array(box.topleft) // SHARD_SHAPE), grid)
    offset = np.uint32(index * BLOCK_ID_STRIDE)
    return np.where(labels > 0, labels.astype(np.uint32) + offset, 0).astype(np.uint32)


def main(out: Path) -> None:
    image, _ = em_like_volume(SIZE, seed=1)
    ds = wk.Dataset(out / "halo_example", voxel_size=(11, 11, 24))
    box = wk.BoundingBox((0, 0, 0), SIZE)
    color = ds.add_layer("color", "color", dtype="uint8", bounding_box=box)
    em = color.add_mag(1, shard_shape=SHARD_SHAPE)
    em.write(image, absolute_offset=(0, 0, 0))

    smoothed = ds.add_layer("smoothed", "color", dtype="uint8", bounding_box=box)
    smooth_mag = smoothed.add_mag(1, shard_shape=SHARD_SHAPE)
    segments = ds.add_layer("components", "segmentation", dtype="uint32", bounding_box=box,
                            largest_segment_id=0)
    segment_mag = segments.add_mag(1, shard_shape=SHARD_SHAPE)

    with wk.cluster("local", {"wkdist.cluster.local.n-workers": 2}):
        wk.map_blocks(smooth, em, smooth_mag, halo=HALO)
        wk.map_blocks(membrane_free_components, em, segment_mag)
        mean = float(em.to_dask().astype("f4").mean().compute())

    reference = ndimage.gaussian_filter(em.read(), sigma=(0, *SIGMA), mode="reflect",
                                        output=np.float32)
    assert np.array_equal(smooth_mag.read(), np.rint(reference).astype(np.uint8))
    labels = segment_mag.read()
    assert np.array_equal(labels[0] > 0, em.read()[0] > 110)
    print(f"smoothed {SIZE} voxels; {len(np.unique(labels)) - 1} components; mean {mean:.1f}")
    print(f"dataset in {ds.path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=None)
    args = parser.parse_args()
    main(args.out or Path(tempfile.mkdtemp(prefix="wkdist-halo-")))
