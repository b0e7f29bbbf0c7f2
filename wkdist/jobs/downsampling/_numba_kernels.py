"""numba kernels that reduce every ``fx x fy x fz`` block of a 3-D array to one voxel.

Each kernel writes ``target[x, y, z]`` from the block
``source[fx*x : fx*(x+1), fy*y : fy*(y+1), fz*z : fz*(z+1)]``. ``source`` and
``target`` are 3-D arrays of the same dtype, fastest along x (Fortran order);
other layouts work, only slower. The loops run z, y, x from outside in, so the
innermost loop walks memory and LLVM can vectorise the branch-free kernels.

The *block order* (used only for the tie rule of the mode) is y fastest, then
x, then z: element ``(dx, dy, dz)`` has rank ``dy + fy*dx + fx*fy*dz``.

The fixed-size kernels (2x2x1, 2x2x2) repeat the general ones' logic unrolled on
purpose: with the block's elements in named locals and no inner loops, numba keeps
them in registers and LLVM vectorises the voxel loop; a shared helper over a
small array or a loop over the block (what ``*_any`` does) is much slower for the
common factors (``mode_any`` takes 14x as long as ``mode_2x2x2`` on 256^3 uint32
labels). The look-alike lines are that unrolling.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numba
import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

_F = TypeVar("_F", bound="Callable[..., Any]")
_Scalar = TypeVar("_Scalar", int, float)


def _jit(inline: bool = False) -> Callable[[_F], _F]:
    """numba's nopython JIT (cached on disk, GIL released), typed for mypy."""
    return cast(
        "Callable[[_F], _F]",
        numba.jit(nopython=True, nogil=True, cache=True, inline="always" if inline else "never"),
    )


# ---- median ------------------------------------------------------------------------------


@_jit()
def median_2x2x1_int(source: np.ndarray, target: np.ndarray) -> None:
    """Median of 2x2x1 integer blocks: the two middle values averaged in float64, truncated."""
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                a = source[2 * x, 2 * y, z]
                b = source[2 * x + 1, 2 * y, z]
                c = source[2 * x, 2 * y + 1, z]
                d = source[2 * x + 1, 2 * y + 1, z]
                # The smallest is min(lo), the largest max(hi); the other two are the middle.
                lo_ab, hi_ab = min(a, b), max(a, b)
                lo_cd, hi_cd = min(c, d), max(c, d)
                low = max(lo_ab, lo_cd)
                high = min(hi_ab, hi_cd)
                target[x, y, z] = (np.float64(low) + np.float64(high)) / 2.0


@_jit(inline=True)
def _sort4(
    a: _Scalar, b: _Scalar, c: _Scalar, d: _Scalar
) -> tuple[_Scalar, _Scalar, _Scalar, _Scalar]:
    """The four scalars in ascending order (5 compare-exchanges)."""
    lo_ab, hi_ab = min(a, b), max(a, b)
    lo_cd, hi_cd = min(c, d), max(c, d)
    mid_1, mid_2 = max(lo_ab, lo_cd), min(hi_ab, hi_cd)
    return min(lo_ab, lo_cd), min(mid_1, mid_2), max(mid_1, mid_2), max(hi_ab, hi_cd)


@_jit()
def median_2x2x2_int(source: np.ndarray, target: np.ndarray) -> None:
    """Median of 2x2x2 integer blocks: the 4th and 5th smallest averaged in float64, truncated."""
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                x0, y0, z0 = 2 * x, 2 * y, 2 * z
                s0, s1, s2, s3 = _sort4(
                    source[x0, y0, z0],
                    source[x0 + 1, y0, z0],
                    source[x0, y0 + 1, z0],
                    source[x0 + 1, y0 + 1, z0],
                )
                r0, r1, r2, r3 = _sort4(
                    source[x0, y0, z0 + 1],
                    source[x0 + 1, y0, z0 + 1],
                    source[x0, y0 + 1, z0 + 1],
                    source[x0 + 1, y0 + 1, z0 + 1],
                )
                # k-th smallest of two sorted lists: min over i + j = k of max(s_i, r_j).
                fourth = min(r3, max(s0, r2), max(s1, r1), max(s2, r0), s3)
                fifth = max(r0, min(s3, r1), min(s2, r2), min(s1, r3), s0)
                target[x, y, z] = (np.float64(fourth) + np.float64(fifth)) / 2.0


@_jit()
def _shell_sort(block: np.ndarray) -> None:
    # Compiles in a fraction of the time numba's ndarray.sort takes.
    gap = len(block) // 2
    while gap > 0:
        for i in range(gap, len(block)):
            value = block[i]
            j = i
            while j >= gap and block[j - gap] > value:
                block[j] = block[j - gap]
                j -= gap
            block[j] = value
        gap //= 2


@_jit()
def median_any(
    source: np.ndarray, target: np.ndarray, fx: int, fy: int, fz: int, average_in_dtype: bool
) -> None:
    """Median of blocks of any size and numeric dtype (numpy's ``median`` semantics).

    An even count averages the two middle values: in the dtype itself for floats
    (``average_in_dtype``), else in float64 truncated to the dtype. A block with a
    NaN gives NaN.
    """
    n = fx * fy * fz
    half = n // 2
    block = np.empty(n, dtype=source.dtype)
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                i = 0
                nan_index = -1
                for dz in range(fz):
                    for dy in range(fy):
                        for dx in range(fx):
                            value = source[fx * x + dx, fy * y + dy, fz * z + dz]
                            block[i] = value
                            if math.isnan(value):
                                nan_index = i
                            i += 1
                if nan_index >= 0:
                    target[x, y, z] = block[nan_index]
                    continue
                _shell_sort(block)
                if n % 2 == 1:
                    target[x, y, z] = block[half]
                elif average_in_dtype:
                    target[x, y, z] = (block[half - 1] + block[half]) / 2
                else:
                    target[x, y, z] = (np.float64(block[half - 1]) + np.float64(block[half])) / 2.0


# ---- mode --------------------------------------------------------------------------------


@_jit()
def mode_2x2x1(source: np.ndarray, target: np.ndarray) -> None:
    """Most frequent value of 2x2x1 blocks; ties go to the value seen first in block order."""
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                # Block order: (dx, dy) = (0, 0), (0, 1), (1, 0), (1, 1).
                a0 = source[2 * x, 2 * y, z]
                a1 = source[2 * x, 2 * y + 1, z]
                a2 = source[2 * x + 1, 2 * y, z]
                a3 = source[2 * x + 1, 2 * y + 1, z]
                e01, e02, e03 = a0 == a1, a0 == a2, a0 == a3
                e12, e13, e23 = a1 == a2, a1 == a3, a2 == a3
                # Full match counts; the first element with the highest count wins, so
                # scan from the back and let ">=" move the choice forward.
                c0 = 1 + e01 + e02 + e03
                c1 = 1 + e01 + e12 + e13
                c2 = 1 + e02 + e12 + e23
                best, best_count = a3, 1 + e03 + e13 + e23
                if c2 >= best_count:
                    best, best_count = a2, c2
                if c1 >= best_count:
                    best, best_count = a1, c1
                if c0 >= best_count:
                    best = a0
                target[x, y, z] = best


@_jit()
def mode_2x2x2(source: np.ndarray, target: np.ndarray) -> None:
    """Most frequent value of 2x2x2 blocks; ties go to the value seen first in block order."""
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                x0, y0, z0 = 2 * x, 2 * y, 2 * z
                # Block order: rank dy + 2*dx + 4*dz.
                a0 = source[x0, y0, z0]
                a1 = source[x0, y0 + 1, z0]
                a2 = source[x0 + 1, y0, z0]
                a3 = source[x0 + 1, y0 + 1, z0]
                a4 = source[x0, y0, z0 + 1]
                a5 = source[x0, y0 + 1, z0 + 1]
                a6 = source[x0 + 1, y0, z0 + 1]
                a7 = source[x0 + 1, y0 + 1, z0 + 1]
                e01, e02, e03, e04 = a0 == a1, a0 == a2, a0 == a3, a0 == a4
                e05, e06, e07 = a0 == a5, a0 == a6, a0 == a7
                e12, e13, e14 = a1 == a2, a1 == a3, a1 == a4
                e15, e16, e17 = a1 == a5, a1 == a6, a1 == a7
                e23, e24, e25 = a2 == a3, a2 == a4, a2 == a5
                e26, e27 = a2 == a6, a2 == a7
                e34, e35, e36, e37 = a3 == a4, a3 == a5, a3 == a6, a3 == a7
                e45, e46, e47 = a4 == a5, a4 == a6, a4 == a7
                e56, e57, e67 = a5 == a6, a5 == a7, a6 == a7
                # Full match counts (an element always counts itself, also a NaN); the
                # first element with the highest count wins, so scan from the back and
                # let ">=" move the choice forward.
                c0 = 1 + e01 + e02 + e03 + e04 + e05 + e06 + e07
                c1 = 1 + e01 + e12 + e13 + e14 + e15 + e16 + e17
                c2 = 1 + e02 + e12 + e23 + e24 + e25 + e26 + e27
                c3 = 1 + e03 + e13 + e23 + e34 + e35 + e36 + e37
                c4 = 1 + e04 + e14 + e24 + e34 + e45 + e46 + e47
                c5 = 1 + e05 + e15 + e25 + e35 + e45 + e56 + e57
                c6 = 1 + e06 + e16 + e26 + e36 + e46 + e56 + e67
                best, best_count = a7, 1 + e07 + e17 + e27 + e37 + e47 + e57 + e67
                if c6 >= best_count:
                    best, best_count = a6, c6
                if c5 >= best_count:
                    best, best_count = a5, c5
                if c4 >= best_count:
                    best, best_count = a4, c4
                if c3 >= best_count:
                    best, best_count = a3, c3
                if c2 >= best_count:
                    best, best_count = a2, c2
                if c1 >= best_count:
                    best, best_count = a1, c1
                if c0 >= best_count:
                    best = a0
                target[x, y, z] = best


@_jit()
def mode_any(source: np.ndarray, target: np.ndarray, fx: int, fy: int, fz: int) -> None:
    """Most frequent value of blocks of any size; ties go to the value seen first in block order."""
    n = fx * fy * fz
    distinct = np.empty(n, dtype=source.dtype)
    counts = np.empty(n, dtype=np.int64)
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                num_distinct = 0
                for dz in range(fz):
                    for dx in range(fx):
                        for dy in range(fy):
                            value = source[fx * x + dx, fy * y + dy, fz * z + dz]
                            k = 0
                            while k < num_distinct and distinct[k] != value:
                                k += 1
                            if k == num_distinct:
                                distinct[k] = value
                                counts[k] = 0
                                num_distinct += 1
                            counts[k] += 1
                best = 0
                for k in range(1, num_distinct):
                    if counts[k] > counts[best]:
                        best = k
                target[x, y, z] = distinct[best]


# ---- max, min, mean ----------------------------------------------------------------------


@_jit()
def extreme_any(
    source: np.ndarray, target: np.ndarray, fx: int, fy: int, fz: int, take_max: bool
) -> None:
    """Maximum (``take_max``) or minimum of every block; a NaN in a block wins, as in numpy."""
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                best = source[fx * x, fy * y, fz * z]
                for dz in range(fz):
                    for dy in range(fy):
                        for dx in range(fx):
                            value = source[fx * x + dx, fy * y + dy, fz * z + dz]
                            if not math.isnan(best) and (
                                math.isnan(value) or (value > best if take_max else value < best)
                            ):
                                best = value
                target[x, y, z] = best


@_jit()
def mean_int(
    source: np.ndarray, target: np.ndarray, fx: int, fy: int, fz: int, n: np.integer, split: bool
) -> None:
    """Exact mean of integer blocks, rounded half to even.

    ``n`` is the block size as ``np.int64`` for signed or ``np.uint64`` for unsigned
    data; it sets the accumulator type (mixing both would give float64 in numba).
    With ``split`` (needed for 64-bit data) each value is added as ``value // n``
    and ``value % n``, so no sum overflows; otherwise the plain sum is exact.
    """
    zero = n - n
    one = n // n
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                quotient = zero
                remainder = zero
                for dz in range(fz):
                    for dy in range(fy):
                        for dx in range(fx):
                            value = zero + source[fx * x + dx, fy * y + dy, fz * z + dz]
                            if split:
                                quotient += value // n
                                remainder += value % n
                            else:
                                remainder += value
                quotient += remainder // n
                twice_fraction = (remainder % n) * (one + one)
                if twice_fraction > n or (twice_fraction == n and quotient % (one + one) == one):
                    quotient += one
                target[x, y, z] = quotient


@_jit()
def mean_float(source: np.ndarray, target: np.ndarray, fx: int, fy: int, fz: int) -> None:
    """Mean of float blocks, summed in float64 and rounded to the dtype."""
    n = fx * fy * fz
    for z in range(target.shape[2]):
        for y in range(target.shape[1]):
            for x in range(target.shape[0]):
                total = 0.0
                for dz in range(fz):
                    for dy in range(fy):
                        for dx in range(fx):
                            total += np.float64(source[fx * x + dx, fy * y + dy, fz * z + dz])
                target[x, y, z] = total / n
