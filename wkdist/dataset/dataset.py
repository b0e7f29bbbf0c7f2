"""``Dataset``: a directory with ``datasource-properties.json`` and one folder per layer."""

from __future__ import annotations

import dataclasses
import os
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.dataset import from_images as _from_images
from wkdist.dataset import layer_refs
from wkdist.dataset.attachments import copy_attachments
from wkdist.dataset.copying import add_layer_copy, check_dataset_copy
from wkdist.dataset.layer import Layer, SegmentationLayer
from wkdist.dataset.layer_categories import (
    ALLOWED_DTYPES,
    CATEGORIES,
    COLOR_CATEGORY,
    SEGMENTATION_CATEGORY,
)
from wkdist.dataset.mag_refs import open_layer
from wkdist.dataset.names import validate_layer_name
from wkdist.dataset.write_layer import write_layer
from wkdist.errors import (
    AlreadyExistsError,
    DatasetExistsError,
    InvalidArgumentError,
    NotFoundError,
    ReadOnlyError,
    UnfinishedJobError,
    UnfinishedJobWarning,
)
from wkdist.geometry import BoundingBox, NDBoundingBox
from wkdist.journal import JOURNAL_DIR, unfinished_jobs
from wkdist.location import (
    Location,
    LocationLike,
    RemotePath,
    as_location,
    require_local,
    require_writable,
)
from wkdist.properties import (
    PROPERTIES_FILE_NAME,
    DatasetProperties,
    LayerProperties,
    PropertiesNotFoundError,
    VoxelSize,
    element_class_from_dtype,
    is_staged,
    load_properties,
    properties_exist,
    properties_stamp,
    save_properties,
    update_properties,
    write_zarr_group_metadata,
)
from wkdist.properties.view_configuration import DatasetViewConfiguration, view_configuration_json
from wkdist.run import run_plans
from wkdist.run.journaled import Job, active_journal, journaled, pending_job, run_journaled
from wkdist.storage import DataFormat

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable, Mapping
    from concurrent.futures import Executor
    from typing import Unpack

    from numpy.typing import DTypeLike

    from wkdist.dataset.from_images import ImageImportOptions, ImagesInput
    from wkdist.dataset.layer_categories import LayerCategoryType
    from wkdist.geometry import MagLike, Vec3IntLike

DEFAULT_DATA_FORMAT = DataFormat.ZARR3


class DatasetBeingCreatedError(PropertiesNotFoundError, UnfinishedJobError):
    """No dataset yet: the job that creates it is unfinished (its properties
    appear when the job is finalized)."""


def _raise_if_being_created(path: Location, missing: PropertiesNotFoundError) -> None:
    for journal in unfinished_jobs(path):
        raise DatasetBeingCreatedError(
            missing.errno,
            f"no dataset at {path} yet: the unfinished job {journal.name} "
            f"({journal.header.kind}) is creating it; finish it first or throw it away:\n"
            f"{journal.ways_out()}",
            missing.filename,
        ) from None


def _voxel_size(
    voxel_size: Iterable[float] | None,
    voxel_size_with_unit: VoxelSize | None,
    scale: Iterable[float] | None,
) -> VoxelSize | None:
    given = [v for v in (voxel_size, voxel_size_with_unit, scale) if v is not None]
    if len(given) > 1:
        raise InvalidArgumentError(
            "pass only one of voxel_size, voxel_size_with_unit and scale; "
            f"got voxel_size={voxel_size!r}, voxel_size_with_unit={voxel_size_with_unit!r}, "
            f"scale={scale!r}"
        )
    if voxel_size_with_unit is not None:
        return voxel_size_with_unit
    factor = voxel_size if voxel_size is not None else scale
    if factor is None:
        return None
    try:
        values = tuple(float(v) for v in factor)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"voxel_size must be three numbers (x, y, z) in nanometers; got {factor!r}"
        ) from error
    if len(values) != 3 or not all(v > 0 for v in values):
        raise InvalidArgumentError(
            f"voxel_size must be three positive numbers (x, y, z) in nanometers; got {factor!r}"
        )
    return VoxelSize(values)


class Dataset:
    """A WEBKNOSSOS dataset on the local file system.

    ``Dataset(path, voxel_size=(x, y, z))`` creates a dataset (in nanometers);
    ``Dataset.open(path)`` opens one. As in the first API edition,
    ``Dataset(path)`` without a voxel size opens an existing dataset, and
    ``Dataset.create(path, scale=...)`` creates one.

    Parameters
    ----------
    dataset_path
        The dataset's directory.
    voxel_size
        Size of a Mag(1) voxel (x, y, z) in nanometers; needed to create.
    name
        Dataset name in the properties (default: the directory's name).
    exist_ok
        Open the dataset if it exists (its voxel size and name must match).
    voxel_size_with_unit
        A :class:`VoxelSize` with a unit, instead of ``voxel_size``.
    read_only
        Refuse every change.
    scale
        First API edition's name of ``voxel_size``.

    Raises
    ------
    DatasetExistsError
        ``voxel_size`` given, the dataset exists and ``exist_ok`` is false, or the
        directory is not empty.
    FileNotFoundError
        No dataset at the path and no voxel size to create one.
    """

    def __init__(
        self,
        dataset_path: LocationLike,
        voxel_size: Iterable[float] | None = None,
        name: str | None = None,
        exist_ok: bool = False,
        *,
        voxel_size_with_unit: VoxelSize | None = None,
        read_only: bool = False,
        scale: Iterable[float] | None = None,
    ) -> None:
        path = as_location(dataset_path, argument="dataset_path")
        wanted_size = _voxel_size(voxel_size, voxel_size_with_unit, scale)
        if isinstance(path, RemotePath):
            path.check_bucket()
        if properties_exist(path):
            if wanted_size is not None and not exist_ok:
                raise DatasetExistsError(
                    f"a dataset exists at {path}; pass exist_ok=True to open it, or use "
                    "Dataset.open(path)"
                )
            self._init_from_disk(path, read_only=read_only)
            if wanted_size is not None and self.voxel_size_with_unit != wanted_size:
                raise DatasetExistsError(
                    f"the dataset at {path} has the voxel size {self.voxel_size_with_unit}, "
                    f"not {wanted_size}"
                )
            if name is not None and self.name != name:
                raise DatasetExistsError(
                    f"the dataset at {path} is named {self.name!r}, not {name!r}"
                )
            return
        if read_only:
            raise FileNotFoundError(f"no dataset to open read-only at {path}")
        if wanted_size is None:
            raise FileNotFoundError(
                f"no dataset at {path} (no {PROPERTIES_FILE_NAME}); to create one pass "
                "voxel_size=(x, y, z) in nanometers"
            )
        require_writable(path, "create a dataset")
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(f"cannot create a dataset at {path}: it is a file")
        if path.is_dir() and any(p.name != JOURNAL_DIR for p in path.iterdir()):
            raise DatasetExistsError(
                f"cannot create a dataset at {path}: the directory is not empty"
            )
        path.mkdir(parents=True, exist_ok=True)
        save_properties(
            path,
            DatasetProperties(
                id={"name": name or path.absolute().name, "team": ""},
                scale=wanted_size,
                data_layers=(),
            ),
        )
        self._init_from_disk(path, read_only=False)

    def _init_from_disk(self, path: Location, *, read_only: bool) -> None:
        if isinstance(path, Path) and path.exists() and not path.is_dir():
            raise FileNotFoundError(f"no dataset at {path}: it is a file, not a dataset folder")
        self._path = path
        self._read_only = read_only or (isinstance(path, RemotePath) and path.read_only)
        self._layers: dict[str, Layer] = {}
        self._loaded: tuple[Hashable, DatasetProperties] | None = None
        try:
            self._properties  # noqa: B018 - load now, so a broken file fails here
        except PropertiesNotFoundError as missing:
            _raise_if_being_created(path, missing)
            raise
        self._mark_saved()
        active = active_journal()
        for journal in unfinished_jobs(path):
            if active is not None and journal.dir == active.dir:
                continue  # the job that runs now
            warnings.warn(
                f"{path} holds the unfinished job {journal.name} ({journal.header.kind}); "
                f"its data is incomplete. See: wkdist status {path}",
                UnfinishedJobWarning,
                stacklevel=3,
            )

    @classmethod
    def open(cls, dataset_path: LocationLike, read_only: bool = False) -> Dataset:
        """Open the dataset at ``dataset_path`` (its ``datasource-properties.json`` must exist).

        ``dataset_path`` is a local path or an ``s3://``, ``gs://`` or (read-only)
        ``http(s)://`` URL (see :func:`wkdist.location.as_location`).
        """
        dataset = cls.__new__(cls)
        dataset._init_from_disk(as_location(dataset_path, argument="dataset_path"), read_only=read_only)
        return dataset

    @classmethod
    def create(
        cls, dataset_path: LocationLike, scale: Iterable[float], name: str | None = None
    ) -> Dataset:
        """First API edition: create a dataset with voxel size ``scale`` (nanometers)."""
        warnings.warn(
            "Dataset.create(path, scale=...) is the first API edition's spelling; "
            "use Dataset(path, voxel_size=...)",
            FutureWarning,
            stacklevel=2,
        )
        return cls(dataset_path, scale=scale, name=name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Dataset.open, (self._path, self._read_only))

    def __repr__(self) -> str:
        return f"Dataset({self._path!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return self._path.resolve() == other._path.resolve() and self._read_only == other._read_only

    def __hash__(self) -> int:
        return hash(self._path.resolve())

    # -------------------------------------------------------------- metadata
    def _ensure_writable(self) -> None:
        if self._read_only:
            raise ReadOnlyError(f"{self!r} is read-only")

    def _file_stamp(self) -> Hashable:
        return properties_stamp(self._path)

    @property
    def _properties(self) -> DatasetProperties:
        """The properties as on disk, re-read whenever the file has been replaced
        (e.g. by the finalization task of a dask write, in another process)."""
        stamp = self._file_stamp()
        if self._loaded is None or self._loaded[0] != stamp:
            self._loaded = (stamp, load_properties(self._path))
        return self._loaded[1]

    def _mark_saved(self) -> None:
        """Remember the file as this Dataset's own: its stamp and its content."""
        self._saved_stamp = self._file_stamp()
        self._saved_content = self._properties

    def _update_properties(self, change: Callable[[DatasetProperties], DatasetProperties]) -> None:
        """Apply ``change`` to the properties on disk (locked, atomic) and keep the result.

        Warns when another writer changed the file's content since this Dataset
        last saved or read it (a change that was undone again does not count).
        """
        self._ensure_writable()
        if self._file_stamp() != self._saved_stamp and self._properties != self._saved_content:
            warnings.warn(
                f"[WARNING] {PROPERTIES_FILE_NAME} of {self!r} was changed by another writer "
                "since this Dataset last saved it; the change is applied to the file's current "
                "content, so nothing is lost, but other Dataset objects may be outdated.",
                UserWarning,
                stacklevel=3,
            )
        updated = update_properties(self._path, change)
        self._loaded = (self._file_stamp(), updated)
        self._mark_saved()
        if not is_staged(self._path):  # a job's stage writes them when it is published
            write_zarr_group_metadata(self._path, updated)

    def _note_own_change(self) -> None:
        """Accept the current file as this Dataset's own (after a job it ran itself)."""
        self._mark_saved()

    @property
    def path(self) -> Location:
        """The dataset's directory (a ``Path``, or a ``RemotePath`` in object storage)."""
        return self._path

    @property
    def resolved_path(self) -> Location:
        """The dataset's directory with symlinks resolved."""
        return self._path.resolve()

    @property
    def read_only(self) -> bool:
        """Whether the dataset refuses changes."""
        return self._read_only

    @property
    def name(self) -> str:
        """The dataset's name in the properties."""
        return str(self._properties.id.get("name", self._path.name))

    @name.setter
    def name(self, name: str) -> None:
        self._update_properties(
            lambda props: dataclasses.replace(props, id={**props.id, "name": name})
        )

    @property
    def voxel_size(self) -> tuple[float, float, float]:
        """Size of a Mag(1) voxel (x, y, z) in nanometers."""
        return self._properties.scale.to_nanometer()

    @property
    def voxel_size_with_unit(self) -> VoxelSize:
        """Size of a Mag(1) voxel with its unit."""
        return self._properties.scale

    @property
    def scale(self) -> tuple[float, float, float]:
        """First API edition's name of :attr:`voxel_size`."""
        return self.voxel_size

    @property
    def default_view_configuration(self) -> DatasetViewConfiguration | None:
        """The dataset's ``defaultViewConfiguration`` (a fresh object on each access;
        assign one, or a mapping in the stored camelCase form, or ``None``)."""
        stored = self._properties.default_view_configuration
        return None if stored is None else DatasetViewConfiguration.from_json(stored)

    @default_view_configuration.setter
    def default_view_configuration(
        self, value: DatasetViewConfiguration | Mapping[str, Any] | None
    ) -> None:
        stored = view_configuration_json(value)
        self._update_properties(lambda props: dataclasses.replace(props, default_view_configuration=stored))

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
                self._layers[layer_props.name] = cls(self, layer_props.name)
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
        if dtype is not None and dtype_per_channel is not None:
            raise InvalidArgumentError("pass dtype or dtype_per_channel, not both")
        if dtype_per_channel is not None:
            warnings.warn(
                "dtype_per_channel is deprecated; pass dtype (the dtype of each channel).",
                DeprecationWarning,
                stacklevel=2,
            )
        per_channel = _parse_dtype(dtype if dtype is not None else dtype_per_channel)
        if per_channel.name not in ALLOWED_DTYPES[category]:
            raise InvalidArgumentError(
                f"Cannot add {category} layer {layer_name!r} with dtype {per_channel.name}. "
                f"Supported dtypes are: {', '.join(ALLOWED_DTYPES[category])}"
            )
        channels = 1 if num_channels is None else num_channels
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise InvalidArgumentError(f"num_channels must be an int >= 1; got {num_channels!r}")
        if channels > 1 and not (channels == 3 and per_channel.name == "uint8"):
            warnings.warn(
                f"{channels} channels of {per_channel.name} are not shown by WEBKNOSSOS "
                "(only 1 channel or 3 × uint8); consider one layer per channel",
                UserWarning,
                stacklevel=2,
            )
        try:
            fmt = DataFormat(data_format)
        except ValueError as error:
            raise InvalidArgumentError(
                f"data_format must be one of 'wkw', 'zarr', 'zarr3'; got {data_format!r}"
            ) from error
        # Callers pass n-d boxes too, whatever the annotation says.
        box: BoundingBox | NDBoundingBox = (
            BoundingBox((0, 0, 0), (0, 0, 0)) if bounding_box is None else bounding_box
        )
        # (BoundingBox counts as an NDBoundingBox at run time: test it first.)
        if (
            not isinstance(box, BoundingBox)
            and isinstance(box, NDBoundingBox)
            and set(box.axes) == {"x", "y", "z"}
        ):
            box = BoundingBox(box.topleft_xyz, box.size_xyz)  # an n-d box of the three axes
        if not isinstance(box, BoundingBox) or not box.topleft.is_positive():
            raise InvalidArgumentError(
                f"bounding_box must be a BoundingBox with topleft >= 0; got {bounding_box!r}"
            )
        layer_props = LayerProperties(
            name=layer_name,
            category=category,
            bounding_box=box,
            data_format=fmt.value,
            mags=(),
            num_channels=channels,
            element_class=element_class_from_dtype(per_channel, channels),
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
            self,
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
            if dtype is not None and _parse_dtype(dtype) != layer.dtype:
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
        boxes = [layer.bounding_box for layer in self.layers.values()]
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
        foreign = open_layer(Dataset, foreign_layer)
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
        new_props = dataclasses.replace(foreign._properties, name=new_name, mags=mags)
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
        return layer_refs.add_layer_as_ref(self, foreign_layer, new_layer_name)

    def add_layer_like(self, other_layer: Layer, layer_name: str) -> Layer:
        """Add an empty layer (no mags) with ``other_layer``'s category, dtype,
        channels, box, format and settings."""
        return layer_refs.add_layer_like(self, other_layer, layer_name)

    def shallow_copy_dataset(
        self,
        new_dataset_path: str | os.PathLike[str],
        *,
        name: str | None = None,
        layers_to_ignore: Iterable[str] | None = None,
        make_relative: bool | None = None,
    ) -> Dataset:
        """A new dataset whose layers reference this dataset's mags (see
        :meth:`add_layer_as_ref`); ``make_relative`` is accepted and ignored (deprecated)."""
        return layer_refs.shallow_copy_dataset(
            self,
            new_dataset_path,
            name=name,
            layers_to_ignore=layers_to_ignore,
            make_relative=make_relative,
        )

    def downsample(
        self,
        *,
        sampling_mode: str = "anisotropic",
        coarsest_mag: MagLike | None = None,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> None:
        """Downsample every writable layer (see :meth:`Layer.downsample`)."""
        for layer in self.layers.values():
            if not layer.read_only:
                layer.downsample(
                    coarsest_mag=coarsest_mag,
                    interpolation_mode=interpolation_mode,
                    compress=compress,
                    sampling_mode=sampling_mode,
                    executor=executor,
                    progress=progress,
                )

    def copy_dataset(
        self,
        new_dataset_path: LocationLike,
        *,
        voxel_size: Iterable[float] | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        data_format: str | DataFormat | None = None,
        compress: bool | str | None = None,
        exists_ok: bool = False,
        executor: Executor | None = None,
        voxel_size_with_unit: VoxelSize | None = None,
        layers_to_ignore: Iterable[str] | None = None,
        exist_ok: bool | None = None,
        progress: bool | None = None,
    ) -> Dataset:
        """Copy every layer into a new dataset, optionally re-chunked, re-sharded,
        (de)compressed or converted, in parallel.

        Parameters
        ----------
        new_dataset_path
            Where the copy goes (must not exist unless ``exists_ok``): a local
            path or an ``s3://`` / ``gs://`` URL.
        voxel_size, voxel_size_with_unit
            Override the voxel size (default: this dataset's).
        chunk_shape, shard_shape, chunks_per_shard
            Target layout in each mag's voxels. ``None`` keeps each source mag's
            own; a sharded source copied to Zarr v2 gets shard = chunk.
        data_format
            Convert every layer to ``"wkw"``, ``"zarr"`` or ``"zarr3"`` (default: keep).
        compress
            ``None`` keeps each mag's compression on/off; ``True``/``False``/codec name.
        exists_ok, exist_ok
            Copy into an existing dataset (its voxel size must match).
        executor
            ``None``: the active dask scheduler; or a ``cluster_tools`` executor.
        layers_to_ignore
            Names of layers not to copy.
        progress
            Show a progress bar (default: when stderr is a terminal).

        Mags whose layout does not change are copied file by file. Otherwise
        each target shard is one unit of work, and only shards that hold data in
        the source are read and written.
        """
        new_size = _voxel_size(voxel_size, voxel_size_with_unit, None) or self.voxel_size_with_unit
        replace = exists_ok if exist_ok is None else exist_ok
        ignored = set(layers_to_ignore or ())
        check_dataset_copy(
            self,
            new_dataset_path,
            [name for name in self.layers if name not in ignored],
            data_format=data_format,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            compress=compress,
        )
        target_path = as_location(new_dataset_path)
        job = Job(
            "copy",
            target_path,
            {
                "voxel_size": [*new_size.factor, str(new_size.unit)],
                "chunk_shape": chunk_shape,
                "shard_shape": shard_shape,
                "chunks_per_shard": chunks_per_shard,
                "data_format": data_format,
                "compress": compress,
                "layers_to_ignore": sorted(ignored),
                "exist_ok": replace,
            },
            source=self.path,
            creates_target=not target_path.exists(),
        )
        inside = active_journal() is not None  # a command's job, checked by the command
        if (
            isinstance(target_path, Path)
            and (target_path / PROPERTIES_FILE_NAME).is_file()
            and not (replace or inside)
            and pending_job(target_path, job) is None
        ):
            raise DatasetExistsError(  # before the journal is written into it
                f"a dataset exists at {target_path}; pass exist_ok=True to copy into it"
            )
        with journaled(job) as journal:
            resume = journal is not None and journal.continued
            target = Dataset(target_path, voxel_size_with_unit=new_size, exist_ok=replace or resume)
            plans = [
                plan
                for layer in self.layers.values()
                if layer.name not in ignored
                for plan in add_layer_copy(
                    layer,
                    target,
                    chunk_shape=chunk_shape,
                    shard_shape=shard_shape,
                    chunks_per_shard=chunks_per_shard,
                    data_format=data_format,
                    compress=compress,
                    replace_existing=replace and not resume,
                    resume=resume,
                )
            ]
            run_journaled(plans, executor=executor, progress=progress)
            target._note_own_change()
            for layer in self.layers.values():
                if layer.name not in ignored and layer._properties.attachments:
                    copy_attachments(layer, target.get_layer(layer.name))
            if self.default_view_configuration is not None:
                target.default_view_configuration = self.default_view_configuration
        return target

    def compress(
        self, *, executor: Executor | None = None, progress: bool | None = None
    ) -> None:
        """Compress every mag of every layer in place (see :meth:`MagView.compress`)."""
        with journaled(Job("compress", self.path)):
            for layer in self.layers.values():
                if not layer.read_only:
                    layer.compress(executor=executor, progress=progress)

    def add_layer_as_copy(
        self,
        foreign_layer: LocationLike | Layer,
        new_layer_name: str | None = None,
        *,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        data_format: str | DataFormat | None = None,
        compress: bool | str | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> Layer:
        """Copy a layer of another dataset (all mags) into this one; arguments as
        in :meth:`copy_dataset`."""
        self._ensure_writable()
        source = open_layer(Dataset, foreign_layer)
        plans = add_layer_copy(
            source,
            self,
            new_layer_name=new_layer_name,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            data_format=data_format,
            compress=compress,
        )
        run_plans(plans, executor=executor, progress=progress)
        self._note_own_change()
        copied = self.get_layer(source.name if new_layer_name is None else new_layer_name)
        if source._properties.attachments:
            copy_attachments(source, copied)
        return copied

    @classmethod
    def from_images(
        cls,
        input_path: ImagesInput,
        output_path: str | os.PathLike[str],
        voxel_size: Iterable[float] | None = None,
        name: str | None = None,
        *,
        z_slices_sort_key: Callable[[Path], Any] | None = None,
        voxel_size_with_unit: VoxelSize | None = None,
        layer_name: str | None = None,
        layer_category: LayerCategoryType | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
        **options: Unpack[ImageImportOptions],
    ) -> Dataset:
        """Create a dataset at ``output_path`` with one layer imported from images.

        Parameters
        ----------
        input_path
            A folder of image files (searched recursively, in natural order:
            ``slice_2`` before ``slice_10``), a glob pattern, one file, or a list
            of files. TIFF (one slice per page; multi-page stacks), PNG, JPEG.
        output_path
            The new dataset's directory (must not exist or be empty, unless it
            holds an interrupted run of this import, which is then continued).
        voxel_size, voxel_size_with_unit, name
            As for :class:`Dataset`.
        z_slices_sort_key
            Sort key for the files of a folder or pattern (default: natural order).
        layer_name
            Default: the folder's name (a single multi-page file's name).
        layer_category
            ``"color"`` or ``"segmentation"``; default: segmentation when the
            path mentions "segmentation" or "labels".
        executor, progress
            Where the job runs and whether to show progress (see
            :meth:`copy_dataset`).
        **options
            data_format, chunk_shape, shard_shape, chunks_per_shard, compress:
            layout of the mag (default ``"zarr3"``, compressed). Zarr v3
            defaults to shards of 128 x 128 x 1 chunks (4096 x 4096 x 32
            voxels), as webknossos imports.

            topleft: Mag(1) position of the first image's first pixel
            (default ``(0, 0, 0)``).

            swap_xy, flip_x, flip_y, flip_z: orientation as in webknossos
            4.3.3 (default ``False``): image columns are x and rows y
            (``swap_xy`` exchanges them); ``flip_x``/``flip_y`` reverse the
            image's rows/columns before that; ``flip_z`` reverses the slices.

            dtype: convert the pixels to this dtype (default: the images').

            channel: import only this sample of each pixel.

            truncate_rgba_to_rgb: drop the alpha of RGBA images (default
            ``True``; else RGBA input is an error).

            allow_gaps: accept numbered file names that skip numbers
            (default ``False``).

        The import is a journaled job: if it is interrupted, the same call
        continues it (shards written before are kept), and a different job on
        ``output_path`` is refused until it is resumed or discarded (see
        ``wkdist status``).

        Raises
        ------
        ImageStackError
            Before anything is written: no images, a file unreadable or
            truncated, an unsupported pixel type, slices that differ in size,
            samples or pixel type, or a gap in the numbering.
        """
        size = _voxel_size(voxel_size, voxel_size_with_unit, None)
        if size is None:
            raise InvalidArgumentError("from_images needs voxel_size (x, y, z in nanometers)")
        return _from_images.from_images(
            cls,
            input_path,
            output_path,
            size,
            name,
            z_slices_sort_key=z_slices_sort_key,
            layer_name=layer_name,
            layer_category=layer_category,
            executor=executor,
            progress=progress,
            **options,
        )

    def add_layer_from_images(
        self,
        images: ImagesInput,
        layer_name: str,
        category: LayerCategoryType | None = COLOR_CATEGORY,
        *,
        mag: MagLike = 1,
        executor: Executor | None = None,
        progress: bool | None = None,
        **options: Unpack[ImageImportOptions],
    ) -> Layer:
        """Add layer ``layer_name`` with mag ``mag`` imported from ``images``, as a
        parallel job (one task per batch of target shards, each reading only the
        slices, rows and columns it covers).

        ``category=None`` guesses it from the path (see :meth:`from_images`);
        ``topleft`` is in Mag(1) voxels and a multiple of ``mag``. Segmentation
        layers get ``largest_segment_id`` from the job; color layers the value
        range as their display ``min``/``max``. The other arguments are as for
        :meth:`from_images`; like it, the import is a journaled job that the
        same call continues after an interruption.
        """
        return _from_images.add_layer_from_images(
            self,
            images,
            layer_name,
            category,
            mag=mag,
            executor=executor,
            progress=progress,
            **options,
        )

    def add_copy_layer(
        self,
        foreign_layer: LocationLike | Layer,
        new_layer_name: str | None = None,
        **kwargs: Any,
    ) -> Layer:
        """Older name of :meth:`add_layer_as_copy`."""
        return self.add_layer_as_copy(foreign_layer, new_layer_name, **kwargs)


# Element-class spellings of float types, accepted as dtypes like the reference does.
_FLOAT_NAMES: dict[str, np.dtype[Any]] = {"float": np.dtype("float32"), "double": np.dtype("float64")}


def _parse_dtype(dtype: DTypeLike | None) -> np.dtype:
    if isinstance(dtype, str) and dtype in _FLOAT_NAMES:
        return _FLOAT_NAMES[dtype]
    try:
        return np.dtype("uint8" if dtype is None else dtype)
    except TypeError as error:
        raise InvalidArgumentError(f"dtype must be a numpy dtype; got {dtype!r}") from error

