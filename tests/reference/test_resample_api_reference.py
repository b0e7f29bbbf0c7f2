"""Reference cases: ``downsample_mag_list``, ``only_setup_mags``, ``redownsample``,
``downsample(chunk_shape=, shard_shape=)``, ``upsample(from_mag_view=)`` and
``Dataset.downsample``.

Same calls against wkdist and, with ``WKDIST_REFERENCE_IMPL=webknossos``, webknossos 4.3.3.
"""

from __future__ import annotations

import numpy as np
import pytest

from .reference_support import random_uint8, wk

UNSORTED = [(4, 4, 8), (2, 2, 2), (32, 32, 8), (32, 32, 32)]


def _layer(tmp_path, name="ds"):
    ds = wk.Dataset(tmp_path / name, voxel_size=(1, 1, 2))
    layer = ds.add_layer("color", "color", dtype="uint8")
    layer.add_mag(1).write(random_uint8((10, 20, 30)), allow_resize=True)
    return layer


def test_mag_list_in_any_order(tmp_path):
    layer = _layer(tmp_path)
    layer.downsample_mag_list(from_mag=wk.Mag(1), target_mags=[wk.Mag(m) for m in UNSORTED])
    assert {wk.Mag(m) for m in UNSORTED} <= set(layer.mags)
    # Mag 2 is the median of mag 1's 2×2×2 cubes (with mirrored borders), so its mean is close.
    assert abs(layer.get_mag(2).read().mean() - layer.get_mag(1).read().mean()) < 8


def test_mag_list_setup_first_then_computed(tmp_path):
    layer = _layer(tmp_path)
    mags = [wk.Mag(m) for m in UNSORTED]
    layer.downsample_mag_list(from_mag=wk.Mag(1), target_mags=mags, only_setup_mags=True)
    assert all(not layer.get_mag(m).read().any() for m in mags)
    layer.downsample_mag_list(from_mag=wk.Mag(1), target_mags=mags, allow_overwrite=True)
    assert layer.get_mag(2).read().any()


def test_mag_list_refuses_mags_that_are_not_coarser(tmp_path):
    layer = _layer(tmp_path)
    with pytest.raises(AssertionError):
        layer.downsample_mag_list(
            from_mag=wk.Mag(1),
            target_mags=[wk.Mag(1), wk.Mag((1, 1, 2)), wk.Mag((2, 2, 1)), wk.Mag(2)],
        )
    assert list(layer.mags) == [wk.Mag(1)]


def test_downsample_with_layout_and_redownsample(tmp_path):
    layer = _layer(tmp_path)
    layer.downsample(coarsest_mag=wk.Mag(4), chunk_shape=16, shard_shape=64)
    assert layer.get_mag((2, 2, 1)).info.shard_shape == wk.Vec3Int(64, 64, 64)
    assert layer.get_mag((2, 2, 1)).info.chunk_shape == wk.Vec3Int(16, 16, 16)
    before = layer.get_mag((2, 2, 1)).read()
    layer.get_mag(1).write(np.zeros((10, 20, 30), np.uint8))
    layer.redownsample()
    assert before.any() and not layer.get_mag((2, 2, 1)).read().any()
    assert not layer.get_mag((4, 4, 2)).read().any()


def test_upsample_from_another_layers_mag(tmp_path):
    source_layer = wk.Dataset(tmp_path / "source", voxel_size=(1, 1, 1)).add_layer(
        "color", "color", dtype="uint8"
    )
    source = source_layer.add_mag(2)
    data = random_uint8((1, 32, 32, 8))
    source.write(data, allow_resize=True)
    target_layer = wk.Dataset(tmp_path / "target", voxel_size=(1, 1, 1)).add_layer(
        "color", "color", dtype="uint8", bounding_box=source_layer.bounding_box
    )
    target_layer.upsample(from_mag=wk.Mag(2), from_mag_view=source, finest_mag=wk.Mag(1),
                          compress=False, sampling_mode="isotropic",
                          align_with_other_layers=False, shard_shape=(64, 64, 32))
    result = target_layer.get_mag(1).read()
    np.testing.assert_array_equal(result, data.repeat(2, 1).repeat(2, 2).repeat(2, 3))
    with pytest.raises(ValueError, match="does not match from_mag"):
        target_layer.upsample(from_mag=wk.Mag(4), from_mag_view=source, finest_mag=wk.Mag(1))


def test_dataset_downsample_covers_every_layer(tmp_path):
    layer = _layer(tmp_path)
    seg = layer.dataset.add_layer("segmentation", "segmentation", dtype="uint32",
                                  largest_segment_id=5)
    seg.add_mag(1).write(np.full((10, 20, 30), 5, np.uint32), allow_resize=True)
    layer.dataset.downsample(coarsest_mag=wk.Mag(4))
    assert wk.Mag((4, 4, 2)) in layer.mags and wk.Mag((4, 4, 2)) in seg.mags
    assert (seg.get_mag((2, 2, 1)).read() == 5).all()


def test_downsample_aligns_with_another_dataset(tmp_path):
    guide = _layer(tmp_path, "guide")
    guide.add_mag((2, 2, 1))
    layer = _layer(tmp_path)
    layer.downsample(from_mag=wk.Mag(1), coarsest_mag=wk.Mag((4, 4, 2)),
                     align_with_other_layers=guide.dataset)  # fmt: skip
    assert sorted(layer.mags) == [wk.Mag(1), wk.Mag((2, 2, 1)), wk.Mag((4, 4, 2))]
