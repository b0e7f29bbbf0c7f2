"""Which mags downsampling and upsampling create, in order (webknossos 4.3.3 rules).

Sampling modes:

``anisotropic`` (default; ``"auto"`` means the same)
    From the current mag, compare doubling every axis with doubling only the
    axes of smallest physical size (``mag * voxel_size``) and take the step whose
    physical voxel is closer to a cube (smaller max/min ratio; doubling only the
    smallest axes wins ties). A step that keeps the largest factor is taken
    silently, without emitting a mag.
``isotropic``
    Double every axis.
``constant_z``
    Keep z at the source mag's z and double x and y. Forced for downsampling
    when the layer is one voxel deep.

Every step is clipped to the coarsest mag. With ``mags_of_other_layers``, a mag
whose largest factor is twice the current one is taken from there instead, so
that layers share their mags.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Mag, Vec3Int

if TYPE_CHECKING:
    from collections.abc import Iterable

    from wkdist.geometry import BoundingBox, MagLike

SAMPLING_MODES: tuple[str, ...] = ("anisotropic", "isotropic", "constant_z")
"""Sampling modes accepted by :func:`sampling_ladder` (plus ``"auto"``)."""

_TARGET_PIXELS_PER_AXIS = 100
_MIN_COARSEST_MAG = 4


def parse_sampling_mode(sampling_mode: str) -> str:
    """``"auto"`` → ``"anisotropic"``; any of :data:`SAMPLING_MODES` unchanged.

    Raises
    ------
    InvalidArgumentError
        For any other value.
    """
    if sampling_mode == "auto":
        return "anisotropic"
    if sampling_mode not in SAMPLING_MODES:
        raise InvalidArgumentError(
            f"sampling_mode={sampling_mode!r} is unknown; expected 'auto' or one of "
            f"{', '.join(repr(m) for m in SAMPLING_MODES)}."
        )
    return sampling_mode


def default_coarsest_mag(bounding_box: BoundingBox) -> Mag:
    """The coarsest mag downsampling stops at when none is given.

    The smallest power of two ``m`` with ``max(size.x, size.y) / m <= 100`` (about
    100 voxels per slice edge), but at least 4; isotropic.

    Parameters
    ----------
    bounding_box
        The layer's bounding box, in Mag(1) voxels.
    """
    edge = max(bounding_box.size.x, bounding_box.size.y)
    if edge <= 0:
        raise InvalidArgumentError(
            f"bounding_box={bounding_box} has no extent in x and y; expected a non-empty layer box."
        )
    factor = 1
    while factor * _TARGET_PIXELS_PER_AXIS < edge:
        factor *= 2
    return Mag(max(factor, _MIN_COARSEST_MAG))


def _mags_by_max_dim(mags: Iterable[MagLike]) -> dict[int, Mag]:
    unique = {Mag(mag) for mag in mags}
    by_max_dim = {mag.max_dim: mag for mag in unique}
    if len(by_max_dim) != len(unique):
        raise InvalidArgumentError(
            f"mags_of_other_layers={sorted(map(str, unique))} contain different mags with the "
            "same largest factor; every max_dim may appear once across the dataset."
        )
    return by_max_dim


def _anisotropic_step(
    current: Mag, coarsest: Mag, voxel_size: tuple[float, ...]
) -> tuple[Mag, bool]:
    """The next mag (clipped to ``coarsest``) and whether only the smallest axes doubled."""
    size = [factor * length for factor, length in zip(current, voxel_size, strict=True)]
    smallest = min(size)
    only_smallest = [2 if length == smallest else 1 for length in size]
    all_doubled = [2 * length for length in size]
    smallest_doubled = [length * f for length, f in zip(size, only_smallest, strict=True)]
    doubles_all = max(all_doubled) / min(all_doubled) < max(smallest_doubled) / min(
        smallest_doubled
    )
    factors = Vec3Int.full(2) if doubles_all else Vec3Int(only_smallest)
    return Mag((current.to_vec3_int() * factors).pairmin(coarsest.to_vec3_int())), not doubles_all


def mag_ladder(
    from_mag: Mag,
    coarsest_mag: Mag,
    voxel_size: tuple[float, ...] | None,
    mags_of_other_layers: Iterable[MagLike],
) -> list[Mag]:
    """Mags from ``from_mag`` (exclusive) up to ``coarsest_mag``, finest first.

    ``voxel_size`` ``None`` doubles every axis (clipped to ``coarsest_mag``);
    otherwise the anisotropic rule of the module docstring. Other layers' mags
    are taken as in :func:`sampling_ladder`.

    Raises
    ------
    InvalidArgumentError
        If ``from_mag`` is coarser than ``coarsest_mag`` on some axis.
    RuntimeError
        If ``coarsest_mag`` cannot be reached with ``voxel_size``.
    """
    if any(f > c for f, c in zip(from_mag, coarsest_mag, strict=True)):
        raise InvalidArgumentError(
            f"from_mag={from_mag} must not be coarser than coarsest_mag={coarsest_mag} on any axis."
        )
    aligned = _mags_by_max_dim(mags_of_other_layers)
    mags: list[Mag] = []
    current = from_mag
    while current < coarsest_mag:
        if 2 * current.max_dim in aligned:
            current = aligned[2 * current.max_dim]
            if current > coarsest_mag:
                warnings.warn(
                    f"The mag {current} taken from another layer is coarser than "
                    f"coarsest_mag={coarsest_mag}.",
                    stacklevel=3,
                )
        elif voxel_size is None:
            current = Mag((current.to_vec3_int() * 2).pairmin(coarsest_mag.to_vec3_int()))
        else:
            step, only_smallest = _anisotropic_step(current, coarsest_mag, voxel_size)
            if only_smallest and step.max_dim == current.max_dim and step != current:
                # e.g. 4-4-2 → 4-4-4 for cubic voxels: keep going, emit no mag.
                current = step
                continue
            if step == current:
                raise RuntimeError(
                    f"coarsest_mag={coarsest_mag} cannot be reached from {current} with "
                    f"voxel_size={voxel_size}."
                )
            current = step
        mags.append(current)
    return mags


def _voxel_size_for(sampling_mode: str, voxel_size: Iterable[float]) -> tuple[float, ...] | None:
    if sampling_mode != "anisotropic":
        return None
    size = tuple(float(length) for length in voxel_size)
    if len(size) != 3 or not all(length > 0 for length in size):
        raise InvalidArgumentError(f"voxel_size={size} must be three positive numbers.")
    return size


def sampling_ladder(
    from_mag: MagLike,
    coarsest_mag: MagLike,
    voxel_size: tuple[float, float, float],
    sampling_mode: str,
    layer_depth: int,
    mags_of_other_layers: Iterable[MagLike] = (),
    *,
    force_sampling_scheme: bool = False,
) -> list[Mag]:
    """The mags downsampling creates, finest first; each is computed from the one before.

    Parameters
    ----------
    from_mag
        Existing source mag.
    coarsest_mag
        Stop once a mag's largest factor reaches this mag's (see
        :func:`default_coarsest_mag`); every mag is clipped to it per axis.
    voxel_size
        Physical voxel size of Mag(1) (any unit); used by ``anisotropic`` only.
    sampling_mode
        ``"anisotropic"``, ``"auto"``, ``"isotropic"`` or ``"constant_z"`` (module docstring).
    layer_depth
        The layer's bounding-box depth in Mag(1) voxels; 1 forces ``constant_z``.
    mags_of_other_layers
        For ``align_with_other_layers``: the mags of every layer of the dataset
        (this layer's included, as webknossos does). Empty for no alignment.
    force_sampling_scheme
        Only warn, instead of raising, when two mags share their largest factor.

    Raises
    ------
    InvalidArgumentError
        For an unknown sampling mode, ``from_mag`` coarser than ``coarsest_mag`` on
        some axis, or other layers holding two mags with the same largest factor.
    RuntimeError
        If ``coarsest_mag`` cannot be reached (anisotropic), or two created mags
        share their largest factor (WEBKNOSSOS cannot show that) and
        ``force_sampling_scheme`` is false.
    """
    mode = parse_sampling_mode(sampling_mode)
    source, coarsest = Mag(from_mag), Mag(coarsest_mag)
    if layer_depth == 1 and mode != "constant_z":
        warnings.warn(
            f"sampling_mode={sampling_mode!r} was changed to 'constant_z' because the layer is "
            "one voxel deep; other modes would mix black into the data.",
            stacklevel=2,
        )
        mode = "constant_z"
    if mode == "constant_z":
        coarsest = Mag((coarsest.x, coarsest.y, source.z))
    mags = mag_ladder(source, coarsest, _voxel_size_for(mode, voxel_size), mags_of_other_layers)
    if len({mag.max_dim for mag in mags}) != len(mags):
        message = (
            f"The downsampling scheme {[str(m) for m in mags]} contains several mags with the "
            "same largest factor, which WEBKNOSSOS does not support. Use another sampling_mode "
            "(e.g. 'isotropic') or pass force_sampling_scheme=True."
        )
        if not force_sampling_scheme:
            raise RuntimeError(message)
        warnings.warn(message, stacklevel=2)
    return mags


def upsampling_ladder(
    from_mag: MagLike,
    finest_mag: MagLike,
    voxel_size: tuple[float, float, float],
    sampling_mode: str,
    mags_of_other_layers: Iterable[MagLike] = (),
) -> list[Mag]:
    """The mags upsampling creates, coarsest first, ending with ``finest_mag``.

    The downsampling ladder from ``finest_mag`` to ``from_mag`` walked backwards
    (``constant_z`` keeps the z of ``from_mag``). Parameters as in
    :func:`sampling_ladder`.

    Raises
    ------
    InvalidArgumentError
        As :func:`sampling_ladder`, or if a step would not make the largest
        factor smaller (e.g. ``finest_mag`` equals ``from_mag``).
    """
    mode = parse_sampling_mode(sampling_mode)
    source, finest = Mag(from_mag), Mag(finest_mag)
    if mode == "constant_z":
        finest = Mag((finest.x, finest.y, source.z))
    downwards = mag_ladder(finest, source, _voxel_size_for(mode, voxel_size), mags_of_other_layers)
    mags = [*downwards[-2::-1], finest]
    for coarser, finer in zip([source, *mags], mags, strict=False):
        if not coarser > finer:
            raise InvalidArgumentError(
                f"Upsampling from_mag={source} to finest_mag={finest} would step from {coarser} "
                f"to {finer}, which is not finer; expected finest_mag finer than from_mag."
            )
    return mags
