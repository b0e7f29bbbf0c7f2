"""``map_blocks``: the API side of the map-blocks job (see :mod:`wkdist.jobs.map_blocks`).

It checks the views, plans the job with :func:`~wkdist.jobs.map_blocks.plan_map_blocks`
and runs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.jobs.map_blocks import PAD_MODES, Boundary, plan_map_blocks
from wkdist.properties import box_3d
from wkdist.run import run_plans

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor

    import numpy as np
    from distributed import Client

    from wkdist.dataset.mag_view import MagView
    from wkdist.dataset.view import View
    from wkdist.geometry import BoundingBox, Vec3IntLike


def map_blocks(
    function: Callable[..., np.ndarray],
    source: View,
    target: MagView,
    *,
    halo: Vec3IntLike | int = 0,
    boundary: Boundary = "reflect",
    executor: Executor | Client | None = None,
    progress: bool | None = None,
) -> BoundingBox:
    """Write ``function`` of each block of ``source`` (with ``halo`` voxels of context)
    into the same box of ``target``; return the Mag(1) box written.

    Parameters
    ----------
    function
        Takes a ``(C, X, Y, Z)`` numpy array (the block grown by ``halo`` on
        every side, Fortran-ordered, the source dtype) and returns an array of
        the same x, y, z shape (``(C, X, Y, Z)`` with the target's channel
        count, or ``(X, Y, Z)`` for one channel) of the target dtype or one
        that casts to it safely. If it has a parameter named ``box``, that gets
        the block's :class:`~wkdist.geometry.BoundingBox` (without the halo, in
        the mag's voxels), e.g. to make ids unique per block. It must be
        picklable for ``distributed`` and cluster executors (a module-level
        function or ``functools.partial``).
    source
        The view (or mag) to read, in its mag's voxels.
    target
        A mag of another layer with the same mag; its layer's bounding box must
        contain ``source``'s box. Shards are written whole where the box covers
        them, each by one task.
    halo
        Context in voxels per side along x, y, z (one int for all three).
    boundary
        The halo beyond ``source``'s box: ``"reflect"`` (mirror, as
        scipy.ndimage's ``mode="reflect"``) or ``"zero"``. Inside the box the
        halo is real data, also across shard and task borders.
    executor, progress
        As for the other jobs (see :func:`wkdist.run.run_plans`).

    Raises
    ------
    InvalidArgumentError
        Before anything is written: a negative halo, an unknown boundary, a
        read-only target, a target in another mag, the source itself as target,
        or a target layer whose box does not contain the source's box. While
        running: ``function`` returning a wrong shape or dtype.
    """
    halo_vec = Vec3Int.from_vec_or_int(halo)
    if not halo_vec.is_positive():
        raise InvalidArgumentError(f"halo must not be negative; got {tuple(halo_vec)}")
    if boundary not in PAD_MODES:
        raise InvalidArgumentError(
            f"boundary must be one of {sorted(PAD_MODES)}; got {boundary!r}"
        )
    if target.read_only:
        raise InvalidArgumentError(f"the target {target!r} is read-only")
    if target.mag != source.mag:
        raise InvalidArgumentError(
            f"the target is mag {target.mag.to_layer_name()}, the source mag "
            f"{source.mag.to_layer_name()}; map_blocks writes into the same mag"
        )
    if target.path.resolve() == source.path.resolve():
        raise InvalidArgumentError(
            "map_blocks cannot write into its source (tasks read their neighbours' halo); "
            "write into another layer"
        )
    box_mag1 = source._box_3d("map_blocks")
    target._box_3d("map_blocks")
    if not box_3d(target.layer.bounding_box, "map_blocks").contains_bbox(box_mag1):
        raise InvalidArgumentError(
            f"the target layer's bounding box {target.layer.bounding_box} does not contain "
            f"the source box {box_mag1}; set target.layer.bounding_box first"
        )
    plan = plan_map_blocks(
        function,
        source.path,
        source.data_format,
        box_mag1.in_mag(source.mag),
        target._write_target(update_properties=False),
        target.info,
        halo=halo_vec,
        boundary=boundary,
        clip_mag1=box_mag1,
    )
    (written,) = run_plans([plan], executor=executor, progress=progress)
    return written
