"""Cutting a box along a regular grid anchored at the origin (dask ``chunks`` tuples)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wkdist.geometry import BoundingBox, Vec3Int


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
