"""Image imports into a dataset (:class:`DatasetImages`, a mixin of
:class:`~wkdist.dataset.dataset.Dataset`): the API side of the import job in
:mod:`wkdist.dataset.from_images`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from wkdist.dataset import from_images as _from_images
from wkdist.dataset.arguments import voxel_size_argument
from wkdist.dataset.dataset_layers import as_dataset
from wkdist.dataset.layer_categories import COLOR_CATEGORY
from wkdist.errors import InvalidArgumentError

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable
    from concurrent.futures import Executor
    from pathlib import Path
    from typing import Unpack

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.from_images import ImageImportOptions, ImagesInput
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.layer_categories import LayerCategoryType
    from wkdist.geometry import MagLike
    from wkdist.properties import VoxelSize


class DatasetImages:
    """The image-import methods of :class:`~wkdist.dataset.dataset.Dataset`."""

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
            cast("type[Dataset]", cls),
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
            as_dataset(self),
            images,
            layer_name,
            category,
            mag=mag,
            executor=executor,
            progress=progress,
            **options,
        )

