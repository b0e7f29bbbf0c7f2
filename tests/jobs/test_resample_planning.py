"""Target-shard planning of downsampling and upsampling against a brute-force reference.

The planners are pure functions over values, so they run here on made-up shard
listings without any files. The reference marks, voxel by voxel, which target
voxels have source data, and asks for exactly the target shards that hold one:
every planned shard intersects the source data, and every target voxel with
source data is covered exactly once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wkdist.dask_bridge.tasks import WriteTarget
from wkdist.geometry import BoundingBox, Mag, Vec3Int
from wkdist.jobs.copy import ReadRegion
from wkdist.jobs.downsample import plan_downsample_mag, plan_upsample_mag
from wkdist.storage import ArraySpec, DataFormat

SOURCE = ReadRegion(Path("/nowhere/source"), DataFormat.ZARR3)
pow2 = st.sampled_from([1, 2, 4])
vec_pow2 = st.builds(Vec3Int, pow2, pow2, pow2)
edges = st.sampled_from([4, 8, 16])


def spec(shard: Vec3Int) -> ArraySpec:
    return ArraySpec(DataFormat.ZARR3, np.dtype("uint8"), 1, Vec3Int(4, 4, 4).pairmin(shard), shard, None)


@st.composite
def layouts(draw):
    """A layer box, a source shard grid with some shards written, and a target shard shape."""
    size = Vec3Int(*(draw(st.integers(1, 40)) for _ in range(3)))
    topleft = Vec3Int(*(draw(st.integers(0, 12)) for _ in range(3)))
    source_shard = Vec3Int(draw(edges), draw(edges), draw(edges))
    target_shard = Vec3Int(draw(edges), draw(edges), draw(edges))
    return BoundingBox(topleft, size), source_shard, target_shard


def written(draw, grid_box: BoundingBox, shard: Vec3Int) -> list[BoundingBox]:
    cells = list(grid_box.align_with_mag(shard, ceil=True).chunk(shard, shard))
    chosen = draw(st.lists(st.sampled_from(cells), max_size=len(cells), unique=True))
    return chosen


def expected_cells(data_mask: np.ndarray, target_box: BoundingBox, shard: Vec3Int) -> set[BoundingBox]:
    """Cells of the target shard grid (clipped to ``target_box``) holding a marked voxel;
    ``data_mask`` covers ``[0, target_box.bottomright)``."""
    cells = set()
    for cell in target_box.chunk(shard, shard):
        sl = tuple(slice(lo, hi) for lo, hi in zip(cell.topleft, cell.bottomright, strict=True))
        if data_mask[sl].any():
            cells.add(cell)
    return cells


def mask_of(boxes: list[BoundingBox], shape: Vec3Int) -> np.ndarray:
    mask = np.zeros(tuple(shape), dtype=bool)
    for box in boxes:
        mask[tuple(slice(lo, hi) for lo, hi in zip(box.topleft, box.bottomright, strict=True))] = True
    return mask


def assert_exact_cover(planned: tuple[BoundingBox, ...], expected: set[BoundingBox], mask, target_box):
    assert len(planned) == len(set(planned)), "a target shard is planned twice"
    assert set(planned) == expected
    coverage = np.zeros(mask.shape, dtype=np.int32)
    for box in planned:
        coverage[tuple(slice(lo, hi) for lo, hi in zip(box.topleft, box.bottomright, strict=True))] += 1
    inside = np.zeros(mask.shape, dtype=bool)
    inside[tuple(slice(lo, hi) for lo, hi in zip(target_box.topleft, target_box.bottomright, strict=True))] = True
    assert (coverage[mask & inside] == 1).all(), "a target voxel with data is not covered exactly once"


@settings(max_examples=150, deadline=None)
@given(data=st.data(), layout=layouts(), factors=vec_pow2)
def test_downsample_plans_exactly_the_shards_with_data(data, layout, factors):
    layer_box, source_shard, target_shard = layout
    source_mag, target_mag = Mag(1), Mag(factors)
    source_box = layer_box.align_with_mag(source_mag, ceil=True)
    shards = written(data.draw, source_box, source_shard)
    plan = plan_downsample_mag(
        SOURCE, source_mag, shards,
        layer_box=layer_box, category="color",
        target=WriteTarget(Path("/nowhere/target"), DataFormat.ZARR3, target_mag, None, ""),
        spec=spec(target_shard), interpolation_mode="median",
    )
    # Brute force: a target voxel has data if any source voxel it reduces lies in a shard file.
    target_box = layer_box.align_with_mag(target_mag, ceil=True).in_mag(target_mag)
    source_mask = mask_of(shards, (target_box.bottomright * factors).pairmax(
        Vec3Int(*(max((b.bottomright[a] for b in shards), default=0) for a in range(3)))))
    f = tuple(factors)
    padded = np.zeros(tuple(-(-Vec3Int(source_mask.shape) // factors) * factors), dtype=bool)
    padded[tuple(slice(0, n) for n in source_mask.shape)] = source_mask
    target_mask = padded.reshape(
        padded.shape[0] // f[0], f[0], padded.shape[1] // f[1], f[1], padded.shape[2] // f[2], f[2]
    ).any(axis=(1, 3, 5))
    target_mask = target_mask[tuple(slice(0, n) for n in target_box.bottomright)]
    expected = expected_cells(target_mask, target_box, target_shard)
    assert_exact_cover(plan.shards, expected, target_mask, target_box)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), layout=layouts(), factors=vec_pow2)
def test_upsample_plans_exactly_the_shards_with_data(data, layout, factors):
    layer_box, source_shard, target_shard = layout
    source_mag, target_mag = Mag(factors), Mag(1)
    source_box = layer_box.align_with_mag(source_mag, ceil=True).in_mag(source_mag)
    shards = written(data.draw, source_box, source_shard)
    plan = plan_upsample_mag(
        SOURCE, source_mag, shards, layer_box=layer_box,
        target=WriteTarget(Path("/nowhere/target"), DataFormat.ZARR3, target_mag, None, ""),
        spec=spec(target_shard),
    )
    target_box = layer_box.align_with_mag(target_mag, ceil=True).in_mag(target_mag)
    coarse = mask_of(shards, Vec3Int(*(max((b.bottomright[a] for b in shards), default=0)
                                        for a in range(3))).pairmax(source_box.bottomright))
    fine = coarse
    for axis, factor in enumerate(factors):
        fine = np.repeat(fine, factor, axis=axis)
    shape = target_box.bottomright.pairmax(Vec3Int(fine.shape))
    target_mask = np.zeros(tuple(shape), dtype=bool)
    target_mask[tuple(slice(0, n) for n in fine.shape)] = fine
    expected = expected_cells(target_mask, target_box, target_shard)
    assert_exact_cover(plan.shards, expected, target_mask, target_box)


def test_one_source_shard_plans_one_target_shard():
    """The figure of issue 9: one 1024³ source shard of a 2048³ layer, downsampled to
    mag 2 with 512³ target shards, is one target shard (8 before the fix)."""
    layer_box = BoundingBox((0, 0, 0), (2048, 2048, 2048))
    plan = plan_downsample_mag(
        SOURCE, Mag(1), [BoundingBox((0, 0, 0), (1024, 1024, 1024))],
        layer_box=layer_box, category="color",
        target=WriteTarget(Path("/nowhere/target"), DataFormat.ZARR3, Mag(2), None, ""),
        spec=ArraySpec(DataFormat.ZARR3, np.dtype("uint8"), 1, Vec3Int.full(32), Vec3Int.full(512), None),
        interpolation_mode="median",
    )
    assert plan.shards == (BoundingBox((0, 0, 0), (512, 512, 512)),)
