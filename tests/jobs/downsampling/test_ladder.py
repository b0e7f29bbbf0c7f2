"""Mag ladders against webknossos 4.3.3: format.md §7 examples, its ladder function and
its full ``Layer.downsample`` / ``Layer.upsample`` on real datasets."""

from __future__ import annotations

import warnings
from itertools import pairwise, product
from typing import TYPE_CHECKING

import numpy as np
import pytest
import webknossos as wk
from cluster_tools import SequentialExecutor
from webknossos.dataset.layer._downsampling_utils import (
    calculate_default_coarsest_mag,
    calculate_mags_to_downsample,
    calculate_mags_to_upsample,
)

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag
from wkdist.jobs.downsampling.ladder import (
    default_coarsest_mag,
    sampling_ladder,
    upsampling_ladder,
)

if TYPE_CHECKING:
    from pathlib import Path

OTHER_LAYER_MAGS = {
    "none": (),
    "anisotropic": ("1", "2-2-1", "4-4-1", "8-8-2", "16-16-4"),
    "isotropic": ("1", "2", "4", "8"),
}
VOXEL_SIZES = ((11, 11, 24), (4, 4, 40), (8, 8, 8), (1, 1, 1), (5, 7, 3), (10, 10, 1.5))


def _names(mags: list) -> list[str]:
    return [mag.to_layer_name() for mag in mags]


@pytest.mark.parametrize(
    ("voxel_size", "expected"),
    [
        ((11, 11, 24), ["2-2-1", "4-4-2", "8-8-4", "16-16-8", "32-32-16"]),
        ((4, 4, 40), ["2-2-1", "4-4-1", "8-8-1", "16-16-2", "32-32-4"]),
        ((8, 8, 8), ["2", "4", "8", "16", "32"]),
    ],
)
def test_format_md_examples(voxel_size, expected):
    assert _names(sampling_ladder(1, 32, voxel_size, "anisotropic", 100)) == expected
    assert _names(sampling_ladder(1, 32, voxel_size, "auto", 100)) == expected


def test_isotropic_constant_z_and_flat_layers():
    assert _names(sampling_ladder(1, 16, (4, 4, 40), "isotropic", 100)) == ["2", "4", "8", "16"]
    assert _names(sampling_ladder(1, 8, (4, 4, 40), "constant_z", 100)) == [
        "2-2-1",
        "4-4-1",
        "8-8-1",
    ]
    with pytest.warns(UserWarning, match="constant_z"):
        assert _names(sampling_ladder(1, 4, (8, 8, 8), "isotropic", 1)) == ["2-2-1", "4-4-1"]


def test_aligns_with_other_layers():
    others = [Mag(m) for m in OTHER_LAYER_MAGS["anisotropic"]]
    assert _names(sampling_ladder(1, 16, (8, 8, 8), "anisotropic", 100, others)) == [
        "2-2-1",
        "4-4-1",
        "8-8-2",
        "16-16-4",
    ]


def test_bad_combinations_raise():
    with pytest.raises(InvalidArgumentError, match="coarser than coarsest_mag"):
        sampling_ladder(8, 4, (1, 1, 1), "isotropic", 100)
    with pytest.raises(InvalidArgumentError, match="sampling_mode='cubic'"):
        sampling_ladder(1, 4, (1, 1, 1), "cubic", 100)
    with pytest.raises(InvalidArgumentError, match="same largest factor"):
        sampling_ladder(1, 4, (1, 1, 1), "isotropic", 100, [Mag(2), Mag("2-2-1")])
    # constant_z keeps z=4 of 1-1-4: 2-2-4, 4-4-4, 8-8-4 all have the largest factor 4.
    with pytest.raises(RuntimeError, match="same largest factor"):
        sampling_ladder("1-1-4", 8, (1, 1, 1), "constant_z", 100)
    with pytest.warns(UserWarning, match="same largest factor"):
        ladder = sampling_ladder(
            "1-1-4", 8, (1, 1, 1), "constant_z", 100, force_sampling_scheme=True
        )
    assert _names(ladder) == ["2-2-4", "4", "8-8-4"]


def test_default_coarsest_mag_matches_reference():
    for edge in (1, 50, 100, 101, 200, 201, 399, 400, 401, 1000, 3200, 3201, 100 * 2**20 + 1):
        for size in ((edge, 3, 1), (7, edge, 9)):
            expected = calculate_default_coarsest_mag(size).to_list()
            assert default_coarsest_mag(BoundingBox((5, 5, 5), size)).to_list() == expected
    with pytest.raises(InvalidArgumentError, match="no extent"):
        default_coarsest_mag(BoundingBox((0, 0, 0), (0, 0, 5)))


@pytest.fixture(scope="module")
def align_datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, wk.Dataset | None]:
    """Per key of OTHER_LAYER_MAGS a real dataset whose only layer holds those mags."""
    datasets: dict[str, wk.Dataset | None] = {"none": None}
    for key, mags in OTHER_LAYER_MAGS.items():
        if mags:
            dataset = wk.Dataset(tmp_path_factory.mktemp(key) / "ds", voxel_size=(1, 1, 1))
            layer = dataset.add_layer(
                "other", "color", bounding_box=wk.BoundingBox((0, 0, 0), (64,) * 3)
            )
            for mag in mags:
                layer.add_mag(mag)
            datasets[key] = dataset
    return datasets


def _outcome(function, *args: object, **kwargs: object):
    """The mag names ``function`` returns, or the type of error it raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _names(function(*args, **kwargs))
    except (AssertionError, RuntimeError, ValueError) as error:
        return type(error)


def _same(ours, theirs) -> bool:
    if isinstance(theirs, type):
        return isinstance(ours, type) and issubclass(ours, theirs)
    return ours == theirs


@pytest.mark.parametrize("align", OTHER_LAYER_MAGS)
def test_ladder_function_matches_reference(align_datasets, align):
    dataset = align_datasets[align]
    others = [Mag(m) for m in OTHER_LAYER_MAGS[align]]
    for voxel_size, from_mag, coarsest, isotropic in product(
        VOXEL_SIZES, ("1", "2-2-1", "1-1-2", "2"), ("4", "32", "16-16-1", "64-64-8"), (False, True)
    ):
        mode = "isotropic" if isotropic else "anisotropic"
        their_voxel_size = None if isotropic else voxel_size
        fine, coarse = wk.Mag(from_mag), wk.Mag(coarsest)
        theirs = _outcome(calculate_mags_to_downsample, fine, coarse, dataset, their_voxel_size)
        ours = _outcome(
            sampling_ladder, from_mag, coarsest, voxel_size, mode, 100, others,
            force_sampling_scheme=True,
        )  # fmt: skip
        assert _same(ours, theirs), (voxel_size, from_mag, coarsest, mode, ours, theirs)
        theirs_up = _outcome(calculate_mags_to_upsample, coarse, fine, dataset, their_voxel_size)
        if isinstance(theirs_up, list):
            ours_up = _outcome(upsampling_ladder, coarsest, from_mag, voxel_size, mode, others)
            # The reference's upsample() asserts afterwards that every step gets finer.
            steps = pairwise([coarsest, *theirs_up])
            expected = theirs_up if all(Mag(a) > Mag(b) for a, b in steps) else InvalidArgumentError
            assert _same(ours_up, expected), (voxel_size, from_mag, coarsest, mode)


LAYER_CASES = [
    # voxel_size, sampling_mode, from_mag, coarsest_mag, layer depth, other layer mags
    ((11, 11, 24), "anisotropic", "1", None, 40, "none"),
    ((11, 11, 24), "auto", "1", "16", 40, "none"),
    ((4, 4, 40), "anisotropic", "1", "32", 40, "isotropic"),
    ((8, 8, 8), "anisotropic", "1", "16", 40, "anisotropic"),
    ((8, 8, 8), "isotropic", "2-2-1", "16", 40, "none"),
    ((8, 8, 8), "constant_z", "1", "8", 40, "none"),
    ((8, 8, 8), "isotropic", "1", "8", 1, "none"),
    ((1, 1, 1), "isotropic", "1-1-2", "4-4-2", 40, "none"),
    ((1, 1, 1), "isotropic", "8", "4", 40, "none"),
    ((1, 1, 1), "constant_z", "1-1-4", "8", 40, "none"),
]


@pytest.mark.parametrize(
    ("voxel_size", "mode", "from_mag", "coarsest", "depth", "align"), LAYER_CASES
)
def test_layer_downsample_matches_reference(
    tmp_path: Path, voxel_size, mode, from_mag, coarsest, depth, align
):
    dataset = wk.Dataset(tmp_path / "ds", voxel_size=voxel_size)
    box = wk.BoundingBox((0, 0, 0), (900, 300, depth))
    layer = dataset.add_layer("color", "color", bounding_box=box)
    layer.add_mag(from_mag)
    other_mags = OTHER_LAYER_MAGS[align]
    if other_mags:
        other = dataset.add_layer("other", "color", bounding_box=box)
        for mag in other_mags:
            other.add_mag(mag)
    all_mags = [Mag(m.to_list()) for lay in dataset.layers.values() for m in lay.mags]

    def reference():
        layer.downsample(
            from_mag=wk.Mag(from_mag),
            coarsest_mag=None if coarsest is None else wk.Mag(coarsest),
            sampling_mode=mode,
            only_setup_mags=True,
        )
        return sorted((m for m in layer.mags if m != wk.Mag(from_mag)), key=lambda m: m.max_dim)

    theirs = _outcome(reference)
    if coarsest is None:
        coarsest = default_coarsest_mag(BoundingBox(box.topleft, box.size))
    ours = _outcome(sampling_ladder, from_mag, coarsest, voxel_size, mode, depth, all_mags)
    assert _same(ours, theirs)


@pytest.mark.parametrize(
    ("mode", "from_mag", "finest"),
    [
        ("anisotropic", "8-8-4", "1"),
        ("isotropic", "4", "1"),
        ("constant_z", "4-4-2", "1"),
        ("constant_z", "4-4-1", "1"),
    ],
)
def test_layer_upsample_matches_reference(tmp_path: Path, mode, from_mag, finest):
    dataset = wk.Dataset(tmp_path / "ds", voxel_size=(11, 11, 24))
    layer = dataset.add_layer(
        "color", "color", bounding_box=wk.BoundingBox((0, 0, 0), (16, 16, 16))
    )
    source = layer.add_mag(from_mag, chunk_shape=32, shard_shape=32)
    source.write(
        np.ones((1, *(16 // np.array(source.mag.to_list()))), np.uint8), absolute_offset=(0, 0, 0)
    )
    with warnings.catch_warnings(), SequentialExecutor() as executor:
        warnings.simplefilter("ignore")
        layer.upsample(
            wk.Mag(from_mag), finest_mag=wk.Mag(finest), sampling_mode=mode,
            chunk_shape=32, shard_shape=32, executor=executor,
        )  # fmt: skip
    created = sorted((m for m in layer.mags if m != wk.Mag(from_mag)), key=lambda m: -m.max_dim)
    # align_with_other_layers (default) includes the layer's own mags: from 4-4-2 with
    # constant_z, 4-4-2 itself is the "mag with max_dim 2·2", so the reference makes a
    # single 4-4-1-fold step to 1-1-2.
    ours = upsampling_ladder(from_mag, finest, (11, 11, 24), mode, [Mag(from_mag)])
    assert _names(ours) == _names(created)
