"""Downsample and upsample in-memory ``(C, X, Y, Z)`` arrays, voxel for voxel like webknossos 4.3.3.

Interpolation modes (names are case-insensitive):

``median`` (default for color layers)
    Median of every block. With an even block size the two middle values are
    averaged: integers in float64 and truncated to the dtype, floats in their own
    dtype. A block containing NaN gives NaN.
``mode`` (default for segmentation layers)
    Most frequent value of every block. Ties go to the value that occurs first in
    the block order y fastest, then x, then z (``dy + fy*dx + fx*fy*dz``).
``max``, ``min``
    Block maximum / minimum; NaN wins.
``nearest``, ``bilinear``, ``bicubic``
    ``scipy.ndimage.zoom`` of the whole array with spline order 0, 1, 2 (so
    "bicubic" is quadratic) and edge mode ``"nearest"``. Zoom maps the first and
    last voxel of the input onto the first and last of the output, so the result
    depends on the array's extent, not only on each block.
``mean`` (wkdist only, never a default)
    Block mean: exact and rounded half to even for integers, summed in float64
    for floats.

Channels that are all zero are not computed; they stay zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int

from . import _numba_kernels as nk

if TYPE_CHECKING:
    from collections.abc import Callable

    from wkdist.geometry import Vec3IntLike

INTERPOLATION_MODES: tuple[str, ...] = (
    "median",
    "mode",
    "nearest",
    "bilinear",
    "bicubic",
    "max",
    "min",
    "mean",
)
"""Interpolation modes accepted by :func:`downsample_cxyz` (``mean`` is wkdist only)."""

_ZOOM_ORDERS = {"nearest": 0, "bilinear": 1, "bicubic": 2}


def parse_interpolation_mode(mode: str, category: str) -> str:
    """Resolve an interpolation mode name, mapping ``"default"`` by layer category.

    Parameters
    ----------
    mode
        ``"default"`` or one of :data:`INTERPOLATION_MODES`, case-insensitive.
    category
        Layer category: ``"segmentation"`` or ``"color"``.

    Returns
    -------
    str
        The lower-case mode: ``"default"`` gives ``"mode"`` for segmentation
        layers and ``"median"`` otherwise.

    Raises
    ------
    InvalidArgumentError
        If ``mode`` is not a known name.
    """
    if not isinstance(mode, str):
        raise InvalidArgumentError(f"interpolation_mode must be a str, got {mode!r}.")
    name = mode.lower()
    if name == "default":
        return "mode" if category == "segmentation" else "median"
    if name not in INTERPOLATION_MODES:
        raise InvalidArgumentError(
            f"interpolation_mode={mode!r} is unknown; expected 'default' or one of "
            f"{', '.join(repr(m) for m in INTERPOLATION_MODES)}."
        )
    return name


def _check_dtype(dtype: np.dtype) -> None:
    if dtype.kind not in "uif" or (dtype.kind == "f" and dtype.itemsize < 4):
        raise InvalidArgumentError(
            f"data has dtype {dtype}; expected an integer type or float32/float64."
        )
    if not dtype.isnative:
        raise InvalidArgumentError(
            f"data has the non-native byte order of dtype {dtype.str}; "
            "convert it with data.astype(data.dtype.newbyteorder('='))."
        )


def _zoom_kernel(order: int) -> Callable[[np.ndarray, np.ndarray, Vec3Int], None]:
    def kernel(source: np.ndarray, target: np.ndarray, factors: Vec3Int) -> None:
        # Imported lazily: scipy is only needed for these three modes.
        from scipy.ndimage import zoom

        target[...] = zoom(
            source,
            1 / np.array(factors, dtype=np.float64),
            output=source.dtype,
            order=order,
            mode="nearest",
            prefilter=True,
        )

    return kernel


def _median(source: np.ndarray, target: np.ndarray, factors: Vec3Int) -> None:
    if source.dtype.kind in "iu" and factors == (2, 2, 2):
        nk.median_2x2x2_int(source, target)
    elif source.dtype.kind in "iu" and factors == (2, 2, 1):
        nk.median_2x2x1_int(source, target)
    else:
        nk.median_any(source, target, *factors, source.dtype.kind == "f")


def _mode(source: np.ndarray, target: np.ndarray, factors: Vec3Int) -> None:
    if factors == (2, 2, 2):
        nk.mode_2x2x2(source, target)
    elif factors == (2, 2, 1):
        nk.mode_2x2x1(source, target)
    else:
        nk.mode_any(source, target, *factors)


def _mean(source: np.ndarray, target: np.ndarray, factors: Vec3Int) -> None:
    kind = source.dtype.kind
    if kind == "f":
        nk.mean_float(source, target, *factors)
    else:
        n = (np.uint64 if kind == "u" else np.int64)(factors.prod())
        # Below 64 bits a plain int64/uint64 sum of up to 2**31 values cannot overflow.
        nk.mean_int(source, target, *factors, n, source.dtype.itemsize == 8)


def _max(source: np.ndarray, target: np.ndarray, factors: Vec3Int) -> None:
    nk.extreme_any(source, target, *factors, True)


def _min(source: np.ndarray, target: np.ndarray, factors: Vec3Int) -> None:
    nk.extreme_any(source, target, *factors, False)


_KERNELS: dict[str, Callable[[np.ndarray, np.ndarray, Vec3Int], None]] = {
    "median": _median,
    "mode": _mode,
    "mean": _mean,
    "max": _max,
    "min": _min,
    **{name: _zoom_kernel(order) for name, order in _ZOOM_ORDERS.items()},
}


def as_factors(factors: Vec3IntLike) -> Vec3Int:
    """``factors`` as a ``Vec3Int``; raises ``InvalidArgumentError`` unless all are positive."""
    vec = Vec3Int(factors)
    if not vec.is_positive(strictly_positive=True):
        raise InvalidArgumentError(f"factors={vec} must be positive integers.")
    return vec


def _check_cxyz(data: np.ndarray) -> None:
    if not isinstance(data, np.ndarray) or data.ndim != 4:
        shape = getattr(data, "shape", type(data).__name__)
        raise InvalidArgumentError(f"data must be a 4-D (C, X, Y, Z) numpy array, got {shape}.")
    _check_dtype(data.dtype)


def _empty_cxyz(num_channels: int, shape: Vec3Int, dtype: np.dtype) -> np.ndarray:
    # Every channel is one Fortran-ordered block, as the kernels write best.
    return np.zeros((num_channels, *shape[::-1]), dtype=dtype).transpose(0, 3, 2, 1)


def downsample_cxyz(data: np.ndarray, factors: Vec3IntLike, mode: str) -> np.ndarray:
    """Reduce every ``factors`` block of each channel to one voxel.

    Parameters
    ----------
    data
        ``(C, X, Y, Z)`` array; X, Y, Z must be multiples of ``factors``. Integer,
        float32 or float64 dtype. Channels that are not x-fastest (Fortran order,
        as wkdist reads return them) are copied to that layout first, which for a
        C-ordered channel costs more than the kernel.
    factors
        ``(fx, fy, fz)``: the target mag divided by the source mag.
    mode
        One of :data:`INTERPOLATION_MODES` (see the module docstring).

    Returns
    -------
    np.ndarray
        ``(C, X/fx, Y/fy, Z/fz)`` of the same dtype, each channel in Fortran order.

    Raises
    ------
    InvalidArgumentError
        For a wrong rank, dtype, mode or non-divisible shape.
    """
    _check_cxyz(data)
    vec = as_factors(factors)
    if not isinstance(mode, str) or mode.lower() not in _KERNELS:
        raise InvalidArgumentError(
            f"mode={mode!r} is unknown; expected one of {', '.join(INTERPOLATION_MODES)} "
            "(resolve 'default' with parse_interpolation_mode)."
        )
    spatial = Vec3Int(data.shape[1:])
    if any(spatial % vec):
        raise InvalidArgumentError(
            f"data has the spatial shape {spatial}, which is not a multiple of factors={vec}."
        )
    kernel = _KERNELS[mode.lower()]
    out = _empty_cxyz(data.shape[0], spatial // vec, data.dtype)
    for channel in range(data.shape[0]):
        source = data[channel]
        if source.any():
            kernel(np.asfortranarray(source), out[channel], vec)
    return out


def upsample_cxyz(data: np.ndarray, factors: Vec3IntLike) -> np.ndarray:
    """Repeat every voxel ``factors`` times per axis (nearest-neighbour upsampling).

    Parameters
    ----------
    data
        ``(C, X, Y, Z)`` array of any dtype.
    factors
        ``(fx, fy, fz)``: the source mag divided by the target mag.

    Returns
    -------
    np.ndarray
        ``(C, X*fx, Y*fy, Z*fz)`` of the same dtype, each channel in Fortran order.
    """
    if not isinstance(data, np.ndarray) or data.ndim != 4:
        shape = getattr(data, "shape", type(data).__name__)
        raise InvalidArgumentError(f"data must be a 4-D (C, X, Y, Z) numpy array, got {shape}.")
    fx, fy, fz = as_factors(factors)
    out = _empty_cxyz(data.shape[0], Vec3Int(data.shape[1:]) * (fx, fy, fz), data.dtype)
    for dx in range(fx):
        for dy in range(fy):
            for dz in range(fz):
                out[:, dx::fx, dy::fy, dz::fz] = data
    return out
