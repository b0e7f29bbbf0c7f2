"""``elementClass``: the per-voxel type of a layer, all channels together.

WEBKNOSSOS names the type of a whole voxel, i.e. the per-channel dtype with its
bit count multiplied by the number of channels (``3 x uint8 → "uint24"``).
``float32`` and ``float64`` of a single channel are spelled ``"float"`` and
``"double"``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from wkdist.errors import InvalidArgumentError

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

__all__ = ["dtype_from_element_class", "element_class_from_dtype"]

_KIND_NAMES = {"u": "uint", "i": "int", "f": "float"}
_ALIASES = {"float": "float32", "double": "float64"}
_ALIAS_OF = {name: alias for alias, name in _ALIASES.items()}
_ELEMENT_CLASS = re.compile(r"^(uint|int|float)(\d+)$")


def _check_num_channels(num_channels: object) -> int:
    if isinstance(num_channels, bool) or not isinstance(num_channels, int | np.integer):
        raise InvalidArgumentError(
            f"num_channels={num_channels!r} is invalid; expected an int >= 1"
        )
    if num_channels < 1:
        raise InvalidArgumentError(f"num_channels={num_channels} is invalid; expected >= 1")
    return int(num_channels)


def element_class_from_dtype(dtype: DTypeLike, num_channels: int) -> str:
    """The ``elementClass`` of a layer with ``num_channels`` channels of ``dtype``.

    Parameters
    ----------
    dtype
        The dtype of one channel, e.g. ``"uint8"`` or ``np.float32``.
    num_channels
        Number of channels (>= 1).

    Returns
    -------
    str
        E.g. ``"uint8"``, ``"uint24"`` (3 x uint8), ``"float"`` (float32),
        ``"double"`` (float64), ``"int16"``.

    Raises
    ------
    InvalidArgumentError
        If ``dtype`` is not an integer or floating point dtype, or
        ``num_channels`` is not an int >= 1.
    """
    channels = _check_num_channels(num_channels)
    try:
        per_channel = np.dtype(dtype)
    except TypeError as error:
        raise InvalidArgumentError(
            f"dtype={dtype!r} is not a numpy dtype; expected e.g. 'uint8' or 'float32'"
        ) from error
    if per_channel.kind not in _KIND_NAMES:
        raise InvalidArgumentError(
            f"dtype={per_channel} is not supported; expected an unsigned, signed integer "
            "or floating point dtype"
        )
    name = f"{_KIND_NAMES[per_channel.kind]}{per_channel.itemsize * 8 * channels}"
    return _ALIAS_OF.get(name, name)


def dtype_from_element_class(element_class: str, num_channels: int) -> np.dtype:
    """The dtype of one channel of a layer with this ``elementClass``.

    Parameters
    ----------
    element_class
        E.g. ``"uint24"``, ``"float"``, ``"double"``, ``"int64"``.
    num_channels
        Number of channels (>= 1); the element class's bits are divided by it.

    Returns
    -------
    numpy.dtype
        The per-channel dtype, e.g. ``uint8`` for ``("uint24", 3)``.

    Raises
    ------
    InvalidArgumentError
        If ``element_class`` is not of the form ``uint<bits>``, ``int<bits>``,
        ``float``, ``double`` or ``float<bits>``, or its bits do not split into
        ``num_channels`` channels of 8, 16, 32 or 64 bits.
    """
    channels = _check_num_channels(num_channels)
    if not isinstance(element_class, str):
        raise InvalidArgumentError(
            f"element_class={element_class!r} is invalid; expected a string such as "
            "'uint8', 'uint24', 'float' or 'double'"
        )
    match = _ELEMENT_CLASS.match(_ALIASES.get(element_class, element_class))
    if match is None:
        raise InvalidArgumentError(
            f"element_class={element_class!r} is invalid; expected 'uint<bits>', "
            "'int<bits>', 'float' or 'double' (e.g. 'uint8', 'uint24', 'int64')"
        )
    kind, bits = match.group(1), int(match.group(2))
    per_channel_bits, remainder = divmod(bits, channels)
    name = f"{kind}{per_channel_bits}"
    valid_bits = (16, 32, 64) if kind == "float" else (8, 16, 32, 64)
    if remainder or per_channel_bits not in valid_bits:
        raise InvalidArgumentError(
            f"element_class={element_class!r} with num_channels={channels} gives "
            f"{bits}/{channels} bits per channel; expected {kind} channels of "
            f"{', '.join(map(str, valid_bits[:-1]))} or {valid_bits[-1]} bits"
        )
    return np.dtype(name)
