"""``defaultViewConfiguration`` of a dataset and of a layer: how WEBKNOSSOS shows them first."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Self

from wkdist.errors import InvalidArgumentError

__all__ = ["DatasetViewConfiguration", "LayerViewConfiguration", "view_configuration_json"]


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


class _ViewConfiguration:
    """JSON mapping shared by both configurations: camelCase keys, unset fields left out."""

    _TUPLE_FIELDS: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The set fields as ``datasource-properties.json`` stores them (camelCase keys)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = {
                    k: v.to_json() if isinstance(v, _ViewConfiguration) else v
                    for k, v in value.items()
                }
            out[_camel(f.name)] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Read a stored mapping; keys this class does not know are dropped."""
        if not isinstance(data, Mapping):
            raise InvalidArgumentError(
                f"a {cls.__name__} must be read from a mapping, got {data!r}"
            )
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            key = _camel(f.name)
            if key in data and data[key] is not None:
                value = data[key]
                if f.name in cls._TUPLE_FIELDS and isinstance(value, list):
                    value = tuple(value)
                kwargs[f.name] = value
        if isinstance(kwargs.get("layers"), Mapping):
            kwargs["layers"] = {
                name: LayerViewConfiguration.from_json(layer)
                for name, layer in kwargs["layers"].items()
            }
        return cls(**kwargs)


@dataclasses.dataclass
class LayerViewConfiguration(_ViewConfiguration):
    """How WEBKNOSSOS shows a layer at first (every field optional).

    Parameters
    ----------
    color
        RGB, each 0-255.
    alpha
        Opacity in percent (0-100).
    intensity_range
        The data values mapped to black and white.
    min, max
        The range the histogram editor offers.
    is_disabled, is_inverted, is_in_edit_mode
        Layer toggles.
    mapping
        Segmentation: ``{"name": ..., "type": "JSON" | "HDF5"}``.
    """

    color: tuple[int, int, int] | None = None
    alpha: float | None = None
    intensity_range: tuple[float, float] | None = None
    min: float | None = None
    max: float | None = None
    is_disabled: bool | None = None
    is_inverted: bool | None = None
    is_in_edit_mode: bool | None = None
    mapping: dict[str, str] | None = None

    _TUPLE_FIELDS = ("color", "intensity_range")


@dataclasses.dataclass
class DatasetViewConfiguration(_ViewConfiguration):
    """How WEBKNOSSOS shows a dataset at first (every field optional).

    Parameters
    ----------
    four_bit, interpolation, render_missing_data_black
        Rendering toggles.
    loading_strategy
        ``"BEST_QUALITY_FIRST"`` or ``"PROGRESSIVE_QUALITY"``.
    segmentation_pattern_opacity
        0-100.
    zoom
        Initial zoom step.
    position, rotation
        Initial camera position (Mag(1) voxels) and rotation (degrees).
    layers
        Per-layer configurations by layer name.
    color_layer_order, blend_mode, natively_rendered_layer_name
        Layer ordering and blending.
    """

    four_bit: bool | None = None
    interpolation: bool | None = None
    render_missing_data_black: bool | None = None
    loading_strategy: str | None = None
    segmentation_pattern_opacity: int | None = None
    zoom: float | None = None
    position: tuple[int, int, int] | None = None
    rotation: tuple[int, int, int] | None = None
    layers: dict[str, LayerViewConfiguration] | None = None
    color_layer_order: list[str] | None = None
    blend_mode: str | None = None
    natively_rendered_layer_name: str | None = None

    _TUPLE_FIELDS = ("position", "rotation")


def view_configuration_json(value: object) -> dict[str, Any] | None:
    """What a ``default_view_configuration`` setter stores: ``None``, a configuration's
    :meth:`to_json`, or a mapping as given (already in the stored form).

    Raises
    ------
    InvalidArgumentError
        For anything else.
    """
    if value is None:
        return None
    if isinstance(value, _ViewConfiguration):
        return value.to_json()
    if isinstance(value, Mapping):
        return dict(value)
    raise InvalidArgumentError(
        f"default_view_configuration={value!r} is invalid; expected a "
        "DatasetViewConfiguration/LayerViewConfiguration, a mapping or None"
    )
