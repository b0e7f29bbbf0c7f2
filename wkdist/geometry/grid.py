"""Grids of cells over boxes: a box's alignment to grids and its grid cells
(:class:`BoxGrid`, inherited by ``BoundingBox``; :class:`NDBoxGrid`, inherited
by ``NDBoundingBox``), dask ``chunks`` tuples, and the cells of a grid that
hold data.

Every iteration over grid cells in wkdist has one order, the order of
:meth:`BoundingBox.chunk <wkdist.geometry.BoundingBox.chunk>`: x outermost,
z innermost (``itertools.product`` over the cell starts along x, y, z).
Grids are anchored at the origin unless a function says otherwise.
"""

from __future__ import annotations

import itertools
import math
from itertools import product
from typing import TYPE_CHECKING, Any, Self

from wkdist.errors import InvalidArgumentError

from .mag import Mag
from .vec3_int import Vec3Int, Vec3IntLike
from .vec_int import VecInt, VecIntLike

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from .bounding_box import BoundingBox


def axis_cuts(start: int, stop: int, step: int) -> tuple[int, ...]:
    """Lengths of the pieces of ``[start, stop)`` cut at multiples of ``step``."""
    if stop <= start:
        return (0,)
    first = min(stop, (start // step + 1) * step)
    pieces = [first - start]
    position = first
    while position < stop:
        pieces.append(min(step, stop - position))
        position += step
    return tuple(pieces)


def grid_chunks(box: BoundingBox, grid: Vec3Int) -> tuple[tuple[int, ...], ...]:
    """dask ``chunks`` for the x, y, z axes of ``box`` cut along the grid ``grid``."""
    return tuple(
        axis_cuts(start, stop, step)
        for start, stop, step in zip(box.topleft, box.bottomright, grid, strict=True)
    )


def cells_with_data(
    data_boxes: Iterable[BoundingBox], target_box: BoundingBox, cell_shape: Vec3Int
) -> Iterator[BoundingBox]:
    """Cells of the ``cell_shape`` grid (clipped to ``target_box``) that overlap
    any of ``data_boxes``, each once: the cells of the first box in grid order,
    then the new cells of the next box, and so on.

    Jobs map the source's shard files (from the storage listing) into the
    target's voxels and plan only these cells, so empty regions cost nothing.
    """
    seen: set[BoundingBox] = set()
    for data_box in data_boxes:
        clipped = data_box.intersected_with(target_box, dont_assert=True)
        if clipped.is_empty():
            continue
        for cell in clipped.align_with_mag(cell_shape, ceil=True).chunk(cell_shape, cell_shape):
            cell = cell.intersected_with(target_box, dont_assert=True)
            if not cell.is_empty() and cell not in seen:
                seen.add(cell)
                yield cell


def _positive_vec(value: Vec3IntLike, argument: str) -> Vec3Int:
    vec = Vec3Int(value)
    if not vec.is_positive(strictly_positive=True):
        raise InvalidArgumentError(f"{argument}={vec} must be positive in every axis.")
    return vec


def _grid_vec(mag: Mag | Vec3IntLike) -> Vec3Int:
    return mag.to_vec3_int() if isinstance(mag, Mag) else _positive_vec(mag, "mag")


def _grid_axis(start: int, end: int, anchor: int, step: int) -> range:
    """Starts of the grid cells ``anchor + k*step`` that overlap ``[start, end)``."""
    return range(start - (start - anchor) % step, end, step)


class BoxGrid:
    """Alignment to mags and grids, and iteration over grid cells, of a 3-d box;
    :class:`~wkdist.geometry.BoundingBox` inherits them."""

    __slots__ = ()

    if TYPE_CHECKING:
        topleft: Vec3Int
        size: Vec3Int
        bottomright: Vec3Int

        def _evolve(self, topleft: Vec3IntLike, size: Vec3IntLike) -> BoundingBox: ...

    def align_with_mag(self, mag: Mag | Vec3IntLike, ceil: bool = False) -> BoundingBox:
        """Round both corners to multiples of ``mag`` (a ``Mag`` or any grid shape).

        Parameters
        ----------
        mag
            The grid to align to: a ``Mag`` or any positive grid shape, e.g. a
            shard shape, in the same voxels as this box.
        ceil
            If true the box grows to the enclosing aligned box, otherwise it
            shrinks to the largest aligned box inside. When shrinking leaves
            nothing, the result spans between the rounded corners (flipped),
            exactly as in webknossos.

        Returns
        -------
        BoundingBox
            Box whose topleft and bottomright are multiples of ``mag``.
        """
        vec = _grid_vec(mag)
        tl, br = self.topleft, self.bottomright
        if ceil:
            new_tl = tl - tl % vec
            new_br = br - br % -vec
        else:
            new_tl = tl - tl % -vec
            new_br = br - br % vec
        return self._evolve(new_tl, new_br - new_tl)

    def _align_with_mag_slow(self, mag: Mag | Vec3IntLike, ceil: bool = False) -> BoundingBox:
        # Float-based twin of align_with_mag, kept as an independent oracle for the
        # property tests (exact only below 2**53; raises OverflowError far beyond).
        vec = _grid_vec(mag)
        lo, hi = (math.floor, math.ceil) if ceil else (math.ceil, math.floor)
        new_tl = [lo(p / m) * m for p, m in zip(self.topleft, vec, strict=True)]
        new_br = [hi(p / m) * m for p, m in zip(self.bottomright, vec, strict=True)]
        return self._evolve(new_tl, Vec3Int(new_br) - new_tl)

    def _grid_ranges(
        self, chunk_shape: Vec3Int, anchor: Vec3Int, clip_to: BoundingBox | None = None
    ) -> tuple[range, range, range]:
        """Per axis, the starts of the grid cells overlapping this box (and ``clip_to``)."""
        tl, br = self.topleft, self.bottomright
        if clip_to is not None:
            tl, br = tl.pairmax(clip_to.topleft), br.pairmin(clip_to.bottomright)
        if not (br - tl).is_positive(strictly_positive=True):
            return (range(0), range(0), range(0))
        x, y, z = (_grid_axis(tl[i], br[i], anchor[i], chunk_shape[i]) for i in range(3))
        return (x, y, z)

    def _chunk_grid(
        self, chunk_shape: Vec3IntLike, chunk_border_alignments: Vec3IntLike | None
    ) -> tuple[Vec3Int, Vec3Int]:
        shape = _positive_vec(chunk_shape, "chunk_shape")
        if chunk_border_alignments is None:
            return shape, self.topleft
        alignments = _positive_vec(chunk_border_alignments, "chunk_border_alignments")
        if any(shape % alignments):
            raise InvalidArgumentError(
                f"chunk_shape={shape} must be divisible by chunk_border_alignments={alignments}."
            )
        return shape, self.topleft - self.topleft % alignments

    def iter_chunk_toplefts(
        self,
        chunk_shape: Vec3IntLike,
        chunk_border_alignments: Vec3IntLike | None = None,
        clip_to: BoundingBox | None = None,
    ) -> Iterator[tuple[int, int, int]]:
        """Unclipped topleft of every cell of ``chunk``'s grid, same order as ``chunk``.

        Cheaper than ``chunk`` (no box objects). With ``chunk_border_alignments``
        the first cell may start before ``topleft``; with
        ``chunk_border_alignments=chunk_shape`` the grid is anchored at 0.

        Parameters
        ----------
        chunk_shape, chunk_border_alignments
            As for ``chunk``.
        clip_to
            If given, only cells overlapping both boxes are yielded.
        """
        shape, anchor = self._chunk_grid(chunk_shape, chunk_border_alignments)
        xs, ys, zs = self._grid_ranges(shape, anchor, clip_to)
        return product(xs, ys, zs)

    def chunk(
        self,
        chunk_shape: Vec3IntLike,
        chunk_border_alignments: Vec3IntLike | None = None,
    ) -> Iterator[BoundingBox]:
        """Split into boxes of at most ``chunk_shape``, clipped to this box.

        The grid starts at ``topleft``; with ``chunk_border_alignments`` it is
        shifted so that every border between two chunks is a multiple of it.
        Order: x outermost, z innermost (like ``itertools.product``).

        Parameters
        ----------
        chunk_shape
            Positive cell size, in the voxels of this box.
        chunk_border_alignments
            Positive vector dividing ``chunk_shape``.

        Raises
        ------
        InvalidArgumentError
            If a shape is not positive or ``chunk_shape`` is not divisible by
            ``chunk_border_alignments``.
        """
        shape, anchor = self._chunk_grid(chunk_shape, chunk_border_alignments)
        xs, ys, zs = self._grid_ranges(shape, anchor)
        for start in product(xs, ys, zs):
            yield self._clip_cell(start, shape)

    def grid_boxes(self, grid_shape: Vec3IntLike) -> Iterator[BoundingBox]:
        """Cells of the grid ``k * grid_shape`` (anchored at 0) that overlap this box,
        each clipped to this box.

        Order: as :meth:`chunk` (x outermost, z innermost). The cell index of a
        yielded box is ``box.topleft // grid_shape``.

        Parameters
        ----------
        grid_shape
            Cell size, e.g. a shard shape, in the voxels of this box.
        """
        shape = _positive_vec(grid_shape, "grid_shape")
        xs, ys, zs = self._grid_ranges(shape, Vec3Int.zeros())
        for start in product(xs, ys, zs):
            yield self._clip_cell(start, shape)

    def _clip_cell(self, start: tuple[int, int, int], shape: Vec3Int) -> BoundingBox:
        tl, br = self.topleft, self.bottomright
        lo = Vec3Int.from_xyz(max(start[0], tl[0]), max(start[1], tl[1]), max(start[2], tl[2]))
        hi = Vec3Int.from_xyz(
            min(start[0] + shape[0], br[0]),
            min(start[1] + shape[1], br[1]),
            min(start[2] + shape[2], br[2]),
        )
        return self._evolve(lo, hi - lo)


class NDBoxGrid:
    """Mags and grid cells of an n-d box (its ``x, y, z`` axes; ``chunk`` also cuts
    the others); :class:`~wkdist.geometry.NDBoundingBox` inherits them."""

    __slots__ = ()

    if TYPE_CHECKING:
        topleft: VecInt
        size: VecInt
        bottomright: VecInt
        axes: tuple[str, ...]

        @property
        def ndim(self) -> int: ...

        @property
        def topleft_xyz(self) -> Vec3Int: ...

        @property
        def size_xyz(self) -> Vec3Int: ...

        @property
        def bottomright_xyz(self) -> Vec3Int: ...

        def _evolve(self, **changes: Any) -> Self: ...

        def with_topleft_xyz(self, new_xyz: Vec3IntLike) -> Self: ...

        def with_size_xyz(self, new_xyz: Vec3IntLike) -> Self: ...

        def intersected_with(self, other: Self, dont_assert: bool = False) -> Self: ...

    def in_mag(self, mag: Mag) -> Self:
        """The box in ``mag`` voxels; ``x, y, z`` must be aligned with the mag."""
        factor = Mag(mag).to_vec3_int()
        if self.topleft_xyz % factor != (0, 0, 0) or self.bottomright_xyz % factor != (0, 0, 0):
            raise InvalidArgumentError(
                f"{self} is not aligned with {Mag(mag)}; use align_with_mag() first"
            )
        return self.with_topleft_xyz(self.topleft_xyz // factor).with_size_xyz(
            self.size_xyz // factor
        )

    def from_mag_to_mag1(self, from_mag: Mag) -> Self:
        """The box given in ``from_mag`` voxels, in Mag(1) voxels."""
        factor = Mag(from_mag).to_vec3_int()
        return self.with_topleft_xyz(self.topleft_xyz * factor).with_size_xyz(
            self.size_xyz * factor
        )

    def align_with_mag(self, mag: Mag | Vec3IntLike, ceil: bool = False) -> Self:
        """Round ``x, y, z`` to multiples of ``mag``: outwards if ``ceil``, else inwards."""
        factor = mag.to_vec3_int() if isinstance(mag, Mag) else Vec3Int(mag)
        start, end = self.topleft_xyz, self.bottomright_xyz
        if ceil:
            start, end = start - start % factor, end + (-end) % factor
        else:
            start, end = start + (-start) % factor, end - end % factor
        return self.with_topleft_xyz(start).with_size_xyz(end - start)

    def chunk(
        self, chunk_shape: VecIntLike, chunk_border_alignments: VecIntLike | None = None
    ) -> Iterator[Self]:
        """Split into boxes of ``chunk_shape`` (border boxes may be smaller).

        Three values chunk ``x, y, z`` and give the other axes size 1 (``c``: all
        channels). With ``chunk_border_alignments`` every border between two chunks
        is a multiple of it.
        """
        shape = self._per_axis(chunk_shape)
        align = None if chunk_border_alignments is None else self._per_axis(chunk_border_alignments)
        start = self.topleft
        if align is not None:
            if any(s % a for s, a in zip(shape, align, strict=True)):
                raise InvalidArgumentError(
                    f"chunk_shape {tuple(shape)} is not a multiple of {tuple(align)}"
                )
            start = start - start % align
        ranges = [range(b, e, s) for b, e, s in zip(start, self.bottomright, shape, strict=True)]
        for corner in itertools.product(*ranges):
            yield self.intersected_with(self._evolve(topleft=corner, size=shape))

    def _per_axis(self, shape: VecIntLike) -> VecInt:
        values = tuple(shape)
        if len(values) == 3 and self.ndim != 3:
            full = VecInt.ones(self.axes).with_xyz(values)
            return full.with_c(self.size.c) if "c" in self.axes else full
        return VecInt(values, axes=self.axes)
