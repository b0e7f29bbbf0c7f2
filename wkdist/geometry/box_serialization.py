"""The serializations of :class:`~wkdist.geometry.BoundingBox`: tuples, the
``datasource-properties.json`` dict, config dicts, CSV, checkpoint names, and
:meth:`from_auto` over all of them. ``BoundingBox`` inherits them."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from wkdist.errors import InvalidArgumentError

if TYPE_CHECKING:
    from typing import Self

    from .vec3_int import Vec3Int, Vec3IntLike

_CHECKPOINT = re.compile(r"([0-9]+_){5}[0-9]+")


class BoxSerialization:
    """Constructors from and conversions to the serialized forms of a box."""

    __slots__ = ()

    if TYPE_CHECKING:
        topleft: Vec3Int
        size: Vec3Int

        def __init__(self, topleft: Vec3IntLike, size: Vec3IntLike) -> None: ...

    @classmethod
    def from_tuple2(cls, tuple2: tuple[Vec3IntLike, Vec3IntLike]) -> Self:
        """Build from ``(topleft, size)``."""
        return cls(tuple2[0], tuple2[1])

    @classmethod
    def from_tuple6(cls, tuple6: tuple[int, int, int, int, int, int]) -> Self:
        """Build from ``(x, y, z, width, height, depth)``."""
        if len(tuple6) != 6:
            raise InvalidArgumentError(
                f"tuple6={tuple6!r} must have six entries (x, y, z, width, height, depth)."
            )
        return cls(tuple6[0:3], tuple6[3:6])

    @classmethod
    def from_wkw_dict(cls, bbox: dict[str, Any]) -> Self:
        """Read the ``datasource-properties.json`` form.

        Only the spatial part ``{"topLeft": [x, y, z], "width", "height", "depth"}``
        is read; n-d extras (``additionalAxes``, ``axisOrder``, ``numChannels``,
        ``channelIndex``) are ignored.
        """
        try:
            return cls(bbox["topLeft"], (bbox["width"], bbox["height"], bbox["depth"]))
        except (KeyError, TypeError) as err:
            raise InvalidArgumentError(
                f"bbox={bbox!r} is not a WEBKNOSSOS bounding box; expected keys "
                "'topLeft', 'width', 'height' and 'depth'."
            ) from err

    @classmethod
    def from_config_dict(cls, bbox: dict[str, Any]) -> Self:
        """Read ``{"topleft": [x, y, z], "size": [w, h, d]}``."""
        return cls(bbox["topleft"], bbox["size"])

    @classmethod
    def from_checkpoint_name(cls, checkpoint_name: str) -> Self:
        """Extract a box written as ``x_y_z_w_h_d`` anywhere inside ``checkpoint_name``."""
        match = _CHECKPOINT.search(checkpoint_name)
        if match is None:
            raise InvalidArgumentError(
                f"checkpoint_name={checkpoint_name!r} contains no box of the form x_y_z_w_h_d."
            )
        return cls.from_tuple6(tuple(int(v) for v in match.group().split("_")))  # type: ignore[arg-type]

    @classmethod
    def from_csv(cls, csv_bbox: str) -> Self:
        """Parse ``"x,y,z,width,height,depth"``."""
        try:
            values = tuple(int(v) for v in csv_bbox.split(","))
        except ValueError as err:
            raise InvalidArgumentError(
                f"csv_bbox={csv_bbox!r} must be six comma-separated integers."
            ) from err
        return cls.from_tuple6(values)  # type: ignore[arg-type]

    @classmethod
    def from_auto(cls, obj: object) -> Self:
        """Build from a box, a CSV or JSON string, a wkw/config dict, or a 2-/6-tuple."""
        if isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            return cls.from_auto(json.loads(obj)) if ":" in obj else cls.from_csv(obj)
        if isinstance(obj, dict):
            return cls.from_config_dict(obj) if "size" in obj else cls.from_wkw_dict(obj)
        if isinstance(obj, list | tuple):
            if len(obj) == 2:
                return cls.from_tuple2(obj)  # type: ignore[arg-type]
            if len(obj) == 6:
                return cls.from_tuple6(obj)  # type: ignore[arg-type]
        raise InvalidArgumentError(
            f"Unknown bounding box format {obj!r}; expected a BoundingBox, 'x,y,z,w,h,d', "
            "a dict or a 2-/6-tuple."
        )

    # ---- serialization ---------------------------------------------------------------

    def to_wkw_dict(self) -> dict[str, Any]:
        """``{"topLeft": [x, y, z], "width": w, "height": h, "depth": d}``."""
        return {
            "topLeft": self.topleft.to_list(),
            "width": self.size[0],
            "height": self.size[1],
            "depth": self.size[2],
        }

    def to_config_dict(self) -> dict[str, list[int]]:
        """``{"topleft": [x, y, z], "size": [w, h, d]}``."""
        return {"topleft": self.topleft.to_list(), "size": self.size.to_list()}

    def to_tuple6(self) -> tuple[int, int, int, int, int, int]:
        """``(x, y, z, width, height, depth)``."""
        return (*self.topleft, *self.size)

    def to_csv(self) -> str:
        """``"x,y,z,width,height,depth"``."""
        return ",".join(str(v) for v in self.to_tuple6())

    def to_checkpoint_name(self) -> str:
        """``"x_y_z_width_height_depth"``."""
        return "_".join(str(v) for v in self.to_tuple6())

