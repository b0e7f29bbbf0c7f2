"""The typed, immutable model of ``datasource-properties.json``.

Every class is a frozen dataclass; changes return new objects (``with_*`` /
``without_*``) and only :mod:`wkdist.properties.store` writes them to disk.
Values are checked on construction and raise
:class:`~wkdist.errors.InvalidArgumentError` (a ``ValueError``) naming the field,
the value and what was expected. Mappings (``extras``, view configurations,
attachments) hold the JSON values as read; treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from wkdist.errors import InvalidArgumentError, NotFoundError
from wkdist.geometry import BoundingBox, Mag

from .attachments import StoredAttachments
from .element_class import dtype_from_element_class
from .voxel_size import VoxelSize

if TYPE_CHECKING:
    import numpy as np

    from wkdist.geometry import MagLike

__all__ = [
    "CATEGORIES",
    "COLOR_CATEGORY",
    "DATA_FORMATS",
    "SEGMENTATION_CATEGORY",
    "DatasetProperties",
    "LayerProperties",
    "MagProperties",
    "check_category",
    "check_data_format",
]

COLOR_CATEGORY: Final = "color"
SEGMENTATION_CATEGORY: Final = "segmentation"
CATEGORIES: Final = (COLOR_CATEGORY, SEGMENTATION_CATEGORY)
DATA_FORMATS = ("wkw", "zarr", "zarr3", "n5", "neuroglancerPrecomputed")


def check_category(category: object) -> str:
    """Return ``category`` if it is ``"color"`` or ``"segmentation"``, else raise."""
    if category not in CATEGORIES:
        raise InvalidArgumentError(
            f"category={category!r} is invalid; expected 'color' or 'segmentation'"
        )
    return category


def check_data_format(data_format: object) -> str:
    """Return ``data_format`` if it is a WEBKNOSSOS data format name, else raise."""
    if data_format not in DATA_FORMATS:
        raise InvalidArgumentError(
            f"data_format={data_format!r} is invalid; expected one of {list(DATA_FORMATS)}"
        )
    return data_format


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_optional_int(name: str, value: object, minimum: int | None) -> None:
    if value is None:
        return
    if not _is_int(value) or (minimum is not None and value < minimum):  # type: ignore[operator]
        bound = "" if minimum is None else f" >= {minimum}"
        raise InvalidArgumentError(f"{name}={value!r} is invalid; expected None or an int{bound}")


def _check_optional_mapping(name: str, value: object) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise InvalidArgumentError(f"{name}={value!r} is invalid; expected None or a mapping")


def _as_dict(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(f"{name}={value!r} is invalid; expected a mapping")
    return dict(value)


def _as_tuple(name: str, value: object, item_type: type | tuple[type, ...]) -> tuple[Any, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidArgumentError(f"{name}={value!r} is invalid; expected a sequence")
    items = tuple(value)
    for item in items:
        if not isinstance(item, item_type):
            raise InvalidArgumentError(
                f"{name} contains {item!r}; expected only {getattr(item_type, '__name__', item_type)}"
            )
    return items


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class MagProperties:
    """One entry of a layer's ``mags``.

    Parameters
    ----------
    mag
        The magnification (anything ``Mag`` accepts).
    path
        Where the mag's array lies: ``"./<layer>/<mag>"`` relative to the dataset,
        or an absolute path / URL for foreign mags; ``None`` in old files.
    cube_length
        WKW only: edge length of a shard file in the mag's voxels (e.g. 1024).
    axis_order
        Index of each axis in the stored array, e.g. ``{"c": 0, "x": 1, "y": 2, "z": 3}``.
    channel_index
        First channel of the array that belongs to the layer (written if non-zero).
    extras
        Keys of the JSON entry that wkdist does not know; written back unchanged.
    """

    mag: Mag
    path: str | None = None
    cube_length: int | None = None
    axis_order: Mapping[str, int] | None = None
    channel_index: int | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _set(self, "mag", Mag(self.mag))
        if self.path is not None and not isinstance(self.path, str):
            raise InvalidArgumentError(f"path={self.path!r} is invalid; expected None or a str")
        _check_optional_int("cube_length", self.cube_length, 1)
        _check_optional_int("channel_index", self.channel_index, 0)
        if self.axis_order is not None:
            if not isinstance(self.axis_order, Mapping) or not all(
                isinstance(k, str) and _is_int(v) and v >= 0 for k, v in self.axis_order.items()
            ):
                raise InvalidArgumentError(
                    f"axis_order={self.axis_order!r} is invalid; expected a mapping of axis "
                    "names to array indices >= 0, e.g. {'c': 0, 'x': 1, 'y': 2, 'z': 3}"
                )
            _set(self, "axis_order", dict(self.axis_order))
        _set(self, "extras", _as_dict("extras", self.extras))


@dataclass(frozen=True, slots=True)
class LayerProperties:
    """One entry of ``dataLayers``.

    Parameters
    ----------
    name
        The layer's name (also its directory name).
    category
        ``"color"`` or ``"segmentation"``.
    bounding_box
        The layer's box in Mag(1) voxels (exact, not shard-aligned).
    data_format
        ``"wkw"``, ``"zarr"``, ``"zarr3"``, ``"n5"`` or ``"neuroglancerPrecomputed"``.
    mags
        The layer's mags, in file order; unique, all with the same ``axis_order``.
    num_channels
        Number of channels.
    element_class
        Type of a whole voxel, e.g. ``"uint24"`` for 3 x uint8 (see
        :func:`~wkdist.properties.element_class_from_dtype`).
    largest_segment_id
        Segmentation only: the largest id in the layer, if known.
    mappings
        Names of the layer's mappings.
    attachments
        Segmentation attachments (``meshes``, ``agglomerates``, ``segmentIndex``,
        ...) as stored, a :class:`StoredAttachments` (also readable as typed
        containers: ``.meshes``, ...); ``None`` if there are none.
    default_view_configuration, coordinate_transformations, additional_axes
        The JSON values as stored, ``None`` if absent.
    bounding_box_extras
        Keys of ``boundingBox`` beyond the box itself (e.g. ``axisOrder``, which
        WEBKNOSSOS writes there while a layer has no mags).
    extras
        Keys of the JSON entry that wkdist does not know; written back unchanged.
    """

    name: str
    category: str
    bounding_box: BoundingBox
    data_format: str
    mags: tuple[MagProperties, ...]
    num_channels: int = 1
    element_class: str = "uint8"
    largest_segment_id: int | None = None
    mappings: tuple[str, ...] = ()
    attachments: StoredAttachments | Mapping[str, Any] | None = None
    default_view_configuration: Mapping[str, Any] | None = None
    coordinate_transformations: tuple[Mapping[str, Any], ...] | None = None
    additional_axes: tuple[Mapping[str, Any], ...] | None = None
    bounding_box_extras: Mapping[str, Any] = field(default_factory=dict)
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgumentError(f"name={self.name!r} is invalid; expected a non-empty str")
        check_category(self.category)
        check_data_format(self.data_format)
        if not isinstance(self.bounding_box, BoundingBox) or not (
            self.bounding_box.topleft.is_positive()
        ):
            raise InvalidArgumentError(
                f"bounding_box={self.bounding_box!r} of layer {self.name!r} is invalid; "
                "expected a BoundingBox with topleft >= 0"
            )
        if not _is_int(self.num_channels) or self.num_channels < 1:
            raise InvalidArgumentError(
                f"num_channels={self.num_channels!r} is invalid; expected an int >= 1"
            )
        dtype_from_element_class(self.element_class, self.num_channels)
        _check_optional_int("largest_segment_id", self.largest_segment_id, None)
        mags = _as_tuple("mags", self.mags, MagProperties)
        _check_mags(self.name, mags)
        _set(self, "mags", mags)
        _set(self, "mappings", _as_tuple("mappings", self.mappings, str))
        for name in ("coordinate_transformations", "additional_axes"):
            value = getattr(self, name)
            if value is not None:
                _set(self, name, _as_tuple(name, value, Mapping))
        for name in ("attachments", "default_view_configuration"):
            _check_optional_mapping(name, getattr(self, name))
        # Segmentation layers always have attachments (maybe none), as in the reference.
        if self.attachments is None and self.category == SEGMENTATION_CATEGORY:
            _set(self, "attachments", StoredAttachments({}))
        elif self.attachments is not None and not isinstance(self.attachments, StoredAttachments):
            _set(self, "attachments", StoredAttachments(self.attachments))
        for name in ("bounding_box_extras", "extras"):
            _set(self, name, _as_dict(name, getattr(self, name)))

    @property
    def dtype_np(self) -> np.dtype:
        """The dtype of one channel (from ``element_class`` and ``num_channels``)."""
        return dtype_from_element_class(self.element_class, self.num_channels)

    @property
    def dtype(self) -> str:
        """The name of :attr:`dtype_np` (the reference stores this instead of ``elementClass``)."""
        return self.dtype_np.name

    def get_mag(self, mag: MagLike) -> MagProperties:
        """The entry of ``mag`` (anything ``Mag`` accepts); raises :class:`NotFoundError`."""
        wanted = Mag(mag)
        for entry in self.mags:
            if entry.mag == wanted:
                return entry
        raise NotFoundError(
            f"mag {wanted.to_layer_name()} is not in layer {self.name!r}; its mags are "
            f"{[entry.mag.to_layer_name() for entry in self.mags]}"
        )

    def with_mag(self, mag_properties: MagProperties) -> LayerProperties:
        """A copy with ``mag_properties`` replacing the entry of the same mag, or appended."""
        if not isinstance(mag_properties, MagProperties):
            raise InvalidArgumentError(
                f"mag_properties={mag_properties!r} is invalid; expected MagProperties"
            )
        new = mag_properties
        if any(entry.mag == new.mag for entry in self.mags):
            mags = tuple(new if entry.mag == new.mag else entry for entry in self.mags)
        else:
            mags = (*self.mags, new)
        return replace(self, mags=mags)

    def without_mag(self, mag: MagLike) -> LayerProperties:
        """A copy without the entry of ``mag``; raises :class:`NotFoundError` if absent."""
        entry = self.get_mag(mag)
        return replace(self, mags=tuple(e for e in self.mags if e is not entry))

    def with_bounding_box(self, bounding_box: BoundingBox) -> LayerProperties:
        """A copy with ``bounding_box`` (Mag(1) voxels)."""
        return replace(self, bounding_box=bounding_box)

    def for_new_layer(self, name: str, **changes: Any) -> LayerProperties:
        """A copy named ``name`` (and ``changes``) for another layer: its stored JSON
        mappings (coordinate transformations, view configuration, axes) are fresh
        copies, so the two layers share no mutable object."""
        return replace(
            self,
            name=name,
            coordinate_transformations=deepcopy(self.coordinate_transformations),
            default_view_configuration=deepcopy(self.default_view_configuration),
            additional_axes=deepcopy(self.additional_axes),
            **changes,
        )


def _check_mags(layer_name: str, mags: tuple[MagProperties, ...]) -> None:
    seen: set[Mag] = set()
    for entry in mags:
        if entry.mag in seen:
            raise InvalidArgumentError(
                f"mag {entry.mag.to_layer_name()} appears twice in layer {layer_name!r}; "
                "expected each mag once"
            )
        seen.add(entry.mag)
    orders = [entry.axis_order for entry in mags]
    if any(order != orders[0] for order in orders):
        raise InvalidArgumentError(
            f"the mags of layer {layer_name!r} have different axis_order values {orders}; "
            "expected the same axis order for all mags"
        )


@dataclass(frozen=True, slots=True)
class DatasetProperties:
    """The whole ``datasource-properties.json``.

    Parameters
    ----------
    id
        Legacy ``{"name": <directory name>, "team": ""}`` (ignored by WEBKNOSSOS).
    scale
        The Mag(1) voxel size.
    data_layers
        The layers, in file order, with unique names.
    version
        Format version (currently 1).
    default_view_configuration
        The JSON value as stored, ``None`` if absent.
    extras
        Top-level keys that wkdist does not know; written back unchanged.
    """

    id: Mapping[str, Any]
    scale: VoxelSize
    data_layers: tuple[LayerProperties, ...]
    version: int = 1
    default_view_configuration: Mapping[str, Any] | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _set(self, "id", _as_dict("id", self.id))
        if not isinstance(self.scale, VoxelSize):
            raise InvalidArgumentError(f"scale={self.scale!r} is invalid; expected a VoxelSize")
        layers = _as_tuple("data_layers", self.data_layers, LayerProperties)
        names = [layer.name for layer in layers]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InvalidArgumentError(
                f"layer names {duplicates} appear more than once; expected unique layer names"
            )
        _set(self, "data_layers", layers)
        if not _is_int(self.version):
            raise InvalidArgumentError(f"version={self.version!r} is invalid; expected an int")
        _check_optional_mapping("default_view_configuration", self.default_view_configuration)
        _set(self, "extras", _as_dict("extras", self.extras))

    @property
    def layer_names(self) -> tuple[str, ...]:
        """The layers' names in file order."""
        return tuple(layer.name for layer in self.data_layers)

    def get_layer(self, name: str) -> LayerProperties:
        """The layer ``name``; raises :class:`NotFoundError` listing the existing names."""
        for layer in self.data_layers:
            if layer.name == name:
                return layer
        raise NotFoundError(
            f"layer {name!r} is not in the dataset properties; the layers are "
            f"{list(self.layer_names)}"
        )

    def with_layer(self, layer: LayerProperties) -> DatasetProperties:
        """A copy with ``layer`` replacing the layer of the same name, or appended."""
        if not isinstance(layer, LayerProperties):
            raise InvalidArgumentError(f"layer={layer!r} is invalid; expected LayerProperties")
        if layer.name in self.layer_names:
            layers = tuple(layer if old.name == layer.name else old for old in self.data_layers)
        else:
            layers = (*self.data_layers, layer)
        return replace(self, data_layers=layers)

    def without_layer(self, name: str) -> DatasetProperties:
        """A copy without layer ``name``; raises :class:`NotFoundError` if absent."""
        self.get_layer(name)
        return replace(
            self, data_layers=tuple(layer for layer in self.data_layers if layer.name != name)
        )
