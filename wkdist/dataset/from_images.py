"""``Dataset.from_images`` and ``Dataset.add_layer_from_images``: check the
input, create the layer and mag, run the import job.

Every check (files, their headers, pixel type, channels, arguments) runs
before the first file is written, so bad input leaves no trace.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from wkdist.dataset.layer_categories import (
    ALLOWED_DTYPES,
    CATEGORIES,
    COLOR_CATEGORY,
    SEGMENTATION_CATEGORY,
)
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
from wkdist.run import run_plans
from wkdist.storage import DataFormat
from wkdist.storage.layout_policy import FLAT_CHUNKS_PER_SHARD, choose_chunk_and_shard_shape

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from concurrent.futures import Executor

    from numpy.typing import DTypeLike

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.geometry import MagLike, Vec3IntLike
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


def check_new_dataset_path(path: str | os.PathLike[str]) -> None:
    """Raise unless a new dataset can be created at ``path`` (absent or an empty folder)."""
    target = Path(path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DatasetExistsError(
            f"cannot import into {target}: it exists and is not an empty folder"
        )


class ImportSetup:
    """The checked input and arguments of one import; nothing written yet."""

    def __init__(
        self,
        images: ImagesInput,
        *,
        category: str | None,
        data_format: str | DataFormat,
        mag: MagLike,
        chunk_shape: Vec3IntLike | int | None,
        shard_shape: Vec3IntLike | int | None,
        chunks_per_shard: Vec3IntLike | int | None,
        topleft: Vec3IntLike,
        orientation: Orientation,
        dtype: DTypeLike | None,
        channel: int | None,
        truncate_rgba_to_rgb: bool,
        allow_gaps: bool,
        sort_key: Callable[[Path], Any] | None = None,
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
        self.mag = Mag(mag)
        self.topleft = Vec3Int.from_vec_or_int(topleft)
        if not self.topleft.is_positive() or self.topleft % self.mag.to_vec3_int() != Vec3Int.zeros():
            raise InvalidArgumentError(
                f"topleft must be >= 0 and a multiple of mag {self.mag.to_layer_name()}; "
                f"got {tuple(self.topleft)}"
            )
        self.orientation = orientation
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
        self.size = volume_size(self.stack, orientation)
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

    def run(
        self,
        dataset: Dataset,
        layer_name: str,
        compress: bool | str,
        executor: Executor | None,
        progress: bool | None,
    ) -> Layer:
        """Create the layer and its mag and import the stack; return the layer."""
        layer = dataset.add_layer(
            layer_name,
            self.category,  # type: ignore[arg-type]
            dtype_per_channel=self.dtype,
            num_channels=self.num_channels,
            data_format=self.data_format,
        )
        mag_view = layer.add_mag(
            self.mag, chunk_shape=self.chunk, shard_shape=self.shard, compress=compress
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
        run_plans([plan], executor=executor, progress=progress)
        dataset._note_own_change()
        return dataset.get_layer(layer_name)


def add_layer_from_images(
    dataset: Dataset,
    images: ImagesInput,
    layer_name: str,
    category: str | None = COLOR_CATEGORY,
    *,
    data_format: str | DataFormat = DataFormat.ZARR3,
    mag: MagLike = 1,
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
    executor: Executor | None = None,
    progress: bool | None = None,
) -> Layer:
    """See :meth:`wkdist.dataset.Dataset.add_layer_from_images`."""
    dataset._ensure_writable()
    validate_layer_name(layer_name)
    setup = ImportSetup(
        images,
        category=category,
        data_format=data_format,
        mag=mag,
        chunk_shape=chunk_shape,
        shard_shape=shard_shape,
        chunks_per_shard=chunks_per_shard,
        topleft=topleft,
        orientation=Orientation(swap_xy, flip_x, flip_y, flip_z),
        dtype=dtype,
        channel=channel,
        truncate_rgba_to_rgb=truncate_rgba_to_rgb,
        allow_gaps=allow_gaps,
    )
    if layer_name in dataset.layers:
        raise AlreadyExistsError(f"adding layer {layer_name!r} failed: {dataset!r} has a layer with this name")
    return setup.run(dataset, layer_name, compress, executor, progress)


def from_images(
    dataset_class: type[Dataset],
    input_path: ImagesInput,
    output_path: str | os.PathLike[str],
    voxel_size: Iterable[float] | None = None,
    name: str | None = None,
    *,
    z_slices_sort_key: Callable[[Path], Any] | None = None,
    voxel_size_with_unit: VoxelSize | None = None,
    layer_name: str | None = None,
    layer_category: str | None = None,
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
    executor: Executor | None = None,
    progress: bool | None = None,
) -> Dataset:
    """See :meth:`wkdist.dataset.Dataset.from_images`."""
    if voxel_size is None and voxel_size_with_unit is None:
        raise InvalidArgumentError("from_images needs voxel_size (x, y, z in nanometers)")
    setup = ImportSetup(
        input_path,
        category=layer_category,
        data_format=data_format,
        mag=1,
        chunk_shape=chunk_shape,
        shard_shape=shard_shape,
        chunks_per_shard=chunks_per_shard,
        topleft=topleft,
        orientation=Orientation(swap_xy, flip_x, flip_y, flip_z),
        dtype=dtype,
        channel=channel,
        truncate_rgba_to_rgb=truncate_rgba_to_rgb,
        allow_gaps=allow_gaps,
        sort_key=z_slices_sort_key,
    )
    name_of_layer = setup.layer_name(layer_name)
    check_new_dataset_path(output_path)
    dataset = dataset_class(
        output_path, voxel_size=voxel_size, name=name, voxel_size_with_unit=voxel_size_with_unit
    )
    setup.run(dataset, name_of_layer, compress, executor, progress)
    return dataset
