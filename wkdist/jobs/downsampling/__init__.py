"""Downsampling and upsampling as pure functions: kernels, border handling and mag ladders.

The job plumbing (tasks per target shard, writing) calls these; nothing here does I/O
except through the ``read`` callable given to :func:`downsample_region`. Results equal
webknossos 4.3.3 voxel for voxel (see each module for the exact rules).
"""

from __future__ import annotations

from .kernels import INTERPOLATION_MODES, downsample_cxyz, parse_interpolation_mode, upsample_cxyz
from .ladder import (
    SAMPLING_MODES,
    default_coarsest_mag,
    mag_ladder,
    parse_sampling_mode,
    sampling_ladder,
    upsampling_ladder,
)
from .region import downsample_buffer_shape, downsample_job_shape, downsample_region

__all__ = [
    "INTERPOLATION_MODES",
    "SAMPLING_MODES",
    "default_coarsest_mag",
    "downsample_buffer_shape",
    "downsample_cxyz",
    "downsample_job_shape",
    "downsample_region",
    "mag_ladder",
    "parse_interpolation_mode",
    "parse_sampling_mode",
    "sampling_ladder",
    "upsample_cxyz",
    "upsampling_ladder",
]
