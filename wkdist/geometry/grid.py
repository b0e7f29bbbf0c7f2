"""Grids of cells over boxes: dask ``chunks`` tuples, and the cells of a grid
that hold data.

Every iteration over grid cells in wkdist has one order, the order of
:meth:`BoundingBox.chunk <wkdist.geometry.BoundingBox.chunk>`: x outermost,
z innermost (``itertools.product`` over the cell starts along x, y, z).
Grids are anchored at the origin unless a function says otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from .bounding_box import BoundingBox
    from .vec3_int import Vec3Int


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
