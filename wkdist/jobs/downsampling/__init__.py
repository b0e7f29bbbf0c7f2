"""Downsampling and upsampling as pure functions: kernels, region reads and mag ladders.

The job plumbing (tasks per target shard, writing) calls these; nothing here does I/O
except through the ``read`` callable given to :func:`downsample_region`.
"""

from __future__ import annotations

from .kernels import INTERPOLATION_MODES, downsample_cxyz, parse_interpolation_mode, upsample_cxyz

__all__ = [
    "INTERPOLATION_MODES",
    "downsample_cxyz",
    "parse_interpolation_mode",
    "upsample_cxyz",
]
