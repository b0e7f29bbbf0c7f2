"""downsample_region against what webknossos 4.3.3 writes when it downsamples a real dataset.

Layers have an unaligned topleft and sizes that are no multiple of the mags, so
every step pads at the layer border. Each step is checked on its own: the
function reads the reference's source mag and must give the reference's target
mag, voxel for voxel.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import pairwise, product
from typing import TYPE_CHECKING

import numpy as np
import pytest
import webknossos as wk
from cluster_tools import SequentialExecutor

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag
from wkdist.jobs.downsampling.region import (
    downsample_buffer_shape,
    downsample_job_shape,
    downsample_region,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

VOXEL_SIZE = (11, 11, 24)
TOPLEFT = (3, 5, 7)
SIZE = (61, 50, 33)
FLAT_TOPLEFT, FLAT_SIZE = (5, 3, 0), (37, 29, 1)
ZOOM_BUFFER = (4, 4, 4)
SHARD = 64


@dataclass(frozen=True)
class Case:
    """A layer the reference downsampled and how."""

    name: str
    mode: str
    category: str = "color"
    dtype: str = "uint8"
    num_channels: int = 1
    flat: bool = False
    direct_to: str | None = None  # one downsample_mag step from Mag(1) instead of a ladder

    @property
    def buffer_shape(self) -> tuple[int, int, int] | None:
        return ZOOM_BUFFER if self.mode in ("nearest", "bilinear", "bicubic") else None


CASES = (
    *(
        Case(mode, mode)
        for mode in ("median", "mode", "nearest", "bilinear", "bicubic", "max", "min")
    ),
    Case("segmentation", "mode", category="segmentation", dtype="uint32"),
    Case("rgb", "median", num_channels=3),
    Case("flat", "median", flat=True),
    Case("direct_median", "median", direct_to="4-4-2"),
    Case("direct_segmentation", "mode", category="segmentation", dtype="uint32", direct_to="4-4-2"),
    Case("direct_bilinear", "bilinear", direct_to="4-4-2"),
)


def _mag1_data(case: Case, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(len(case.name))
    if case.category == "segmentation":
        ids = np.array([0, 7, 4_000_000_000, 123_456], dtype=np.uint32)
        data = ids[rng.integers(0, 4, shape)]
    else:
        ramp = np.add.outer(np.arange(shape[1]), np.arange(shape[2]))[None, :, :, None] * 2
        data = ((ramp + rng.integers(0, 60, shape)) % 256).astype(np.uint8)
    data[:, 16:32] = 0  # all-zero pieces take the skip path
    return data


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> wk.Dataset:
    dataset = wk.Dataset(tmp_path_factory.mktemp("reference") / "ds", voxel_size=VOXEL_SIZE)
    with warnings.catch_warnings(), SequentialExecutor() as executor:
        warnings.simplefilter("ignore")
        for case in CASES:
            topleft, size = (FLAT_TOPLEFT, FLAT_SIZE) if case.flat else (TOPLEFT, SIZE)
            layer = dataset.add_layer(
                case.name,
                case.category,
                dtype_per_channel=case.dtype,
                num_channels=case.num_channels,
                bounding_box=wk.BoundingBox(topleft, size),
                **({"largest_segment_id": 0} if case.category == "segmentation" else {}),
            )
            mag1 = layer.add_mag(1, chunk_shape=32, shard_shape=SHARD)
            mag1.write(_mag1_data(case, (case.num_channels, *size)), absolute_offset=topleft)
            options = {
                "interpolation_mode": case.mode,
                "buffer_shape": case.buffer_shape,
                "chunk_shape": 32,
                "shard_shape": SHARD,
                "executor": executor,
            }
            if case.direct_to is None:
                layer.downsample(from_mag=wk.Mag(1), coarsest_mag=wk.Mag(8), **options)
            else:
                layer.downsample_mag(wk.Mag(1), wk.Mag(case.direct_to), **options)
    return dataset


def _steps(layer: wk.Layer) -> Iterator[tuple[Mag, Mag]]:
    mags = sorted((Mag(m.to_list()) for m in layer.mags), key=lambda m: m.max_dim)
    assert len(mags) >= 2
    return pairwise(mags)


def _read_mag(layer: wk.Layer, mag: Mag) -> tuple[BoundingBox, np.ndarray]:
    """The layer box aligned with ``mag`` (in ``mag`` voxels) and its data."""
    box = layer.bounding_box.align_with_mag(wk.Mag(mag.to_list()), ceil=True)
    data = layer.get_mag(mag.to_layer_name()).read(absolute_bounding_box=box)
    mag1_box = BoundingBox(box.topleft, box.size)
    return mag1_box.in_mag(mag), data


class SourceReader:
    """``read`` for downsample_region: slices the source mag and checks every box."""

    def __init__(self, valid_box: BoundingBox, data: np.ndarray) -> None:
        self.valid_box, self.data, self.boxes = valid_box, data, []

    def __call__(self, box: BoundingBox) -> np.ndarray:
        assert not box.is_empty(), box
        assert self.valid_box.contains_bbox(box), box
        self.boxes.append(box)
        return self.data[(slice(None), *box.offset(-self.valid_box.topleft).to_slices())].copy()


def _halves(box: BoundingBox) -> Iterator[BoundingBox]:
    """Up to 8 pieces of ``box``, each at least 2 voxels wide."""
    cuts = [sorted({0, size // 2, size}) if size >= 4 else [0, size] for size in box.size]
    for xs, ys, zs in product(*(list(pairwise(c)) for c in cuts)):
        lo, hi = zip(xs, ys, zs, strict=True)
        yield BoundingBox(box.topleft + lo, np.subtract(hi, lo))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_step_matches_reference(reference, case):
    layer = reference.get_layer(case.name)
    for source_mag, target_mag in _steps(layer):
        valid_box, source = _read_mag(layer, source_mag)
        target_box, expected = _read_mag(layer, target_mag)
        factors = target_mag.to_vec3_int() // source_mag.to_vec3_int()
        reader = SourceReader(valid_box, source)
        result = downsample_region(
            reader, valid_box, target_box, factors, case.mode, buffer_shape=case.buffer_shape
        )
        assert result.dtype == expected.dtype
        np.testing.assert_array_equal(result, expected, err_msg=f"{source_mag} -> {target_mag}")
        if case.buffer_shape is not None:
            continue  # zoom spans each piece, so only the reference's pieces match
        for piece in _halves(target_box):
            np.testing.assert_array_equal(
                downsample_region(reader, valid_box, piece, factors, case.mode),
                expected[(slice(None), *piece.offset(-target_box.topleft).to_slices())],
                err_msg=f"{source_mag} -> {target_mag}, piece {piece}",
            )


def test_mirror_padding_is_symmetric_on_both_sides():
    # Valid source x = 1..4 (values 10, 20, 30, 40); target voxels x = 0..1 with factor 4
    # cover source x = 0..7: 1 voxel padded before, 3 after.
    data = np.array([10, 20, 30, 40], dtype=np.uint8).reshape(1, 4, 1, 1)
    valid = BoundingBox((1, 0, 0), (4, 1, 1))
    reader = SourceReader(valid, data)
    result = downsample_region(reader, valid, BoundingBox((0, 0, 0), (2, 1, 1)), (4, 1, 1), "max")
    assert reader.boxes == [valid]
    # Padded row: 10 | 10 20 30 40 | 40 30 20  -> blocks [10 10 20 30] [40 40 30 20]
    np.testing.assert_array_equal(result[0, :, 0, 0], [30, 40])
    minimum = downsample_region(reader, valid, BoundingBox((0, 0, 0), (2, 1, 1)), (4, 1, 1), "min")
    np.testing.assert_array_equal(minimum[0, :, 0, 0], [10, 20])


def test_target_box_outside_the_layer_is_rejected():
    valid = BoundingBox((1, 0, 0), (4, 2, 2))
    reader = SourceReader(valid, np.ones((1, 4, 2, 2), np.uint8))
    with pytest.raises(InvalidArgumentError, match="target_box"):
        downsample_region(reader, valid, BoundingBox((0, 0, 0), (4, 1, 1)), (2, 2, 2), "median")
    with pytest.raises(InvalidArgumentError, match="target_box"):
        downsample_region(reader, valid, BoundingBox((0, 0, 0), (0, 1, 1)), (2, 2, 2), "median")


def test_read_with_wrong_shape_is_reported():
    valid = BoundingBox((0, 0, 0), (4, 4, 4))
    with pytest.raises(InvalidArgumentError, match="returned shape"):
        downsample_region(
            lambda box: np.zeros((1, 2, 2, 2), np.uint8), valid, valid, (1, 1, 1), "median"
        )


def test_buffer_and_job_shapes_follow_webknossos():
    assert downsample_buffer_shape((2, 2, 2), (1024, 1024, 1024)) == (512, 512, 512)
    assert downsample_buffer_shape((4, 4, 1), (1024, 1024, 32)) == (256, 256, 32)
    assert downsample_buffer_shape((2048, 2, 1), (64, 64, 64)) == (1, 64, 64)
    assert downsample_job_shape((1024, 1024, 1024)) == (1024, 1024, 1024)
    assert downsample_job_shape((4096, 4096, 32)) == (4096, 4096, 64)
    assert downsample_job_shape((64, 64, 64)) == (1024, 1024, 1024)
