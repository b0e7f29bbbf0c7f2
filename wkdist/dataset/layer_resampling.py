"""Compressing, downsampling and upsampling a layer
(:class:`LayerResampling`, a mixin of :class:`~wkdist.dataset.layer.Layer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wkdist.dataset.layer_mags import as_layer
from wkdist.dataset.resampling import (
    NewMagLayout,
    downsample_layer,
    downsample_mag_chain,
    source_mag,
    upsample_layer,
)
from wkdist.geometry import Mag
from wkdist.run.journaled import Job, journaled

if TYPE_CHECKING:
    from collections.abc import Mapping
    from concurrent.futures import Executor

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.mag_view import MagView
    from wkdist.geometry import MagLike, Vec3IntLike


class LayerResampling:
    """The resampling methods of :class:`~wkdist.dataset.layer.Layer`."""

    if TYPE_CHECKING:

        @property
        def dataset(self) -> Dataset: ...

        @property
        def name(self) -> str: ...

        @property
        def mags(self) -> Mapping[Mag, MagView]: ...

        def get_mag(self, mag: MagLike) -> MagView: ...

        def get_finest_mag(self) -> MagView: ...

        def _ensure_writable(self) -> None: ...

    def compress(self, *, executor: Executor | None = None, progress: bool | None = None) -> None:
        """Compress every mag of the layer in place (see :meth:`MagView.compress`);
        mags that reference another dataset's files are left alone."""
        self._ensure_writable()
        with journaled(Job("compress", self.dataset.path, {"layer": self.name})):
            for mag_view in self.mags.values():
                if not mag_view.is_foreign:
                    mag_view.compress(executor=executor, progress=progress)

    def downsample(
        self,
        *,
        from_mag: MagLike | None = None,
        coarsest_mag: MagLike | None = None,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        sampling_mode: str = "anisotropic",
        align_with_other_layers: bool | Dataset = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        force_sampling_scheme: bool = False,
        allow_overwrite: bool = False,
        only_setup_mags: bool = False,
        from_mag_view: MagView | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> list[Mag]:
        """Compute coarser mags from ``from_mag`` (default: the finest) up to ``coarsest_mag``.

        Parameters
        ----------
        from_mag
            The existing mag to start from.
        coarsest_mag
            The last mag to create (default: about 100 voxels per slice edge, at least 4).
        interpolation_mode : {"default", "median", "mode", "nearest", "max", "min", "mean", "bilinear", "bicubic"}
            ``"default"`` is ``"mode"`` for segmentation and ``"median"`` for color,
            with the reference's exact rounding and tie rules. ``"mean"`` is wkdist's
            addition (never a default).
        compress, chunk_shape, shard_shape
            Compression and layout of the new mags (as in :meth:`add_mag`).
        sampling_mode : {"anisotropic", "isotropic", "constant_z"}
            ``"anisotropic"`` (default; ``"auto"`` too) halves the resolution of the
            finest physical axes first, as the voxel size asks; ``"isotropic"``
            doubles every axis; ``"constant_z"`` keeps z (forced for a one-slice layer).
        align_with_other_layers
            Reuse the mags other layers have where their largest factor matches
            (``True``: this dataset's layers; or the dataset to align with).
        buffer_shape
            Accepted for compatibility; wkdist sizes its read pieces by
            ``wkdist.downsample.piece-memory``.
        force_sampling_scheme
            Allow mags whose largest factor repeats another mag's.
        allow_overwrite
            Accepted for compatibility: existing target mags are recomputed.
        only_setup_mags
            Create the (empty) target mags only; compute them later.
        from_mag_view
            Read the source from this mag (e.g. of another layer with the same box).
        executor
            ``None``: the active dask scheduler; or a ``cluster_tools`` executor.

        At the layer's border, source voxels outside the layer's box are not read:
        the valid data is mirror-padded into them. Each new mag is a barrier.

        Returns
        -------
        list[Mag]
            The mags created, finest first.
        """
        del buffer_shape, allow_overwrite
        self._ensure_writable()
        return downsample_layer(
            as_layer(self),
            from_mag=from_mag,
            coarsest_mag=coarsest_mag,
            interpolation_mode=interpolation_mode,
            layout=NewMagLayout(chunk_shape, shard_shape, compress),
            sampling_mode=sampling_mode,
            align_with_other_layers=align_with_other_layers,
            force_sampling_scheme=force_sampling_scheme,
            only_setup_mags=only_setup_mags,
            from_mag_view=from_mag_view,
            executor=executor,
            progress=progress,
        )

    def downsample_mag(
        self,
        from_mag: MagLike,
        target_mag: MagLike,
        *,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        allow_overwrite: bool = False,
        only_setup_mag: bool = False,
        from_mag_view: MagView | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> MagView:
        """Compute mag ``target_mag`` from ``from_mag`` in one step (arguments as in
        :meth:`downsample`)."""
        self.downsample_mag_list(
            from_mag,
            [Mag(target_mag)],
            interpolation_mode=interpolation_mode,
            compress=compress,
            buffer_shape=buffer_shape,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            allow_overwrite=allow_overwrite,
            only_setup_mags=only_setup_mag,
            from_mag_view=from_mag_view,
            executor=executor,
            progress=progress,
        )
        return self.get_mag(target_mag)

    def downsample_mag_list(
        self,
        from_mag: MagLike,
        target_mags: list[Mag],
        *,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        allow_overwrite: bool = False,
        only_setup_mags: bool = False,
        from_mag_view: MagView | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> None:
        """Compute each of ``target_mags`` (any order; each a coarser multiple of
        ``from_mag``), finest first, each from the coarsest mag before it that
        divides it. Other arguments as in :meth:`downsample`."""
        del buffer_shape, allow_overwrite
        self._ensure_writable()
        downsample_mag_chain(
            as_layer(self),
            source_mag(as_layer(self), from_mag, from_mag_view),
            [Mag(mag) for mag in target_mags],
            interpolation_mode=interpolation_mode,
            layout=NewMagLayout(chunk_shape, shard_shape, compress),
            only_setup_mags=only_setup_mags,
            executor=executor,
            progress=progress,
        )

    def redownsample(
        self,
        *,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> None:
        """Recompute every mag but the finest from the finest (after it changed)."""
        finest = self.get_finest_mag().mag
        coarser = [mag for mag in self.mags if mag != finest]
        if coarser:
            self.downsample_mag_list(
                finest,
                coarser,
                interpolation_mode=interpolation_mode,
                compress=compress,
                buffer_shape=buffer_shape,
                chunk_shape=chunk_shape,
                shard_shape=shard_shape,
                executor=executor,
                progress=progress,
            )

    def upsample(
        self,
        from_mag: MagLike,
        finest_mag: MagLike = 1,
        *,
        from_mag_view: MagView | None = None,
        compress: bool | str = True,
        sampling_mode: str = "anisotropic",
        align_with_other_layers: bool | Dataset = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> list[Mag]:
        """Compute finer mags from ``from_mag`` down to ``finest_mag`` by repeating
        voxels (nearest); the ladder is the downsampling ladder walked backwards.
        ``from_mag_view`` reads the source from another layer's mag (its mag must be
        ``from_mag``); other arguments as in :meth:`downsample`."""
        del buffer_shape
        self._ensure_writable()
        return upsample_layer(
            as_layer(self),
            from_mag=from_mag,
            finest_mag=finest_mag,
            layout=NewMagLayout(chunk_shape, shard_shape, compress),
            sampling_mode=sampling_mode,
            align_with_other_layers=align_with_other_layers,
            from_mag_view=from_mag_view,
            executor=executor,
            progress=progress,
        )
