"""Which target shards a job must produce: those over source data that exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from wkdist.geometry import BoundingBox, Vec3Int


def cells_with_data(
    data_boxes: Iterable[BoundingBox], target_box: BoundingBox, cell_shape: Vec3Int
) -> Iterator[BoundingBox]:
    """Cells of the ``cell_shape`` grid (anchored at 0, clipped to ``target_box``)
    that overlap any of ``data_boxes``, each once, in first-seen order.

    All boxes are in target-mag voxels; callers map the source's shard files
    (from the storage listing) into that space, so empty regions cost nothing.
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
