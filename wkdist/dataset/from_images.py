"""``Dataset.from_images`` and ``Dataset.add_layer_from_images``: check the
input, create the layer and mag, run the import job.

Every check (files, their headers, pixel type, channels, arguments) runs
before the first file is written, so bad input leaves no trace. The import is
a journaled job (kind ``import``): run again after an interruption, the same
call or command continues it (recorded shards are skipped, the layer and mag
of the earlier run are kept), and ``wkdist resume``/``status``/``discard``
work on it as on every other job.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

import numpy as np

from wkdist.dataset.layer_categories import (
    ALLOWED_DTYPES,
    CATEGORIES,
    COLOR_CATEGORY,
    SEGMENTATION_CATEGORY,
)
from wkdist.dataset.leftovers import remove_unregistered_mag
from wkdist.dataset.names import validate_layer_name
from wkdist.errors import (
    AlreadyExistsError,
    DatasetExistsError,
    ImageStackError,
    InvalidArgumentError,
)
from wkdist.geometry import BoundingBox, Mag, Vec3Int
from wkdist.images import ImageStack, find_image_files, open_stack
from wkdist.jobs.import_images import (
    Orientation,
    plan_image_import,
    select_channels,
    volume_size,
)
from wkdist.location import as_location
from wkdist.run.journaled import Job, active_journal, journaled, pending_job, run_journaled
from wkdist.storage import DataFormat
from wkdist.storage.layout_policy import (
    FLAT_CHUNKS_PER_SHARD,
    choose_chunk_and_shard_shape,
    compression_for,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from concurrent.futures import Executor
    from typing import Unpack

    from numpy.typing import DTypeLike

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.geometry import MagLike, Vec3IntLike
    from wkdist.journal import Journal
    from wkdist.location import Location
    from wkdist.properties import VoxelSize

    ImagesInput: TypeAlias = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]

_UNALLOWED_NAME_CHARS = re.compile(r"[^A-Za-z0-9_$@\-.]")


def guess_category(images: ImagesInput) -> str:
    """``"segmentation"`` if the input's path mentions segmentation or labels
    (as webknossos guesses), else ``"color"``."""
    first = images if isinstance(images, str | os.PathLike) else (list(images) or [""])[0]
    text = os.fspath(first).lower()
    return SEGMENTATION_CATEGORY if "segmentation" in text or "labels" in text else COLOR_CATEGORY


def default_layer_name(images: ImagesInput, stack: ImageStack) -> str:
    """The input folder's name; a single multi-slice file's name."""
    if isinstance(images, str | os.PathLike) and Path(images).is_dir():
        name = Path(images).name
    elif len(stack.files) == 1 and stack.depth > 1:
        name = stack.files[0].name
    else:
        name = stack.files[0].parent.name
    name = _UNALLOWED_NAME_CHARS.sub("", name).lstrip(".")
    return name or "color"


class ImageImportOptions(TypedDict, total=False):
    """The options of every image import (see :meth:`Dataset.from_images
    <wkdist.dataset.Dataset.from_images>`; defaults as in :class:`ImportSetup`)."""

    data_format: str | DataFormat
    chunk_shape: Vec3IntLike | int | None
    shard_shape: Vec3IntLike | int | None
    chunks_per_shard: Vec3IntLike | int | None
    compress: bool | str
    topleft: Vec3IntLike
    swap_xy: bool
    flip_x: bool
    flip_y: bool
    flip_z: bool
    dtype: DTypeLike | None
    channel: int | None
    truncate_rgba_to_rgb: bool
    allow_gaps: bool


class ImportSetup:
    """The checked input and arguments of one import; nothing written yet."""

    def __init__(
        self,
        images: ImagesInput,
        *,
        category: str | None,
        mag: MagLike = 1,
        sort_key: Callable[[Path], Any] | None = None,
        data_format: str | DataFormat = DataFormat.ZARR3,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        compress: bool | str = True,
        topleft: Vec3IntLike = (0, 0, 0),
        swap_xy: bool = False,
        flip_x: bool = False,
        flip_y: bool = False,
        flip_z: bool = False,
        dtype: DTypeLike | None = None,
        channel: int | None = None,
        truncate_rgba_to_rgb: bool = True,
        allow_gaps: bool = False,
    ) -> None:
        self.images = images
        self.category = guess_category(images) if category is None else category
        if self.category not in CATEGORIES:
            raise InvalidArgumentError(
                f"category must be 'color' or 'segmentation'; got {category!r}"
            )
        try:
            self.data_format = DataFormat(data_format)
        except ValueError as error:
            raise InvalidArgumentError(
                f"data_format must be one of 'wkw', 'zarr', 'zarr3'; got {data_format!r}"
            ) from error
        self.compress = compress
        compression_for(self.data_format, compress)  # a bad codec fails here
        self.mag = Mag(mag)
        self.topleft = Vec3Int.from_vec_or_int(topleft)
        if not self.topleft.is_positive() or self.topleft % self.mag.to_vec3_int() != Vec3Int.zeros():
            raise InvalidArgumentError(
                f"topleft must be >= 0 and a multiple of mag {self.mag.to_layer_name()}; "
                f"got {tuple(self.topleft)}"
            )
        self.orientation = Orientation(swap_xy, flip_x, flip_y, flip_z)
        self.stack = open_stack(find_image_files(images, allow_gaps=allow_gaps, sort_key=sort_key))
        self.dtype = self.stack.format.dtype if dtype is None else np.dtype(dtype)
        if self.dtype.name not in ALLOWED_DTYPES[self.category]:
            first = self.stack.files[0]
            raise ImageStackError(
                f"images: {first}: unsupported pixel type {self.dtype.name} for a "
                f"{self.category} layer (supported: {', '.join(ALLOWED_DTYPES[self.category])})",
                first,
            )
        self.channels = select_channels(self.stack, self.dtype, channel, truncate_rgba_to_rgb)
        self.size = volume_size(self.stack, self.orientation)
        self.chunk, self.shard = self._layout(chunk_shape, shard_shape, chunks_per_shard)

    def _layout(
        self,
        chunk_shape: Vec3IntLike | int | None,
        shard_shape: Vec3IntLike | int | None,
        chunks_per_shard: Vec3IntLike | int | None,
    ) -> tuple[Vec3Int, Vec3Int]:
        """As webknossos 4.3.3 imports: Zarr v3 shards of 128 x 128 x 1 chunks unless
        given, and one-voxel-deep chunks and shards for a single slice."""
        chunk, shard = choose_chunk_and_shard_shape(
            data_format=self.data_format,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
        )
        if self.data_format == DataFormat.ZARR3:
            if shard_shape is None and chunks_per_shard is None:
                shard = chunk * FLAT_CHUNKS_PER_SHARD
            if self.size.z == 1:
                chunk, shard = chunk.with_z(1), shard.with_z(1)
        return chunk, shard

    def layer_name(self, given: str | None) -> str:
        """``given``, checked, or the default name for the input."""
        name = default_layer_name(self.images, self.stack) if given is None else given
        validate_layer_name(name)
        return name

    @property
    def num_channels(self) -> int:
        return self.channels[1] - self.channels[0]

    @property
    def box_mag1(self) -> BoundingBox:
        return BoundingBox(self.topleft, self.size * self.mag.to_vec3_int())

    def job(
        self,
        target: Location,
        layer_name: str,
        *,
        new_dataset: tuple[VoxelSize, str | None] | None = None,
        argv: tuple[str, ...] | None = None,
        more: dict[str, Any] | None = None,
    ) -> Job:
        """The import into layer ``layer_name`` of ``target`` as a journaled job.

        Its identity is made of the image files (their paths, in order) and of
        every resolved option that changes what is written, so the same import
        from the command line and from Python is the same job. ``new_dataset``
        is the voxel size and name of the dataset the import creates; ``more``
        holds a command's further options (``--downsample``).
        """
        files = "\n".join(str(Path(f).absolute()) for f in self.stack.files)
        parameters: dict[str, Any] = {
            "images": hashlib.sha256(files.encode()).hexdigest(),
            "slices": self.stack.depth,
            "layer_name": layer_name,
            "category": self.category,
            "data_format": self.data_format.value,
            "mag": self.mag.to_layer_name(),
            "chunk_shape": list(self.chunk),
            "shard_shape": list(self.shard),
            "compress": self.compress,
            "topleft": list(self.topleft),
            "orientation": dataclasses.asdict(self.orientation),
            "dtype": self.dtype.name,
            "channels": list(self.channels),
        }
        if new_dataset is not None:
            voxel_size, name = new_dataset
            parameters.update(voxel_size=[*voxel_size.factor, voxel_size.unit], name=name)
        if isinstance(self.images, str | os.PathLike):
            source = Path(self.images)  # a folder, a pattern or a file
        else:
            source = Path(os.path.commonpath(self.stack.files))
        return Job(
            "import",
            target,
            {**parameters, **(more or {})},
            source=source.absolute(),
            argv=argv,
            creates_target=new_dataset is not None and _is_new_dataset_path(target),
        )

    def run(
        self,
        dataset: Dataset,
        layer_name: str,
        executor: Executor | None,
        progress: bool | None,
        *,
        resume: bool,
    ) -> Layer:
        """Create the layer and its mag and import the stack; return the layer.
        With ``resume`` (continuing the import's job) the layer and mag that an
        earlier run made are continued."""
        if not (resume and layer_name in dataset.layers):
            dataset.add_layer(
                layer_name,
                self.category,  # type: ignore[arg-type]
                dtype=self.dtype,
                num_channels=self.num_channels,
                data_format=self.data_format,
            )
        layer = dataset.get_layer(layer_name)
        if resume:
            remove_unregistered_mag(layer, self.mag)
        mag_view = layer.get_mag(self.mag) if self.mag in layer.mags else layer.add_mag(
            self.mag, chunk_shape=self.chunk, shard_shape=self.shard, compress=self.compress
        )
        plan = plan_image_import(
            self.stack,
            mag_view._write_target(update_properties=True),
            box_in_mag=self.box_mag1.in_mag(self.mag),
            spec=mag_view.info,
            clip_mag1=self.box_mag1,
            orientation=self.orientation,
            channels=self.channels,
            dtype=self.dtype,
            category=self.category,
        )
        run_journaled([plan], executor=executor, progress=progress, created=[True])
        dataset._note_own_change()
        return dataset.get_layer(layer_name)


def _is_new_dataset_path(path: Location) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def check_new_dataset_path(path: Location) -> None:
    """Raise unless a new dataset can be created at ``path`` (absent or an empty folder)."""
    if not _is_new_dataset_path(path):
        raise DatasetExistsError(f"cannot import into {path}: it exists and is not an empty folder")


def _continues(job: Job) -> bool:
    """Whether ``job`` runs inside a command's job (the command checked its
    target) or continues an unfinished run of itself in its target.

    Raises
    ------
    UnfinishedJobError
        If the target holds an unfinished job that is not ``job``.
    """
    target = job.target
    return active_journal() is not None or (
        isinstance(target, Path) and pending_job(target, job) is not None
    )


def _continued(journal: Journal | None) -> bool:
    return journal is not None and journal.continued


def add_layer_from_images(
    dataset: Dataset,
    images: ImagesInput,
    layer_name: str,
    category: str | None = COLOR_CATEGORY,
    *,
    mag: MagLike = 1,
    executor: Executor | None = None,
    progress: bool | None = None,
    **options: Unpack[ImageImportOptions],
) -> Layer:
    """See :meth:`wkdist.dataset.Dataset.add_layer_from_images`."""
    dataset._ensure_writable()
    validate_layer_name(layer_name)
    setup = ImportSetup(images, category=category, mag=mag, **options)
    job = setup.job(dataset.path, layer_name)
    if not _continues(job) and layer_name in dataset.layers:
        raise AlreadyExistsError(
            f"adding layer {layer_name!r} failed: {dataset!r} has a layer with this name"
        )
    with journaled(job) as journal:
        return setup.run(dataset, layer_name, executor, progress, resume=_continued(journal))


def import_dataset(
    dataset_class: type[Dataset],
    setup: ImportSetup,
    output_path: str | os.PathLike[str],
    layer_name: str,
    voxel_size: VoxelSize,
    name: str | None,
    *,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> Dataset:
    """Create a dataset at ``output_path`` and import ``setup``'s stack as layer
    ``layer_name``, as a journaled job (or inside the command's job): run again
    after an interruption, it continues."""
    target = as_location(output_path, argument="output_path")
    job = setup.job(target, layer_name, new_dataset=(voxel_size, name))
    if not _continues(job):
        check_new_dataset_path(target)
    with journaled(job) as journal:
        resume = _continued(journal)
        dataset = dataset_class(target, voxel_size_with_unit=voxel_size, name=name, exist_ok=resume)
        setup.run(dataset, layer_name, executor, progress, resume=resume)
    return dataset


def from_images(
    dataset_class: type[Dataset],
    input_path: ImagesInput,
    output_path: str | os.PathLike[str],
    voxel_size: VoxelSize,
    name: str | None = None,
    *,
    z_slices_sort_key: Callable[[Path], Any] | None = None,
    layer_name: str | None = None,
    layer_category: str | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
    **options: Unpack[ImageImportOptions],
) -> Dataset:
    """See :meth:`wkdist.dataset.Dataset.from_images`."""
    setup = ImportSetup(input_path, category=layer_category, sort_key=z_slices_sort_key, **options)
    return import_dataset(
        dataset_class,
        setup,
        output_path,
        setup.layer_name(layer_name),
        voxel_size,
        name,
        executor=executor,
        progress=progress,
    )
