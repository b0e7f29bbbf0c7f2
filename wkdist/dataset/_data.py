"""Checking and shaping the numpy data handed to ``write``."""

from __future__ import annotations

import numpy as np

from wkdist.errors import InvalidArgumentError


def coerce_to_cxyz(data: np.ndarray, *, dtype: np.dtype, num_channels: int) -> np.ndarray:
    """Return ``data`` as a ``(C, X, Y, Z)`` array of ``dtype``, or raise.

    ``(X, Y, Z)`` data is accepted for single-channel layers. A different dtype
    is converted only when no value changes: safe casts (``uint8`` into
    ``uint16``) and integer data whose values all fit the target type. Anything
    else raises, where the reference would silently wrap or truncate values.
    """
    data = np.asarray(data)
    if data.ndim == 3:
        if num_channels != 1:
            raise InvalidArgumentError(
                f"data of shape {data.shape} has no channel axis, but the layer has "
                f"{num_channels} channels; pass (C, X, Y, Z) data with C={num_channels}"
            )
        data = data[np.newaxis]
    elif data.ndim != 4:
        raise InvalidArgumentError(
            f"data must have the shape (C, X, Y, Z) or (X, Y, Z); got shape {data.shape}"
        )
    if data.shape[0] != num_channels:
        raise InvalidArgumentError(
            f"data has {data.shape[0]} channels (shape {data.shape}), but the layer has "
            f"{num_channels}; the channel axis comes first: (C, X, Y, Z)"
        )
    return coerce_dtype(data, dtype)


def coerce_dtype(data: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``data`` as ``dtype`` if no value changes (see :func:`coerce_to_cxyz`), or raise."""
    if data.dtype == dtype:
        return data
    if np.can_cast(data.dtype, dtype, casting="safe") or _integer_values_fit(data, dtype):
        return data.astype(dtype)
    raise InvalidArgumentError(
        f"data has the dtype {data.dtype}, but the layer stores {dtype}; converting would "
        f"change values. Convert explicitly, e.g. data.astype({dtype.name!r})"
    )


def _integer_values_fit(data: np.ndarray, dtype: np.dtype) -> bool:
    if data.dtype.kind not in "iub" or dtype.kind not in "iu":
        return False
    if data.size == 0:
        return True
    info = np.iinfo(dtype)
    return bool(info.min <= data.min() and data.max() <= info.max)
