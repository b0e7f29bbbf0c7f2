"""Layer management of a dataset: listing, adding, linking and deleting layers
(:class:`LayerManagement`, a mixin of :class:`~wkdist.dataset.dataset.Dataset`)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from wkdist.dataset import layer_refs
from wkdist.dataset.arguments import new_layer_properties, parse_dtype
from wkdist.dataset.defaults import DEFAULT_DATA_FORMAT
from wkdist.dataset.layer import Layer, SegmentationLayer
from wkdist.dataset.layer_categories import (
    CATEGORIES,
    COLOR_CATEGORY,
    SEGMENTATION_CATEGORY,
)
from wkdist.dataset.mag_refs import open_layer
from wkdist.dataset.names import validate_layer_name
from wkdist.dataset.write_layer import write_layer
from wkdist.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
)
from wkdist.geometry import BoundingBox
from wkdist.location import (
    Location,
    LocationLike,
    RemotePath,
    require_local,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from numpy.typing import DTypeLike

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer_categories import LayerCategoryType
    from wkdist.geometry import MagLike, Vec3IntLike
    from wkdist.properties import (
        DatasetProperties,
    )
    from wkdist.storage import DataFormat


def as_dataset(mixin: object) -> Dataset:
    """``self`` of a method of Dataset's mixins, as the Dataset it is."""
    return cast("Dataset", mixin)


class LayerManagement:
    """The layer methods of :class:`~wkdist.dataset.dataset.Dataset`."""

    if TYPE_CHECKING:
        _path: Location
        _layers: dict[str, Layer]

        @property
        def _properties(self) -> DatasetProperties: ...

        def _ensure_writable(self) -> None: ...

        def _update_properties(
            self, change: Callable[[DatasetProperties], DatasetProperties]
        ) -> None: ...

    # ---------------------------------------------------------------- layers
    @property
    def layers(self) -> Mapping[str, Layer]:
        """The layers by name, in the order of the properties file."""
        names = [layer.name for layer in self._properties.data_layers]
        for name in list(self._layers):
            if name not in names:
                del self._layers[name]
        for layer_props in self._properties.data_layers:
            if layer_props.name not in self._layers:
                cls = SegmentationLayer if layer_props.category == SEGMENTATION_CATEGORY else Layer
                self._layers[layer_props.name] = cls(as_dataset(self), layer_props.name)
        return {name: self._layers[name] for name in names}

    def _rename_layer_object(self, old_name: str, new_name: str) -> None:
        self._layers[new_name] = self._layers.pop(old_name)

    def get_layer(self, layer_name: str) -> Layer:
        """The layer ``layer_name``; raises :class:`NotFoundError` (an ``IndexError``) if missing."""
        layers = self.layers
        if layer_name not in layers:
            raise NotFoundError(
                f"layer {layer_name!r} is not a layer of {self!r}; it has {list(layers)}"
            )
        return layers[layer_name]

    def get_segmentation_layers(self) -> list[SegmentationLayer]:
        """All segmentation layers, in order."""
        return [layer for layer in self.layers.values() if isinstance(layer, SegmentationLayer)]

    def get_color_layers(self) -> list[Layer]:
        """All color layers, in order."""
        return [layer for layer in self.layers.values() if layer.category == COLOR_CATEGORY]

    def get_segmentation_layer(self, layer_name: str) -> SegmentationLayer:
        """The segmentation layer ``layer_name``."""
        layer = self.get_layer(layer_name)
        if not isinstance(layer, SegmentationLayer):
            raise InvalidArgumentError(f"layer {layer_name!r} is not a segmentation layer")
        return layer

    def get_color_layer(self, layer_name: str) -> Layer:
        """The color layer ``layer_name``."""
        layer = self.get_layer(layer_name)
        if layer.category != COLOR_CATEGORY:
            raise InvalidArgumentError(f"layer {layer_name!r} is not a color layer")
        return layer

    def add_layer(
        self,
        layer_name: str,
        category: LayerCategoryType,
        *,
        dtype: DTypeLike | None = None,
        dtype_per_channel: DTypeLike | None = None,
        num_channels: int | None = None,
        data_format: str | DataFormat = DEFAULT_DATA_FORMAT,
        bounding_box: BoundingBox | None = None,
        largest_segment_id: int | None = None,
        **kwargs: Any,
    ) -> Layer:
        """Add an empty layer (add mags to it with :meth:`Layer.add_mag`).

        Parameters
        ----------
        layer_name
            Letters, digits, ``_ $ @ - .``; unique in the dataset.
        category
            ``"color"`` or ``"segmentation"``.
        dtype, dtype_per_channel
            dtype of one channel (default ``uint8``); pass one of them.
        num_channels
            Channels per voxel (default 1).
        data_format
            ``"zarr3"`` (default), ``"zarr"`` or ``"wkw"``.
        bounding_box
            The layer's box in Mag(1) voxels (default: empty at the origin).
        largest_segment_id
            Segmentation layers only: the largest id, if known.
        **kwargs
            ``mappings`` (segmentation layers: names of mapping files); other
            keywords are ignored with a warning, as the reference ignores them.

        Raises
        ------
        AlreadyExistsError
            A layer of that name exists.
        InvalidArgumentError
            Bad name, category, dtype, channel count, format or box.
        """
        self._ensure_writable()
        validate_layer_name(layer_name)
        if layer_name in self.layers:
            raise AlreadyExistsError(
                f"adding layer {layer_name!r} failed: {self!r} has a layer with this name"
            )
        if category not in CATEGORIES:
            raise InvalidArgumentError(
                f"category must be 'color' or 'segmentation'; got {category!r}"
            )
        mappings = kwargs.pop("mappings", ()) if category == SEGMENTATION_CATEGORY else ()
        if category == COLOR_CATEGORY and largest_segment_id is not None:
            kwargs["largest_segment_id"] = largest_segment_id
            largest_segment_id = None
        if kwargs:
            # The reference accepts and ignores unknown keywords; say so instead of failing.
            warnings.warn(
                f"add_layer() ignores the arguments {sorted(kwargs)} (not used for a "
                f"{category} layer)",
                UserWarning,
                stacklevel=2,
            )
        layer_props = new_layer_properties(
            layer_name,
            category,
            dtype=dtype,
            dtype_per_channel=dtype_per_channel,
            num_channels=num_channels,
            data_format=data_format,
            bounding_box=bounding_box,
            largest_segment_id=largest_segment_id,
            mappings=tuple(mappings),
        )
        self._update_properties(lambda props: props.with_layer(layer_props))
        return self.get_layer(layer_name)

    def write_layer(
        self,
        layer_name: str,
        category: LayerCategoryType,
        data: np.ndarray,
        *,
        data_format: str | DataFormat = DEFAULT_DATA_FORMAT,
        downsample: bool = True,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        axes: Iterable[str] | None = None,
        absolute_offset: Vec3IntLike | None = None,
        mag: MagLike = 1,
    ) -> Layer:
        """Add a layer that holds ``data`` and (by default) its coarser mags.

        Parameters
        ----------
        layer_name, category, data_format
            As in :meth:`add_layer`; dtype and channels come from ``data``.
        data
            ``(X, Y, Z)`` or ``(C, X, Y, Z)`` voxels of ``mag`` (other orders: ``axes``).
        downsample
            Compute the coarser mags (as :meth:`Layer.downsample` does).
        chunk_shape, shard_shape, chunks_per_shard
            Layout of the new mag, as in :meth:`Layer.add_mag`.
        axes
            Names of the data's axes, e.g. ``("z", "y", "x")``.
        absolute_offset
            Top-left corner of the layer in Mag(1) voxels (default: the origin).
        mag
            The mag the data is in; the layer's box is its size times ``mag``.
        """
        return write_layer(
            as_dataset(self),
            layer_name,
            category,
            data,
            data_format=data_format,
            downsample=downsample,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            axes=axes,
            absolute_offset=absolute_offset,
            mag=mag,
        )

    def get_or_add_layer(
        self,
        layer_name: str,
        category: LayerCategoryType,
        **kwargs: Any,
    ) -> Layer:
        """The layer ``layer_name`` if it exists (its category must match), else a new one."""
        if layer_name in self.layers:
            layer = self.get_layer(layer_name)
            if layer.category != category:
                raise InvalidArgumentError(
                    f"layer {layer_name!r} exists with category {layer.category!r}, "
                    f"not {category!r}"
                )
            channels = kwargs.get("num_channels")
            if channels is not None and channels != layer.num_channels:
                raise InvalidArgumentError(
                    f"layer {layer_name!r} exists with {layer.num_channels} channels, "
                    f"not {channels}"
                )
            dtype = kwargs.get("dtype", kwargs.get("dtype_per_channel"))
            if dtype is not None and parse_dtype(dtype) != layer.dtype:
                raise InvalidArgumentError(
                    f"layer {layer_name!r} exists with dtype {layer.dtype}, not {np.dtype(dtype)}"
                )
            return layer
        return self.add_layer(layer_name, category, **kwargs)

    def delete_layer(self, layer_name: str) -> None:
        """Remove layer ``layer_name`` from the properties and delete its directory
        (a symlinked layer loses only its link)."""
        self._ensure_writable()
        layer = self.get_layer(layer_name)
        path = layer.path
        self._update_properties(lambda props: props.without_layer(layer_name))
        if isinstance(path, RemotePath):
            path.delete_tree()
        elif path.is_symlink():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)

    def calculate_bounding_box(self) -> BoundingBox:
        """The union of all layers' boxes, in Mag(1) voxels."""
        boxes = [
            BoundingBox(layer.bounding_box.topleft_xyz, layer.bounding_box.size_xyz)
            for layer in self.layers.values()
        ]
        if not boxes:
            return BoundingBox((0, 0, 0), (0, 0, 0))
        union = boxes[0]
        for box in boxes[1:]:
            union = union.extended_by(box)
        return union

    def add_symlink_layer(
        self,
        foreign_layer: LocationLike | Layer,
        new_layer_name: str | None = None,
        *,
        make_relative: bool = False,
    ) -> Layer:
        """Link a layer of another dataset into this one (a directory symlink).

        The layer's properties are copied; its mags point at the foreign files
        (absolute paths, or relative ones with ``make_relative=True``). Both
        datasets must be local. Deprecated (as in the reference): use
        :meth:`add_layer_as_ref`, which needs no symlinks.
        """
        warnings.warn(
            "add_symlink_layer is deprecated; use add_layer_as_ref, which adds the layer "
            "by reference without symlinks.",
            DeprecationWarning,
            stacklevel=2,
        )
        self._ensure_writable()
        dataset_path = require_local(self._path, "add_symlink_layer (a directory symlink)")
        foreign = open_layer(type(as_dataset(self)), foreign_layer)
        foreign_path = require_local(foreign.path, "add_symlink_layer (a directory symlink)")
        new_name = foreign.name if new_layer_name is None else new_layer_name
        validate_layer_name(new_name)
        if new_name in self.layers:
            raise AlreadyExistsError(
                f"cannot link {foreign!r}: {self!r} has a layer called {new_name!r}"
            )
        link_path = dataset_path / new_name
        if link_path.exists() or link_path.is_symlink():
            raise AlreadyExistsError(f"cannot link {foreign!r}: {link_path} exists")
        target = foreign_path.resolve()
        link_path.symlink_to(
            os.path.relpath(target, dataset_path.resolve()) if make_relative else target
        )

        def mag_path(mag_dir: Location) -> str:
            resolved = require_local(mag_dir, "add_symlink_layer").resolve()
            if make_relative:
                return Path(os.path.relpath(resolved, dataset_path.resolve())).as_posix()
            return resolved.as_posix()

        mags = tuple(
            dataclasses.replace(foreign._properties.get_mag(mag), path=mag_path(view.path))
            for mag, view in foreign.mags.items()
        )
        # attachments name the foreign files as the mags do (not through the link)
        foreign_root = require_local(foreign.dataset.path, "add_symlink_layer").resolve()
        attachments = layer_refs.rebased_attachments(
            foreign._properties.attachments, lambda stored: mag_path(foreign_root / stored)
        )
        new_props = dataclasses.replace(
            foreign._properties, name=new_name, mags=mags, attachments=attachments
        )
        self._update_properties(lambda props: props.with_layer(new_props))
        layer = self.get_layer(new_name)
        layer._read_only = True  # its files belong to the other dataset
        return layer

    def add_layer_as_ref(
        self,
        foreign_layer: str | os.PathLike[str] | Layer,
        new_layer_name: str | None = None,
    ) -> Layer:
        """Add another dataset's layer by reference: its mags' paths go into this
        dataset's properties; nothing is copied or linked. The referenced mags are
        read-only here; mags added to the new layer live in this dataset."""
        return layer_refs.add_layer_as_ref(as_dataset(self), foreign_layer, new_layer_name)

    def add_layer_like(self, other_layer: Layer, layer_name: str) -> Layer:
        """Add an empty layer (no mags) with ``other_layer``'s category, dtype,
        channels, box, format and settings."""
        return layer_refs.add_layer_like(as_dataset(self), other_layer, layer_name)
