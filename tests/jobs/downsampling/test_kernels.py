"""downsample_cxyz / upsample_cxyz against webknossos 4.3.3's own cube functions."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
import pytest
from webknossos.dataset.layer._downsampling_utils import InterpolationModes, downsample_cube
from webknossos.dataset.layer._upsampling_utils import upsample_cube

from wkdist.errors import InvalidArgumentError
from wkdist.jobs.downsampling import (
    INTERPOLATION_MODES,
    downsample_cxyz,
    parse_interpolation_mode,
    upsample_cxyz,
)

if TYPE_CHECKING:
    from collections.abc import Callable

REFERENCE_MODES = ("median", "mode", "nearest", "bilinear", "bicubic", "max", "min")
DTYPES = (np.uint8, np.uint16, np.uint32, np.uint64, np.float32)
FACTORS = ((2, 2, 2), (2, 2, 1), (4, 4, 2))


def _random(dtype: type, shape: tuple[int, ...], seed: int, few_values: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        values = rng.normal(0, 1000, shape)
        return (np.round(values / 500) if few_values else values).astype(dtype)
    info = np.iinfo(dtype)
    if few_values:  # tie-heavy, e.g. a segmentation with a few large ids
        ids = rng.integers(info.min, info.max, 3, dtype=dtype, endpoint=True)
        return np.concatenate([ids, [0]]).astype(dtype)[rng.integers(0, 4, shape)]
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


def _reference(data: np.ndarray, factors: tuple[int, int, int], mode: str) -> np.ndarray:
    cubes = [
        downsample_cube(np.asfortranarray(channel), list(factors), InterpolationModes[mode.upper()])
        for channel in data
    ]
    return np.stack(cubes)


@pytest.mark.parametrize("few_values", [False, True], ids=["random", "ties"])
@pytest.mark.parametrize("factors", FACTORS, ids=lambda f: "-".join(map(str, f)))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", REFERENCE_MODES)
def test_matches_reference(mode, dtype, factors, few_values):
    seed = 10 * REFERENCE_MODES.index(mode) + FACTORS.index(factors)
    data = _random(dtype, (2, 16, 12, 8), seed=seed, few_values=few_values)
    result = downsample_cxyz(data, factors, mode)
    expected = _reference(data, factors, mode)
    assert result.dtype == data.dtype
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("dtype", [np.int16, np.int64, np.float64])
@pytest.mark.parametrize("mode", ["median", "mode"])
def test_signed_and_float64_match_reference(mode, dtype):
    data = _random(dtype, (1, 8, 8, 4), seed=7, few_values=False)
    for factors in FACTORS:
        np.testing.assert_array_equal(
            downsample_cxyz(data, factors, mode), _reference(data, factors, mode)
        )


@pytest.mark.parametrize("mode", ["median", "mode", "max", "min"])
def test_float_nan_and_inf_match_reference(mode):
    data = _random(np.float32, (1, 8, 8, 4), seed=3, few_values=True)
    flat = data.reshape(-1)
    flat[::7] = np.nan
    flat[3::11] = np.inf
    flat[5::13] = -np.inf
    flat[1::17] = np.float32(3e38)  # float32 sums overflow like numpy's
    for factors in FACTORS:
        np.testing.assert_array_equal(
            downsample_cxyz(data, factors, mode), _reference(data, factors, mode)
        )


def test_mode_ties_go_to_first_value_in_y_x_z_order():
    data = np.zeros((1, 2, 2, 2), dtype=np.uint32)
    # Block order is y fastest, then x, then z; by rank:
    # (0,0,0) (0,1,0) (1,0,0) (1,1,0) (0,0,1) (0,1,1) (1,0,1) (1,1,1)
    for rank, value in enumerate((3, 9, 5, 1, 2, 5, 4, 9)):
        dz, rest = divmod(rank, 4)
        dx, dy = divmod(rest, 2)
        data[0, dx, dy, dz] = value
    # 9 and 5 occur twice; 9 first (rank 1). With x fastest, 5 would come first.
    assert downsample_cxyz(data, (2, 2, 2), "mode")[0, 0, 0, 0] == 9
    np.testing.assert_array_equal(
        downsample_cxyz(data, (2, 2, 2), "mode"), _reference(data, (2, 2, 2), "mode")
    )


def test_median_truncates_the_float64_average():
    data = np.array([1, 2, 3, 10, 200, 201, 250, 255], dtype=np.uint8).reshape(1, 2, 2, 2)
    # Middle values 10 and 200 -> 105.0. The 2x2x1 block at z=0 is 1, 3, 200, 250
    # -> (3 + 200) / 2 = 101.5 -> 101, and negated -101.5 -> -101 (towards zero).
    assert downsample_cxyz(data, (2, 2, 2), "median")[0, 0, 0, 0] == 105
    assert downsample_cxyz(data, (2, 2, 1), "median")[0, 0, 0, 0] == 101
    signed = -data.astype(np.int16)
    assert downsample_cxyz(signed, (2, 2, 1), "median")[0, 0, 0, 0] == -101


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint32, np.int64, np.uint64])
@pytest.mark.parametrize("factors", [(2, 2, 2), (2, 2, 1), (4, 4, 2), (2, 1, 1)])
def test_mean_is_exact_and_rounds_half_to_even(dtype, factors):
    data = _random(dtype, (1, 8, 8, 4), seed=11, few_values=False)
    result = downsample_cxyz(data, factors, "mean")
    fx, fy, fz = factors
    for x, y, z in np.ndindex(*result.shape[1:]):
        block = data[0, fx * x : fx * (x + 1), fy * y : fy * (y + 1), fz * z : fz * (z + 1)]
        exact = Fraction(sum(int(v) for v in block.reshape(-1)), block.size)
        assert int(result[0, x, y, z]) == round(exact)  # Python's round: half to even


def test_mean_of_floats():
    data = np.array([0.5, 1.5, 2.5, 4.0], dtype=np.float32).reshape(1, 2, 2, 1)
    assert downsample_cxyz(data, (2, 2, 1), "mean")[0, 0, 0, 0] == np.float32(2.125)


def test_all_zero_channel_stays_zero_and_layout():
    data = np.zeros((2, 8, 8, 8), dtype=np.uint8)
    data[1] = 7
    result = downsample_cxyz(data, (2, 2, 2), "median")
    assert not result[0].any()
    assert (result[1] == 7).all()
    assert result[0].flags.f_contiguous
    assert result[1].flags.f_contiguous
    c_ordered = np.ascontiguousarray(_random(np.uint8, (1, 8, 8, 8), 5, False))
    np.testing.assert_array_equal(
        downsample_cxyz(c_ordered, (2, 2, 1), "mode"), _reference(c_ordered, (2, 2, 1), "mode")
    )


def test_parse_interpolation_mode():
    assert parse_interpolation_mode("default", "segmentation") == "mode"
    assert parse_interpolation_mode("default", "color") == "median"
    assert parse_interpolation_mode("DEFAULT", "color") == "median"
    for mode in INTERPOLATION_MODES:
        assert parse_interpolation_mode(mode.upper(), "color") == mode
    with pytest.raises(InvalidArgumentError, match="'average' is unknown"):
        parse_interpolation_mode("average", "color")


@pytest.mark.parametrize(
    ("data", "factors", "mode", "match"),
    [
        (np.zeros((8, 8, 8), np.uint8), (2, 2, 2), "median", "4-D"),
        (np.zeros((1, 8, 8, 7), np.uint8), (2, 2, 2), "median", "not a multiple"),
        (np.zeros((1, 8, 8, 8), np.uint8), (2, 0, 2), "median", "positive"),
        (np.zeros((1, 8, 8, 8), np.uint8), (2, 2, 2), "default", "parse_interpolation_mode"),
        (np.zeros((1, 8, 8, 8), np.float16), (2, 2, 2), "median", "float16"),
        (np.zeros((1, 8, 8, 8), ">u2"), (2, 2, 2), "median", "byte order"),
    ],
)
def test_bad_input(data, factors, mode, match):
    with pytest.raises(InvalidArgumentError, match=match):
        downsample_cxyz(data, factors, mode)


@pytest.mark.parametrize("factors", [(2, 2, 2), (2, 2, 1), (1, 1, 2)])
def test_upsample_matches_reference(factors):
    data = _random(np.uint16, (2, 5, 4, 3), 9, False)
    expected = np.stack([upsample_cube(channel, list(factors)) for channel in data])
    np.testing.assert_array_equal(upsample_cxyz(data, factors), expected)


def test_upsample_repeats_every_voxel():
    # webknossos 4.3.3 fills only the first and last of each `factor` copies
    # (offsets 0 and f-1), leaving zeros between for factors > 2; wkdist repeats.
    data = np.arange(6, dtype=np.uint8).reshape(1, 3, 2, 1) + 1
    result = upsample_cxyz(data, (4, 1, 2))
    np.testing.assert_array_equal(result, data.repeat(4, axis=1).repeat(2, axis=3))


def _seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def test_median_speed_is_printed(capsys):
    """Not asserted: prints the numba kernel time for 128 MiB (webknossos's next to it)."""
    # x-fastest (Fortran order), as wkdist's storage reads return it.
    data = np.random.default_rng(0).integers(0, 256, (512, 512, 512), dtype=np.uint8).T[None]
    small = data[:, :8, :8, :8].copy()
    downsample_cxyz(small, (2, 2, 2), "median")
    downsample_cube(small[0], [2, 2, 2], InterpolationModes.MEDIAN)
    ours = min(_seconds(lambda: downsample_cxyz(data, (2, 2, 2), "median")) for _ in range(3))
    theirs = min(
        _seconds(lambda: downsample_cube(data[0], [2, 2, 2], InterpolationModes.MEDIAN))
        for _ in range(3)
    )
    anisotropic = _seconds(lambda: downsample_cxyz(data, (2, 2, 1), "median"))
    with capsys.disabled():
        print(
            f"\nmedian of 128 MiB uint8: 2-2-2 wkdist {ours:.3f} s (webknossos {theirs:.3f} s), "
            f"2-2-1 wkdist {anisotropic:.3f} s"
        )
