"""How downsampling picks the next mag: the reference's ``SamplingModes`` names."""

from __future__ import annotations

from enum import StrEnum, unique

__all__ = ["SamplingModes"]


@unique
class SamplingModes(StrEnum):
    """Sampling modes of ``Layer.downsample`` (``sampling_mode=``).

    Members compare equal to their strings, so ``SamplingModes.ISOTROPIC`` and
    ``"isotropic"`` are interchangeable wherever a sampling mode is taken.
    """

    ANISOTROPIC = "anisotropic"
    ISOTROPIC = "isotropic"
    CONSTANT_Z = "constant_z"

    @classmethod
    def parse(cls, mode: str) -> SamplingModes:
        """The member for ``mode``; ``"auto"`` means ``ANISOTROPIC``.

        Raises
        ------
        ValueError
            For an unknown mode.
        """
        return cls.ANISOTROPIC if mode == "auto" else cls(mode)
