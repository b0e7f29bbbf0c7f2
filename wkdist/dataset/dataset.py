"""``Dataset``: a directory with ``datasource-properties.json`` and one folder per layer."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wkdist.dataset import from_images as _from_images
from wkdist.dataset.arguments import voxel_size_argument
from wkdist.dataset.dataset_copies import DatasetCopies
from wkdist.dataset.dataset_layers import LayerManagement
from wkdist.dataset.layer_categories import (
    COLOR_CATEGORY,
)
from wkdist.errors import (
    DatasetExistsError,
    InvalidArgumentError,
    ReadOnlyError,
    UnfinishedJobError,
    UnfinishedJobWarning,
)
from wkdist.journal import JOURNAL_DIR, unfinished_jobs
from wkdist.location import (
    Location,
    LocationLike,
    RemotePath,
    as_location,
    require_writable,
)
from wkdist.properties import (
    PROPERTIES_FILE_NAME,
    DatasetProperties,
    PropertiesNotFoundError,
    VoxelSize,
    is_staged,
    load_properties,
    properties_exist,
    properties_stamp,
    save_properties,
    update_properties,
    write_zarr_group_metadata,
)
from wkdist.properties.view_configuration import DatasetViewConfiguration, view_configuration_json
from wkdist.run.journaled import active_journal

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Hashable, Iterable, Mapping
    from concurrent.futures import Executor
    from typing import Unpack

    from wkdist.dataset.from_images import ImageImportOptions, ImagesInput
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.layer_categories import LayerCategoryType
    from wkdist.geometry import MagLike

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


class Dataset(LayerManagement, DatasetCopies):
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
        wanted_size = voxel_size_argument(voxel_size, voxel_size_with_unit, scale)
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
        size = voxel_size_argument(voxel_size, voxel_size_with_unit, None)
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

