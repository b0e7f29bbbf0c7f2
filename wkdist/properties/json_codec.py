"""JSON <-> :class:`DatasetProperties`, as webknossos 4.3.3 reads and writes it.

Reading accepts the legacy spellings (``wkwResolutions``, ``scale`` as a plain
list, no ``version``, mags without ``path``, ``largestSegmentId`` as a bigint
envelope) and keeps unknown keys, so that ``serialize_properties(parse_properties(d))
== d`` for every file webknossos writes. Writing follows the reference: camelCase
keys, ``None``/default values omitted, ``version`` and ``numChannels`` always
present, ``channelIndex`` only if non-zero.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag

from ._json_reader import JsonReader, PropertiesError, join_path
from .element_class import dtype_from_element_class
from .model import (
    DatasetProperties,
    LayerProperties,
    MagProperties,
    check_category,
    check_data_format,
)
from .voxel_size import VoxelSize, normalize_length_unit

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "PropertiesError",
    "dumps_properties",
    "loads_properties",
    "parse_properties",
    "serialize_properties",
]

_TOP_KEYS = frozenset({"id", "scale", "dataLayers", "version", "defaultViewConfiguration"})
_LAYER_KEYS = frozenset({
    "name", "category", "boundingBox", "dataFormat", "mags", "wkwResolutions", "numChannels",
    "elementClass", "largestSegmentId", "mappings", "attachments", "defaultViewConfiguration",
    "coordinateTransformations", "additionalAxes",
})  # fmt: skip
#: The axis order of every array wkdist writes: channels first, then x, y, z.
AXIS_ORDER = {"c": 0, "x": 1, "y": 2, "z": 3}
SUPPORTED_VERSIONS = (1,)
_MAG_KEYS = frozenset({"path", "cubeLength", "axisOrder", "channelIndex"})
_BOX_KEYS = frozenset({"topLeft", "width", "height", "depth"})
# WEBKNOSSOS keeps these in boundingBox only while the layer has no mags
_BOX_KEYS_OF_MAGS = frozenset({"axisOrder", "channelIndex"})
_JS_MAX_SAFE_INTEGER = 2**53 - 1
_BIGINT = "bigint"


def loads_properties(text: str, *, source: str = "<string>") -> DatasetProperties:
    """Parse the text of a ``datasource-properties.json``; see :func:`parse_properties`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PropertiesError(
            source, "", f"not valid JSON ({error}); expected a JSON object"
        ) from error
    return parse_properties(data, source=source)


def dumps_properties(properties: DatasetProperties) -> str:
    """The text of a ``datasource-properties.json`` (``json.dumps``, indent 4)."""
    return json.dumps(serialize_properties(properties), indent=4)


def parse_properties(data: object, *, source: str = "<dict>") -> DatasetProperties:
    """Build :class:`DatasetProperties` from the decoded JSON ``data``.

    Parameters
    ----------
    data
        The decoded ``datasource-properties.json`` (not modified).
    source
        Name of the file, used in error messages.

    Raises
    ------
    PropertiesError
        (a ``ValueError``) naming ``source``, the JSON path of the bad value, what
        was found there and what was expected.
    """
    r = JsonReader(source)
    root = r.json_object(data, "")
    raw_layers = r.array(
        r.required(root, "dataLayers", "", "a JSON array of layers"), "dataLayers", "layers"
    )
    layers = tuple(
        _parse_layer(r, raw, join_path("dataLayers", i)) for i, raw in enumerate(raw_layers)
    )
    first_index: dict[str, int] = {}
    for index, layer in enumerate(layers):
        if layer.name in first_index:
            r.fail(
                f"dataLayers[{index}].name",
                layer.name,
                f"a unique layer name (dataLayers[{first_index[layer.name]}] has it already)",
            )
        first_index[layer.name] = index
    with r.at(""):
        return DatasetProperties(
            id=copy.deepcopy(r.json_object(r.required(root, "id", "", "a JSON object"), "id")),
            scale=_parse_scale(r, r.required(root, "scale", "", "the voxel size")),
            data_layers=layers,
            version=_supported_version(r, root.get("version", 1)),
            default_view_configuration=r.optional_object(root, "defaultViewConfiguration", ""),
            extras=_unknown(root, _TOP_KEYS),
        )


def _unknown(obj: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in obj.items() if key not in known}


def _parse_scale(r: JsonReader, value: object) -> VoxelSize:
    if isinstance(value, list):
        with r.at("scale"):
            return VoxelSize(value)  # type: ignore[arg-type]
    scale = r.json_object(value, "scale")
    with r.at("scale.unit"):
        unit = normalize_length_unit(scale.get("unit", "nanometer"))
    with r.at("scale.factor"):
        factor: Any = r.required(scale, "factor", "scale", "[x, y, z]")
        return VoxelSize(factor, unit)


def _parse_layer(r: JsonReader, raw: object, path: str) -> LayerProperties:
    layer = r.json_object(raw, path)
    name = r.string(r.required(layer, "name", path, "the layer's name"), join_path(path, "name"))
    with r.at(join_path(path, "category")):
        category = check_category(r.required(layer, "category", path, "'color' or 'segmentation'"))
    with r.at(join_path(path, "dataFormat")):
        data_format = check_data_format(
            r.required(layer, "dataFormat", path, "'wkw', 'zarr' or 'zarr3'")
        )
    box, box_extras = _parse_bounding_box(
        r, r.required(layer, "boundingBox", path, "the layer's box"), join_path(path, "boundingBox")
    )
    if data_format == "wkw" and "wkwResolutions" in layer:
        mags_key, mag_key = "wkwResolutions", "resolution"
    else:
        mags_key, mag_key = "mags", "mag"
    mags_path = join_path(path, mags_key)
    raw_mags = r.array(r.required(layer, mags_key, path, "the layer's mags"), mags_path, "mags")
    mags = tuple(_parse_mag(r, m, join_path(mags_path, i), mag_key) for i, m in enumerate(raw_mags))
    num_channels = r.integer(layer.get("numChannels", 1), join_path(path, "numChannels"), 1)
    element_class = r.string(
        r.required(layer, "elementClass", path, "e.g. 'uint8' or 'uint24'"),
        join_path(path, "elementClass"),
    )
    with r.at(join_path(path, "elementClass")):
        dtype_from_element_class(element_class, num_channels)
    mappings = r.array(layer.get("mappings", []), join_path(path, "mappings"), "strings")
    for index, mapping in enumerate(mappings):
        r.string(mapping, join_path(join_path(path, "mappings"), index))
    attachments = r.optional_object(layer, "attachments", path)
    with r.at(path):
        return LayerProperties(
            name=name,
            category=category,
            bounding_box=box,
            data_format=data_format,
            mags=mags,
            num_channels=num_channels,
            element_class=element_class,
            largest_segment_id=_parse_segment_id(
                r, layer.get("largestSegmentId"), join_path(path, "largestSegmentId")
            ),
            mappings=tuple(mappings),
            attachments=None if _attachments_empty(attachments) else attachments,
            default_view_configuration=r.optional_object(layer, "defaultViewConfiguration", path),
            coordinate_transformations=_parse_transformations(
                r,
                layer.get("coordinateTransformations"),
                join_path(path, "coordinateTransformations"),
            ),
            additional_axes=_parse_additional_axes(
                r, layer.get("additionalAxes"), join_path(path, "additionalAxes")
            ),
            bounding_box_extras=box_extras,
            extras=_unknown(layer, _LAYER_KEYS),
        )


def _attachments_empty(attachments: Mapping[str, Any] | None) -> bool:
    # the reference drops attachments whose every entry is null or empty
    return attachments is None or all(not value for value in attachments.values())


def _parse_bounding_box(
    r: JsonReader, value: object, path: str
) -> tuple[BoundingBox, dict[str, Any]]:
    box = r.json_object(value, path)
    expected = "3 integers >= 0 (x, y, z)"
    topleft = r.array(
        r.required(box, "topLeft", path, expected), join_path(path, "topLeft"), expected
    )
    if len(topleft) != 3:
        r.fail(join_path(path, "topLeft"), topleft, expected)
    # 2-d layers (axisOrder without z) have null as z and depth, read as 0
    flat = topleft[2] is None and box.get("depth") is None
    for axis, coordinate in enumerate(topleft[:2] if flat else topleft):
        r.integer(coordinate, join_path(join_path(path, "topLeft"), axis), 0)
    size = [
        r.integer(r.required(box, key, path, "an integer >= 0"), join_path(path, key), 0)
        for key in (("width", "height") if flat else ("width", "height", "depth"))
    ]
    if flat:
        topleft, size = [*topleft[:2], 0], [*size, 0]
    return BoundingBox(topleft, size), _unknown(box, _BOX_KEYS)


def _parse_mag(r: JsonReader, raw: object, path: str, mag_key: str) -> MagProperties:
    entry = r.json_object(raw, path)
    expected = "[x, y, z] or one integer, of positive powers of two"
    mag_value: Any = r.required(entry, mag_key, path, expected)
    try:
        mag = Mag(mag_value)
    except InvalidArgumentError:
        r.fail(join_path(path, mag_key), mag_value, expected)
    mag_path = entry.get("path")
    # Files from before webknossos 3.2.3 have no axisOrder; the reference reads
    # them as the default c, x, y, z and writes that back.
    axis_order = entry.get("axisOrder", AXIS_ORDER)
    if axis_order is not None:
        for axis, index in r.json_object(axis_order, join_path(path, "axisOrder")).items():
            r.integer(index, join_path(join_path(path, "axisOrder"), axis), 0)
    cube_length, channel_index = entry.get("cubeLength"), entry.get("channelIndex")
    with r.at(path):
        return MagProperties(
            mag=mag,
            path=None if mag_path is None else r.string(mag_path, join_path(path, "path")),
            cube_length=None
            if cube_length is None
            else r.integer(cube_length, join_path(path, "cubeLength"), 1),
            axis_order=copy.deepcopy(axis_order),
            channel_index=None
            if channel_index is None
            else r.integer(channel_index, join_path(path, "channelIndex"), 0),
            extras=_unknown(entry, _MAG_KEYS | {mag_key}),
        )


def _parse_segment_id(r: JsonReader, value: object, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, dict) and value.get("customJsonEncoding") == _BIGINT:
        digits = value.get("value")
        if isinstance(digits, int) and not isinstance(digits, bool):
            return digits
        if isinstance(digits, str) and digits.lstrip("-").isdigit():
            return int(digits)
        r.fail(join_path(path, "value"), digits, "a string of decimal digits")
    expected = 'an integer or {"customJsonEncoding": "bigint", "value": "<digits>"}'
    if not isinstance(value, int) or isinstance(value, bool):
        r.fail(path, value, expected)
    return value


def _parse_transformations(r: JsonReader, value: object, path: str) -> tuple[Any, ...] | None:
    if value is None:
        return None
    items = r.array(value, path, "transformations")
    for index, item in enumerate(items):
        item_path = join_path(path, index)
        kind = r.json_object(item, item_path).get("type")
        if kind == "affine":
            r.required(item, "matrix", item_path, "a 4x4 matrix")
            matrix = item["matrix"]
            if not (
                isinstance(matrix, list)
                and len(matrix) == 4
                and all(isinstance(row, list) and len(row) == 4 for row in matrix)
            ):
                r.fail(join_path(item_path, "matrix"), matrix, "a 4x4 matrix (4 rows of 4 numbers)")
        elif kind == "thin_plate_spline":
            corr = r.json_object(
                r.required(item, "correspondences", item_path, "source and target points"),
                join_path(item_path, "correspondences"),
            )
            for key in ("source", "target"):
                r.array(
                    r.required(corr, key, join_path(item_path, "correspondences"), "points"),
                    join_path(join_path(item_path, "correspondences"), key),
                    "[x, y, z] points",
                )
        else:
            r.fail(join_path(item_path, "type"), kind, "`affine` or `thin_plate_spline`")
    return tuple(copy.deepcopy(items))


def _parse_additional_axes(r: JsonReader, value: object, path: str) -> tuple[Any, ...] | None:
    if value is None:
        return None
    items = r.array(value, path, "axes")
    for index, item in enumerate(items):
        item_path = join_path(path, index)
        axis = r.json_object(item, item_path)
        r.string(r.required(axis, "name", item_path, "the axis name"), join_path(item_path, "name"))
        r.integer(
            r.required(axis, "index", item_path, "an integer"), join_path(item_path, "index"), 0
        )
        bounds = r.required(axis, "bounds", item_path, "[lower, upper)")
        if not (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
            and bounds[0] <= bounds[1]
        ):
            r.fail(
                join_path(item_path, "bounds"),
                bounds,
                "[lower, upper) with integers lower <= upper",
            )
    # the reference treats an empty list like a missing one and does not write it
    return tuple(copy.deepcopy(items)) or None


def _with_extras(out: dict[str, Any], extras: Mapping[str, Any], where: str) -> dict[str, Any]:
    clashes = sorted(set(out) & set(extras))
    if clashes:
        raise InvalidArgumentError(
            f"extras of {where} contain the keys {clashes}, which wkdist writes itself; "
            "expected only unknown keys in extras"
        )
    out.update(copy.deepcopy(dict(extras)))
    return out


def serialize_properties(properties: DatasetProperties) -> dict[str, Any]:
    """The JSON-ready dict of ``properties``, as webknossos 4.3.3 writes it.

    Raises
    ------
    InvalidArgumentError
        If an ``extras`` mapping contains a key that wkdist writes itself.
    """
    out: dict[str, Any] = {
        "id": copy.deepcopy(dict(properties.id)),
        "scale": {"factor": list(properties.scale.factor), "unit": properties.scale.unit},
        "dataLayers": [_serialize_layer(layer) for layer in properties.data_layers],
        "version": properties.version,
    }
    if properties.default_view_configuration is not None:
        out["defaultViewConfiguration"] = copy.deepcopy(dict(properties.default_view_configuration))
    return _with_extras(out, properties.extras, "the dataset")


def _serialize_layer(layer: LayerProperties) -> dict[str, Any]:
    box_extras = {
        key: value
        for key, value in layer.bounding_box_extras.items()
        if not (layer.mags and key in _BOX_KEYS_OF_MAGS)
    }
    out: dict[str, Any] = {
        "name": layer.name,
        "category": layer.category,
        "boundingBox": _with_extras(
            _box_json(layer), box_extras, f"the box of layer {layer.name!r}"
        ),
        "dataFormat": layer.data_format,
        "mags": [_serialize_mag(mag, layer.name) for mag in layer.mags],
    }
    if layer.default_view_configuration is not None:
        out["defaultViewConfiguration"] = copy.deepcopy(dict(layer.default_view_configuration))
    if layer.coordinate_transformations is not None:
        out["coordinateTransformations"] = copy.deepcopy(list(layer.coordinate_transformations))
    if layer.largest_segment_id is not None:
        out["largestSegmentId"] = (
            {"customJsonEncoding": _BIGINT, "value": str(layer.largest_segment_id)}
            if layer.largest_segment_id > _JS_MAX_SAFE_INTEGER
            else layer.largest_segment_id
        )
    if layer.mappings:
        out["mappings"] = list(layer.mappings)
    if layer.attachments is not None and not _attachments_empty(layer.attachments):
        out["attachments"] = copy.deepcopy(dict(layer.attachments))
    if layer.additional_axes:
        out["additionalAxes"] = copy.deepcopy(list(layer.additional_axes))
    out["numChannels"] = layer.num_channels
    out["elementClass"] = layer.element_class
    return _with_extras(out, layer.extras, f"layer {layer.name!r}")


def _box_json(layer: LayerProperties) -> dict[str, Any]:
    """``boundingBox`` without extras; 2-d layers (axisOrder without z) write null as z."""
    out = layer.bounding_box.to_wkw_dict()
    order = layer.mags[0].axis_order if layer.mags else layer.bounding_box_extras.get("axisOrder")
    if order is not None and "z" not in order:
        out["topLeft"][2], out["depth"] = None, None
    return out


def _serialize_mag(mag: MagProperties, layer_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"mag": mag.mag.to_list()}
    if mag.path is not None:
        out["path"] = mag.path
    if mag.cube_length is not None:
        out["cubeLength"] = mag.cube_length
    if mag.axis_order is not None:
        out["axisOrder"] = dict(mag.axis_order)
    if mag.channel_index:
        out["channelIndex"] = mag.channel_index
    return _with_extras(out, mag.extras, f"mag {mag.mag} of layer {layer_name!r}")


def _supported_version(r: JsonReader, value: object) -> int:
    version = r.integer(value, "version")
    if version not in SUPPORTED_VERSIONS:
        r.fail("version", value, f"one of the supported versions {list(SUPPORTED_VERSIONS)}")
    return version
