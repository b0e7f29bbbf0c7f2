"""``Dataset``: a directory with ``datasource-properties.json`` and one folder per layer."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wkdist.dataset.arguments import voxel_size_argument
from wkdist.dataset.dataset_copies import DatasetCopies
from wkdist.dataset.dataset_images import DatasetImages
from wkdist.dataset.dataset_layers import LayerManagement
from wkdist.errors import (
    DatasetExistsError,
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
    from collections.abc import Callable, Hashable, Iterable, Mapping

    from wkdist.dataset.layer import Layer

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


class Dataset(LayerManagement, DatasetCopies, DatasetImages):
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

    def _update_properties(
        self, change: Callable[[DatasetProperties], DatasetProperties], *, rewrite: bool = False
    ) -> None:
        """Apply ``change`` to the properties on disk (locked, atomic) and keep the result
        (``rewrite``: write the file even if nothing changed).

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
        updated = update_properties(self._path, change, rewrite=rewrite)
        self._loaded = (self._file_stamp(), updated)
        self._mark_saved()
        if not is_staged(self._path):  # a job's stage writes them when it is published
            write_zarr_group_metadata(self._path, updated)

    def _save_dataset_properties(self) -> None:
        """Write ``datasource-properties.json`` again, in wkdist's form (the reference's
        name; e.g. an old file without ``numChannels`` gets them). wkdist saves every
        change when it is made, so this changes no value."""
        self._update_properties(lambda props: props, rewrite=True)

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
