"""Mags that reference another dataset's files, and mags added from existing files.

A *ref* mag is an entry in ``datasource-properties.json`` whose ``path`` names
another dataset's mag directory (absolute). Nothing is linked or copied; the
mag is read-only through this dataset (its files belong to the other one).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from wkdist.errors import AlreadyExistsError, InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag, NDBoundingBox
from wkdist.location import Location, RemotePath, as_location, copy_tree, require_local
from wkdist.properties import extended_layer_box
from wkdist.storage import detect_data_format, open_array

if TYPE_CHECKING:
    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.mag_view import MagView
    from wkdist.geometry import MagLike
    from wkdist.location import LocationLike
    from wkdist.storage import StorageArray


def open_layer(dataset_type: type[Dataset], layer: LocationLike | Layer) -> Layer:
    """``layer`` itself, or the layer at the path or URL ``<dataset>/<layer name>``."""
    if not isinstance(layer, str | os.PathLike | RemotePath):
        return layer
    path = as_location(layer, argument="layer")
    return dataset_type.open(path.parent).get_layer(path.name)


def open_mag_view(dataset_type: type[Dataset], mag_view: LocationLike | MagView) -> MagView:
    """``mag_view`` itself, or the mag at the path or URL ``<dataset>/<layer>/<mag>``."""
    if not isinstance(mag_view, str | os.PathLike | RemotePath):
        return mag_view
    path = as_location(mag_view, argument="mag_view")
    return open_layer(dataset_type, path.parent).get_mag(path.name)


def _check_compatible(layer: Layer, foreign: MagView) -> None:
    info = foreign.info
    if (info.dtype, info.num_channels) != (layer.dtype, layer.num_channels):
        raise InvalidArgumentError(
            f"cannot add {foreign!r} ({info.num_channels} x {info.dtype}) to {layer!r} "
            f"({layer.num_channels} x {layer.dtype}): dtype and channels must match"
        )
    if info.data_format != layer.data_format:
        raise InvalidArgumentError(
            f"cannot add {foreign!r} ({info.data_format.value}) to {layer!r} "
            f"({layer.data_format.value}): the data formats must match"
        )
    _check_axes(layer, foreign._array, foreign)


def _add_existing_mag(
    layer: Layer, mag: Mag, path: Location, foreign_box: BoundingBox | NDBoundingBox | None
) -> MagView:
    """Register the array at ``path`` as mag ``mag`` and grow the layer's box to
    ``foreign_box`` (Mag(1) voxels) if given."""
    spec = open_array(path, layer.data_format).spec
    layer._register_mag(mag, path, spec)
    if foreign_box is not None:
        layer.bounding_box = extended_layer_box(layer.bounding_box, foreign_box)
    return layer.get_mag(mag)


def _check_axes(layer: Layer, array: StorageArray, where: object) -> StorageArray:
    """An n-d layer takes arrays of its stored axes; a 3-d one any c, x, y, z array.
    Returns ``array`` with the layer's axes."""
    box = layer.bounding_box
    if isinstance(box, BoundingBox):
        if array.spec.extra_axes:
            raise InvalidArgumentError(
                f"the array of {where} has the axes {array.spec.axes}; layer "
                f"{layer.name!r} has only c, x, y, z (give the layer an NDBoundingBox "
                "with these axes)"
            )
        return array
    try:
        return array.with_axes(tuple(box.axes))
    except InvalidArgumentError:
        raise InvalidArgumentError(
            f"the array of {where} has the axes {array.spec.axes}; layer {layer.name!r} "
            f"stores {tuple(box.axes)}"
        ) from None


def _check_new_mag(layer: Layer, mag: Mag) -> None:
    layer._ensure_writable()
    if mag in layer.mags:
        raise AlreadyExistsError(
            f"mag {mag.to_layer_name()} exists already in layer {layer.name!r}"
        )


def _rescaled_box(foreign: MagView, new_mag: Mag) -> BoundingBox | NDBoundingBox:
    """The foreign layer's box as its voxels cover it under ``new_mag``: the same box
    for the same mag, else the voxels (rounded outwards) scaled to the new mag."""
    box = foreign.layer.bounding_box
    if new_mag == foreign.mag:
        return box
    return box.align_with_mag(foreign.mag, ceil=True).in_mag(foreign.mag).from_mag_to_mag1(new_mag)


def add_mag_as_ref(
    layer: Layer,
    foreign_mag_view_or_path: str | os.PathLike[str] | MagView,
    *,
    mag: MagLike | None,
    extend_layer_bounding_box: bool,
) -> MagView:
    """Add a mag whose files are another dataset's mag (read-only here)."""
    foreign = open_mag_view(type(layer.dataset), foreign_mag_view_or_path)
    new_mag = foreign.mag if mag is None else Mag(mag)
    _check_new_mag(layer, new_mag)
    _check_compatible(layer, foreign)
    box = _rescaled_box(foreign, new_mag) if extend_layer_bounding_box else None
    return _add_existing_mag(layer, new_mag, foreign.path.resolve(), box)


def add_fs_copy_mag(
    layer: Layer,
    foreign_mag_view_or_path: str | os.PathLike[str] | MagView,
    *,
    extend_layer_bounding_box: bool,
    exists_ok: bool,
) -> MagView:
    """Copy a mag's files as they are (no re-encoding) into the layer's directory."""
    foreign = open_mag_view(type(layer.dataset), foreign_mag_view_or_path)
    _check_new_mag(layer, foreign.mag)
    _check_compatible(layer, foreign)
    target = layer.path / foreign.mag.to_layer_name()
    if target.exists() and not exists_ok:
        raise AlreadyExistsError(
            f"cannot copy {foreign!r} into layer {layer.name!r}: {target} exists "
            "(pass exists_ok=True to copy into it)"
        )
    if isinstance(foreign.path, Path) and isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(foreign.path, target, dirs_exist_ok=exists_ok)
    else:
        copy_tree(foreign.path, target)
    box = foreign.layer.bounding_box if extend_layer_bounding_box else None
    return _add_existing_mag(layer, foreign.mag, target, box)


def add_mag_from_zarrarray(
    layer: Layer,
    mag: MagLike,
    path: str | os.PathLike[str],
    *,
    move: bool,
    extend_layer_bounding_box: bool,
) -> MagView:
    """Copy (or move) a Zarr array of the layer's format, dtype and channels in as mag ``mag``."""
    new_mag = Mag(mag)
    _check_new_mag(layer, new_mag)
    source = Path(path)
    found = detect_data_format(source)
    if found != layer.data_format:
        raise InvalidArgumentError(
            f"the array at {source} is {found.value if found else 'not an array'}; "
            f"layer {layer.name!r} needs {layer.data_format.value}"
        )
    spec = _check_axes(layer, open_array(source, found), source).spec
    if (spec.dtype, spec.num_channels) != (layer.dtype, layer.num_channels):
        raise InvalidArgumentError(
            f"the array at {source} holds {spec.num_channels} x {spec.dtype}; layer "
            f"{layer.name!r} needs {layer.num_channels} x {layer.dtype}"
        )
    target = require_local(layer.path, "add_mag_from_zarrarray") / new_mag.to_layer_name()
    if target.exists():
        raise AlreadyExistsError(f"cannot add mag {new_mag.to_layer_name()}: {target} exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    if move:
        shutil.move(source, target)
    else:
        shutil.copytree(source, target)
    shape = open_array(target, found).shape
    box = (
        BoundingBox((0, 0, 0), shape).from_mag_to_mag1(new_mag)
        if extend_layer_bounding_box and shape is not None
        else None
    )
    return _add_existing_mag(layer, new_mag, target, box)
