"""``Layer`` and ``SegmentationLayer``: one named channel set of a dataset, holding mags."""

from __future__ import annotations

import dataclasses
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.dataset.attachments import Attachments
from wkdist.dataset.layer_categories import SEGMENTATION_CATEGORY
from wkdist.dataset.layer_mags import MagManagement
from wkdist.dataset.layer_resampling import LayerResampling
from wkdist.dataset.names import validate_layer_name
from wkdist.errors import AlreadyExistsError, InvalidArgumentError, ReadOnlyError
from wkdist.geometry import BoundingBox, Mag, NDBoundingBox
from wkdist.location import Location, require_local
from wkdist.properties import (
    dtype_from_element_class,
    extra_axis_ends,
    layer_box,
    with_layer_box,
)
from wkdist.properties.coordinate_transformations import (
    CoordinateTransformation,
    transformation_from_json,
    transformation_to_json,
)
from wkdist.properties.view_configuration import LayerViewConfiguration, view_configuration_json
from wkdist.storage import DataFormat

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer_categories import LayerCategoryType
    from wkdist.dataset.mag_view import MagView
    from wkdist.properties import DatasetProperties, LayerProperties

class Layer(MagManagement, LayerResampling):
    """A layer of a dataset: category, dtype, channels, bounding box and mags.

    Obtain layers from :attr:`Dataset.layers`, :meth:`Dataset.get_layer` or
    :meth:`Dataset.add_layer`. Every change is saved to
    ``datasource-properties.json`` at once.
    """

    def __init__(self, dataset: Dataset, name: str, *, read_only: bool = False) -> None:
        self._dataset = dataset
        self._name = name
        self._read_only = read_only
        self._mag_views: dict[Mag, MagView] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reopen_layer, (self._dataset, self._name))

    # -------------------------------------------------------------- metadata
    @property
    def _properties(self) -> LayerProperties:
        return self._dataset._properties.get_layer(self._name)

    def _update(self, **changes: Any) -> None:
        name = self._name
        self._dataset._update_properties(
            lambda props: props.with_layer(dataclasses.replace(props.get_layer(name), **changes))
        )

    @property
    def dataset(self) -> Dataset:
        """The dataset this layer belongs to."""
        return self._dataset

    @property
    def name(self) -> str:
        """The layer's name (its directory name)."""
        return self._name

    @name.setter
    def name(self, new_name: str) -> None:
        if new_name == self._name:
            return
        self._dataset._ensure_writable()
        validate_layer_name(new_name)
        if new_name in self._dataset.layers:
            raise AlreadyExistsError(
                f"cannot rename layer {self._name!r} to {new_name!r}: that layer exists"
            )
        old_path = require_local(self.path, "renaming a layer (a directory rename)")
        new_path = old_path.with_name(new_name)
        if old_path.exists():
            old_path.rename(new_path)
        old_name = self._name

        def rename(props: DatasetProperties) -> DatasetProperties:
            layer = props.get_layer(old_name)
            mags = tuple(
                dataclasses.replace(m, path=_renamed_mag_path(m.path, old_name, new_name))
                for m in layer.mags
            )
            return props.without_layer(old_name).with_layer(
                dataclasses.replace(layer, name=new_name, mags=mags)
            )

        self._dataset._update_properties(rename)
        self._dataset._rename_layer_object(old_name, new_name)
        self._name = new_name
        self._mag_views.clear()

    @property
    def path(self) -> Location:
        """The layer's directory inside the dataset."""
        return self._dataset.path / self._name

    @property
    def resolved_path(self) -> Location:
        """The layer's directory with symlinks resolved."""
        return self.path.resolve()

    @property
    def category(self) -> LayerCategoryType:
        """``"color"`` or ``"segmentation"``."""
        return self._properties.category  # type: ignore[return-value]

    @property
    def dtype(self) -> np.dtype:
        """The dtype of one channel of one voxel."""
        props = self._properties
        return dtype_from_element_class(props.element_class, props.num_channels)

    @property
    def dtype_per_channel(self) -> np.dtype:
        """Deprecated: :attr:`dtype` (the first API edition's name)."""
        warnings.warn(
            "Layer.dtype_per_channel is deprecated; use Layer.dtype.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.dtype

    @property
    def num_channels(self) -> int:
        """Number of channels per voxel."""
        return self._properties.num_channels

    @property
    def data_format(self) -> DataFormat:
        """The on-disk format of the layer's mags."""
        return DataFormat(self._properties.data_format)

    @property
    def read_only(self) -> bool:
        """Whether the layer refuses changes (read-only dataset, or a layer linked
        in with :meth:`Dataset.add_symlink_layer`)."""
        return self._read_only or self._dataset.read_only

    def _ensure_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(f"{self!r} is read-only; its changes would not be saved")

    @property
    def default_view_configuration(self) -> LayerViewConfiguration | None:
        """The layer's ``defaultViewConfiguration`` (a fresh object on each access;
        assign one, or a mapping in the stored camelCase form, or ``None``)."""
        stored = self._properties.default_view_configuration
        return None if stored is None else LayerViewConfiguration.from_json(stored)

    @default_view_configuration.setter
    def default_view_configuration(
        self, value: LayerViewConfiguration | Mapping[str, Any] | None
    ) -> None:
        self._update(default_view_configuration=view_configuration_json(value))

    @property
    def coordinate_transformations(self) -> tuple[CoordinateTransformation, ...]:
        """How WEBKNOSSOS places the layer when rendering (metadata only; the voxels
        stay as they are). Assign a sequence of transformations; empty removes them."""
        stored = self._properties.coordinate_transformations or ()
        return tuple(transformation_from_json(entry) for entry in stored)

    @coordinate_transformations.setter
    def coordinate_transformations(self, value: Sequence[CoordinateTransformation]) -> None:
        stored = tuple(transformation_to_json(t) for t in value)
        self._update(coordinate_transformations=stored or None)

    @property
    def bounding_box(self) -> BoundingBox | NDBoundingBox:
        """The layer's box in Mag(1) voxels: a ``BoundingBox``, or an ``NDBoundingBox``
        over the stored axes for layers with other axes than c, x, y, z (e.g. ``t``)
        or without a channel axis.

        Setting it saves the properties and resizes every mag's array to hold it
        (grow or shrink, metadata only); this pre-sizes arrays before parallel writes.
        """
        return layer_box(self._properties)

    @bounding_box.setter
    def bounding_box(self, box: BoundingBox | NDBoundingBox) -> None:
        self._ensure_writable()
        if not isinstance(box, NDBoundingBox):
            raise InvalidArgumentError(
                f"bounding_box must be a BoundingBox or NDBoundingBox; got {box!r}"
            )
        if not box.topleft.is_positive():
            raise InvalidArgumentError(
                f"bounding_box {box} of layer {self._name!r} has a negative topleft; "
                "coordinates must be >= 0"
            )
        name = self._name
        self._dataset._update_properties(
            lambda props: props.with_layer(with_layer_box(props.get_layer(name), box))
        )
        box = self.bounding_box
        extra = extra_axis_ends(box)
        for mag_view in self.mags.values():
            if not mag_view.read_only and not mag_view.is_foreign:
                array = mag_view._array
                if not isinstance(box, BoundingBox):
                    array = array.with_axes(tuple(box.axes))
                if array.shape is not None:
                    mag = mag_view.mag
                    end = box.align_with_mag(mag, ceil=True).in_mag(mag).bottomright_xyz
                    array.resize(end, extra)

    def __repr__(self) -> str:
        return f"Layer({self._name!r}, dtype={self.dtype}, num_channels={self.num_channels})"

    def as_segmentation_layer(self) -> SegmentationLayer:
        """This layer typed as a :class:`SegmentationLayer`; raises unless it is one."""
        if not isinstance(self, SegmentationLayer):
            raise TypeError(  # the reference's exception type
                f"layer {self._name!r} is a {self.category} layer, not a segmentation layer"
            )
        return self

class SegmentationLayer(Layer):
    """A layer of segment ids; adds :attr:`largest_segment_id`."""

    @property
    def largest_segment_id(self) -> int | None:
        """The largest segment id in the layer, as stored in the properties (not recomputed)."""
        return self._properties.largest_segment_id

    @largest_segment_id.setter
    def largest_segment_id(self, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer)):
            raise InvalidArgumentError(f"largest_segment_id must be an int or None; got {value!r}")
        self._update(largest_segment_id=None if value is None else int(value))

    @property
    def category(self) -> LayerCategoryType:
        return SEGMENTATION_CATEGORY

    @property
    def attachments(self) -> Attachments:
        """Meshes, agglomerates, segment index, ... of this layer."""
        return Attachments(self)

    def refresh_largest_segment_id(self) -> None:
        """Recompute :attr:`largest_segment_id` from the finest mag's data (None if all zero)."""
        mag_view = self.get_finest_mag()
        largest = 0
        for view in mag_view.get_views_on_disk(read_only=True):
            largest = max(largest, int(view.read().max()))
        self.largest_segment_id = largest or None


def _reopen_layer(dataset: Dataset, name: str) -> Layer:
    return dataset.get_layer(name)


def _renamed_mag_path(path: str | None, old_name: str, new_name: str) -> str | None:
    prefix = f"./{old_name}/"
    if path is not None and path.startswith(prefix):
        return f"./{new_name}/{path[len(prefix):]}"
    return path
