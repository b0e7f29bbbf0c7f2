from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pytest

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag
from wkdist.properties import (
    DatasetProperties,
    LayerProperties,
    MagProperties,
    PropertiesError,
    VoxelSize,
    dumps_properties,
    load_properties,
    loads_properties,
    parse_properties,
    save_properties,
    serialize_properties,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # optional image readers missing
    import webknossos as wk

AXES = {"c": 0, "x": 1, "y": 2, "z": 3}


def read_json(dataset_path):
    return json.loads((dataset_path / "datasource-properties.json").read_text())


def round_trip(data: dict) -> dict:
    return serialize_properties(parse_properties(copy.deepcopy(data)))


# ------------------------------------------------------------ files written by webknossos


def test_reference_files_round_trip_exactly(reference_dataset):
    text = (reference_dataset / "datasource-properties.json").read_text()
    props = load_properties(reference_dataset)
    assert serialize_properties(props) == json.loads(text)
    assert dumps_properties(props) == text


def test_reference_values_are_read_like_webknossos_reads_them(reference_dataset):
    props = load_properties(reference_dataset)
    reference = wk.Dataset.open(reference_dataset)
    assert props.scale.to_nanometer() == tuple(reference.voxel_size)
    assert props.layer_names == tuple(reference.layers)
    for layer in props.data_layers:
        ref = reference.get_layer(layer.name)
        assert layer.category == ref.category
        assert layer.data_format == str(ref.data_format)
        assert layer.bounding_box.to_tuple6() == ref.bounding_box.to_tuple6()
        assert [m.mag.to_list() for m in layer.mags] == [m.to_list() for m in ref.mags]
        assert layer.num_channels == ref.num_channels
        if layer.category == "segmentation":
            assert layer.largest_segment_id == ref.largest_segment_id


def test_reference_layer_details(reference_dataset):
    props = load_properties(reference_dataset)
    rgb = props.get_layer("color")
    assert (rgb.element_class, rgb.num_channels) == ("uint24", 3)
    assert rgb.bounding_box == BoundingBox((10, 20, 30), (100, 80, 40))
    assert [m.mag for m in rgb.mags] == [Mag(1), Mag("2-2-1"), Mag("4-4-2")]
    assert rgb.mags[1].path == "./color/2-2-1"
    assert all(m.axis_order == AXES for m in rgb.mags)
    wkw = rgb.data_format == "wkw"
    assert all(m.cube_length == (1024 if wkw else None) for m in rgb.mags)
    assert props.get_layer("float").element_class == "float"
    assert props.get_layer("gray16").bounding_box == BoundingBox((0, 0, 0), (32, 32, 32))
    assert props.get_layer("seg32").largest_segment_id == 5
    assert props.get_layer("seg64").largest_segment_id == 2**64 - 1
    assert props.get_layer("seg_unknown_max").largest_segment_id is None
    assert props.get_layer("no_mags").bounding_box_extras == {"axisOrder": AXES}


def test_reference_round_trip_of_optional_metadata(tmp_path):
    path = tmp_path / "ds"
    mesh = tmp_path / "meshes.hdf5"
    mesh.write_bytes(b"")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = wk.Dataset(
            path, voxel_size_with_unit=wk.VoxelSize((4, 4, 35.5), wk.LengthUnit.MICROMETER)
        )
        seg = ds.add_layer("seg", "segmentation", dtype_per_channel="uint16", largest_segment_id=0)
        seg.add_mag(1)
        seg.attachments.add_mesh(mesh, name="meshes", data_format=wk.AttachmentDataFormat.HDF5)
        seg.coordinate_transformations = [
            wk.AffineCoordinateTransformation(np.eye(4)),
            wk.ThinPlateSplineCoordinateTransformation(
                source=[[0, 0, 0], [1, 2, 3]], target=[[1, 1, 1], [2, 3, 4]]
            ),
        ]
        seg.default_view_configuration = wk.LayerViewConfiguration(alpha=40.0, is_disabled=True)
        ds.default_view_configuration = wk.DatasetViewConfiguration(zoom=2.0, position=(1, 2, 3))
    raw = read_json(path)
    assert {"attachments", "coordinateTransformations", "defaultViewConfiguration"} <= set(
        raw["dataLayers"][0]
    )
    props = load_properties(path)
    assert props.scale == VoxelSize((4.0, 4.0, 35.5), "micrometer")
    assert props.get_layer("seg").largest_segment_id == 0
    assert serialize_properties(props) == raw


def test_reference_round_trip_of_additional_axes(tmp_path):
    path = tmp_path / "nd"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = wk.Dataset(path, voxel_size=(4, 4, 40))
        box = wk.NDBoundingBox(
            topleft=(0, 0, 0, 0),
            size=(3, 10, 10, 10),
            axes=("t", "x", "y", "z"),
            index=(0, 1, 2, 3),
        )
        ds.add_layer("nd", "color", dtype_per_channel="uint8", bounding_box=box).add_mag(1)
    raw = read_json(path)
    layer = parse_properties(raw).get_layer("nd")
    assert layer.additional_axes == ({"name": "t", "bounds": [0, 3], "index": 0},)
    assert layer.mags[0].axis_order == {"x": 1, "y": 2, "z": 3}
    assert round_trip(raw) == raw


def test_webknossos_reads_and_rewrites_what_wkdist_writes(reference_dataset):
    props = load_properties(reference_dataset)
    grown = props.get_layer("color").with_bounding_box(BoundingBox((0, 0, 0), (300, 200, 100)))
    new_layer = LayerProperties(
        name="ids",
        category="segmentation",
        bounding_box=BoundingBox((0, 0, 0), (64, 64, 64)),
        data_format=grown.data_format,
        mags=(),
        element_class="uint64",
        largest_segment_id=2**53,
    )
    changed = props.with_layer(grown).with_layer(new_layer)
    save_properties(reference_dataset, changed)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = wk.Dataset.open(reference_dataset)
        assert reference.get_layer("color").bounding_box == wk.BoundingBox(
            (0, 0, 0), (300, 200, 100)
        )
        ids = reference.get_layer("ids")
        assert ids.largest_segment_id == 2**53
        assert ids.dtype_per_channel == np.dtype("uint64")
        reference.default_view_configuration = None  # makes webknossos save the file
    ours = serialize_properties(changed)
    theirs = read_json(reference_dataset)
    # webknossos puts the axis order into the box of a layer without mags
    theirs["dataLayers"][-1]["boundingBox"].pop("axisOrder")
    assert theirs == ours


# ------------------------------------------------------------------------ legacy files


def legacy_file() -> dict:
    return {
        "id": {"name": "old", "team": "lab"},
        "scale": [11.24, 11.24, 28],
        "dataLayers": [
            {
                "name": "color",
                "category": "color",
                "boundingBox": {"topLeft": [0, 0, 0], "width": 512, "height": 512, "depth": 64},
                "dataFormat": "wkw",
                "wkwResolutions": [
                    {"resolution": 1, "cubeLength": 1024},
                    {"resolution": [2, 2, 1], "cubeLength": 1024},
                ],
                "elementClass": "uint8",
            },
            {
                "name": "segmentation",
                "category": "segmentation",
                "boundingBox": {"topLeft": [0, 0, 0], "width": 512, "height": 512, "depth": 64},
                "dataFormat": "zarr",
                "mags": [{"mag": [1, 1, 1]}],
                "elementClass": "uint32",
                "largestSegmentId": {"customJsonEncoding": "bigint", "value": "4000000000"},
                "mappings": ["agglomerate_view_70"],
            },
        ],
    }


def test_legacy_spellings_are_read():
    props = parse_properties(legacy_file())
    assert props.version == 1
    assert props.scale == VoxelSize((11.24, 11.24, 28.0), "nanometer")
    color = props.get_layer("color")
    # a missing axisOrder is read as the default c, x, y, z, as webknossos does
    default = {"c": 0, "x": 1, "y": 2, "z": 3}
    assert color.mags == (
        MagProperties(Mag(1), cube_length=1024, axis_order=default),
        MagProperties(Mag("2-2-1"), cube_length=1024, axis_order=default),
    )
    assert color.num_channels == 1
    seg = props.get_layer("segmentation")
    assert seg.mags == (MagProperties(Mag(1), axis_order=default),)
    assert seg.largest_segment_id == 4_000_000_000
    assert seg.mappings == ("agglomerate_view_70",)


def test_legacy_spellings_are_written_in_the_current_form():
    out = round_trip(legacy_file())
    assert out["version"] == 1
    assert out["scale"] == {"factor": [11.24, 11.24, 28.0], "unit": "nanometer"}
    color = out["dataLayers"][0]
    assert "wkwResolutions" not in color
    default = {"c": 0, "x": 1, "y": 2, "z": 3}
    assert color["mags"] == [
        {"mag": [1, 1, 1], "cubeLength": 1024, "axisOrder": default},
        {"mag": [2, 2, 1], "cubeLength": 1024, "axisOrder": default},
    ]
    assert color["numChannels"] == 1
    seg = out["dataLayers"][1]
    assert seg["largestSegmentId"] == 4_000_000_000
    assert seg["mappings"] == ["agglomerate_view_70"]


def test_legacy_file_is_read_like_webknossos_reads_it(tmp_path):
    (tmp_path / "datasource-properties.json").write_text(json.dumps(legacy_file()))
    for mag_dir in ("color/1", "color/2-2-1", "segmentation/1"):  # found by name: no paths
        (tmp_path / mag_dir).mkdir(parents=True)
    props = load_properties(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = wk.Dataset.open(tmp_path, read_only=True)
    assert props.scale.to_nanometer() == tuple(reference.voxel_size)
    for layer in props.data_layers:
        ref = reference.get_layer(layer.name)
        assert [m.mag.to_list() for m in layer.mags] == [m.to_list() for m in ref.mags]
        assert layer.bounding_box.to_tuple6() == ref.bounding_box.to_tuple6()
    assert props.get_layer("segmentation").largest_segment_id == (
        reference.get_layer("segmentation").largest_segment_id
    )


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("nm", "nanometer"), ("µm", "micrometer"), ("um", "micrometer"), ("Å", "angstrom"),
     ("micrometer", "micrometer")],
)  # fmt: skip
def test_unit_abbreviations_are_normalised(unit, expected):
    data = legacy_file()
    data["scale"] = {"factor": [1, 2, 3], "unit": unit}
    props = parse_properties(data)
    assert props.scale.unit == expected
    assert serialize_properties(props)["scale"] == {"factor": [1.0, 2.0, 3.0], "unit": expected}


def test_scale_without_unit_is_nanometers():
    data = legacy_file()
    data["scale"] = {"factor": [1, 2, 3]}
    assert parse_properties(data).scale == VoxelSize((1, 2, 3))


def test_unknown_keys_are_kept_at_every_level(reference_dataset):
    raw = read_json(reference_dataset)
    raw["futureTopLevel"] = {"a": [1, 2]}
    raw["dataLayers"][0]["sharding"] = "fancy"
    raw["dataLayers"][0]["boundingBox"]["comment"] = "exact"
    raw["dataLayers"][0]["mags"][1]["credentialId"] = "abc"
    raw["dataLayers"][3]["attachments"] = {
        "connectomes": [{"name": "c", "path": "x", "dataFormat": "hdf5"}]
    }
    props = parse_properties(copy.deepcopy(raw))
    assert props.extras == {"futureTopLevel": {"a": [1, 2]}}
    assert props.data_layers[0].extras == {"sharding": "fancy"}
    assert props.data_layers[0].mags[1].extras == {"credentialId": "abc"}
    assert serialize_properties(props) == raw


# ------------------------------------------------------------------- writing rules


def minimal_layer(**changes: object) -> LayerProperties:
    fields = {
        "name": "color",
        "category": "color",
        "bounding_box": BoundingBox((1, 2, 3), (4, 5, 6)),
        "data_format": "zarr3",
        "mags": (MagProperties(1, path="./color/1", axis_order=AXES),),
    }
    return LayerProperties(**{**fields, **changes})


def test_defaults_are_omitted_as_webknossos_omits_them():
    props = DatasetProperties(
        id={"name": "ds", "team": ""}, scale=VoxelSize((1, 1, 1)), data_layers=(minimal_layer(),)
    )
    assert serialize_properties(props) == {
        "id": {"name": "ds", "team": ""},
        "scale": {"factor": [1.0, 1.0, 1.0], "unit": "nanometer"},
        "dataLayers": [
            {
                "name": "color",
                "category": "color",
                "boundingBox": {"topLeft": [1, 2, 3], "width": 4, "height": 5, "depth": 6},
                "dataFormat": "zarr3",
                "mags": [{"mag": [1, 1, 1], "path": "./color/1", "axisOrder": AXES}],
                "numChannels": 1,
                "elementClass": "uint8",
            }
        ],
        "version": 1,
    }


@pytest.mark.parametrize(
    ("largest_segment_id", "written"),
    [
        (0, 0),
        (2**53 - 1, 2**53 - 1),
        (2**53, {"customJsonEncoding": "bigint", "value": str(2**53)}),
        (2**64 - 1, {"customJsonEncoding": "bigint", "value": str(2**64 - 1)}),
    ],
)
def test_large_segment_ids_use_the_bigint_form(largest_segment_id, written):
    layer = minimal_layer(category="segmentation", largest_segment_id=largest_segment_id)
    props = DatasetProperties(id={}, scale=VoxelSize((1, 1, 1)), data_layers=(layer,))
    out = serialize_properties(props)
    assert out["dataLayers"][0]["largestSegmentId"] == written
    assert parse_properties(out).data_layers[0].largest_segment_id == largest_segment_id


def test_channel_index_is_written_only_if_non_zero():
    zero = MagProperties(1, channel_index=0)
    two = MagProperties(2, channel_index=2)
    layer = minimal_layer(mags=(zero, two))
    props = DatasetProperties(id={}, scale=VoxelSize((1, 1, 1)), data_layers=(layer,))
    mags = serialize_properties(props)["dataLayers"][0]["mags"]
    assert mags == [{"mag": [1, 1, 1]}, {"mag": [2, 2, 2], "channelIndex": 2}]


def test_empty_mappings_attachments_and_axes_are_omitted():
    data = legacy_file()
    layer = data["dataLayers"][1]
    layer.update(mappings=[], attachments={"meshes": [], "cumsum": None}, additionalAxes=[])
    parsed = parse_properties(data).data_layers[1]
    assert (parsed.mappings, parsed.additional_axes) == ((), None)
    assert not parsed.attachments  # a segmentation layer's are empty, never None
    assert parsed.attachments.meshes is None
    written = round_trip(data)["dataLayers"][1]
    assert not {"mappings", "attachments", "additionalAxes"} & set(written)


def test_box_axis_order_is_dropped_once_the_layer_has_mags():
    layer = minimal_layer(mags=(), bounding_box_extras={"axisOrder": AXES})
    props = DatasetProperties(id={}, scale=VoxelSize((1, 1, 1)), data_layers=(layer,))
    assert serialize_properties(props)["dataLayers"][0]["boundingBox"]["axisOrder"] == AXES
    with_mag = props.with_layer(layer.with_mag(MagProperties(1, axis_order=AXES)))
    assert "axisOrder" not in serialize_properties(with_mag)["dataLayers"][0]["boundingBox"]


def test_extras_must_not_shadow_written_keys():
    layer = minimal_layer(extras={"numChannels": 3})
    props = DatasetProperties(id={}, scale=VoxelSize((1, 1, 1)), data_layers=(layer,))
    with pytest.raises(InvalidArgumentError, match=r"numChannels"):
        serialize_properties(props)


def test_parse_neither_changes_nor_shares_the_input():
    data = legacy_file()
    data["defaultViewConfiguration"] = {"zoom": 1.5}
    before = copy.deepcopy(data)
    props = parse_properties(data)
    assert data == before
    data["defaultViewConfiguration"]["zoom"] = 99
    assert props.default_view_configuration == {"zoom": 1.5}
    out = serialize_properties(props)
    out["defaultViewConfiguration"]["zoom"] = 7
    assert props.default_view_configuration == {"zoom": 1.5}


@pytest.mark.parametrize("data_format", ["n5", "neuroglancerPrecomputed"])
def test_read_only_formats_are_accepted(data_format):
    data = legacy_file()
    data["dataLayers"][1]["dataFormat"] = data_format
    assert round_trip(data)["dataLayers"][1]["dataFormat"] == data_format


# ---------------------------------------------------------------------- malformed files


def _set(path, value):
    def change(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _delete(path):
    def change(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        del target[last]

    return change


L0, L1 = ("dataLayers", 0), ("dataLayers", 1)
MALFORMED = [
    (_delete(("dataLayers",)), "dataLayers", "missing"),
    (_set(("dataLayers",), {"color": {}}), "dataLayers", "JSON array"),
    (_delete(("id",)), "id", "missing"),
    (_delete(("scale",)), "scale", "missing"),
    (_set(("scale",), [1, 1]), "scale", "three finite numbers"),
    (_set(("scale",), {"factor": [1, 0, 1], "unit": "nm"}), "scale.factor", "> 0"),
    (_set(("scale",), {"factor": [1, 1, 1], "unit": "furlong"}), "scale.unit", "'furlong'"),
    (_set(("version",), "1"), "version", "an integer"),
    (_set(L0, []), "dataLayers[0]", "a JSON object"),
    (_delete((*L0, "name")), "dataLayers[0].name", "missing"),
    (_set((*L0, "category"), "colour"), "dataLayers[0].category", "'color' or 'segmentation'"),
    (_set((*L0, "dataFormat"), "tiff"), "dataLayers[0].dataFormat", "'tiff'"),
    (_delete((*L0, "boundingBox")), "dataLayers[0].boundingBox", "missing"),
    (_set((*L0, "boundingBox"), [0, 0, 0, 1, 1, 1]), "dataLayers[0].boundingBox", "a JSON object"),
    (_set((*L0, "boundingBox", "topLeft"), [0, 0]), "dataLayers[0].boundingBox.topLeft", "3 integers"),
    (_set((*L0, "boundingBox", "topLeft"), [0, -1, 0]), "dataLayers[0].boundingBox.topLeft[1]", ">= 0"),
    (_set((*L0, "boundingBox", "width"), -5), "dataLayers[0].boundingBox.width", ">= 0"),
    (_set((*L0, "boundingBox", "depth"), 1.5), "dataLayers[0].boundingBox.depth", "an integer"),
    (_delete((*L0, "boundingBox", "height")), "dataLayers[0].boundingBox.height", "missing"),
    (_set((*L0, "elementClass"), "uint7"), "dataLayers[0].elementClass", "'uint7'"),
    (_set((*L0, "elementClass"), "uint24"), "dataLayers[0].elementClass", "bits per channel"),
    (_delete((*L0, "elementClass")), "dataLayers[0].elementClass", "missing"),
    (_set((*L0, "numChannels"), 0), "dataLayers[0].numChannels", ">= 1"),
    (_delete((*L0, "wkwResolutions")), "dataLayers[0].mags", "missing"),
    (_set((*L0, "wkwResolutions", 1, "resolution"), [3, 3, 3]),
     "dataLayers[0].wkwResolutions[1].resolution", "powers of two"),
    (_set((*L0, "wkwResolutions", 1), {"resolution": 1}), "dataLayers[0]", "appears twice"),
    (_set((*L0, "wkwResolutions", 0, "cubeLength"), 0),
     "dataLayers[0].wkwResolutions[0].cubeLength", ">= 1"),
    (_set((*L1, "mags"), [{"mag": [1, 1, 1], "axisOrder": {"c": 0, "x": 1, "y": 2, "z": 3}},
                          {"mag": [2, 2, 2], "axisOrder": {"c": 3, "x": 0, "y": 1, "z": 2}}]),
     "dataLayers[1]", "same axis order"),
    (_set((*L1, "mags", 0, "path"), 7), "dataLayers[1].mags[0].path", "a string"),
    (_set((*L1, "mags", 0, "axisOrder"), {"x": "first"}), "dataLayers[1].mags[0].axisOrder.x", "an integer"),
    (_set((*L1, "largestSegmentId"), "12"), "dataLayers[1].largestSegmentId", "bigint"),
    (_set((*L1, "largestSegmentId"), {"customJsonEncoding": "bigint", "value": "1e9"}),
     "dataLayers[1].largestSegmentId.value", "decimal digits"),
    (_set((*L1, "mappings"), "agglomerate"), "dataLayers[1].mappings", "JSON array"),
    (_set((*L1, "coordinateTransformations"), [{"type": "rotation"}]),
     "dataLayers[1].coordinateTransformations[0].type", "`affine`"),
    (_set((*L1, "coordinateTransformations"), [{"type": "affine", "matrix": [[1, 0], [0, 1]]}]),
     "dataLayers[1].coordinateTransformations[0].matrix", "4x4"),
    (_set((*L1, "additionalAxes"), [{"name": "t", "bounds": [5, 2], "index": 0}]),
     "dataLayers[1].additionalAxes[0].bounds", "lower <= upper"),
    (_set((*L1, "name"), "color"), "dataLayers[1].name", "unique layer name"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "json_path", "expected"), MALFORMED)
def test_malformed_files_raise_properties_error(tmp_path, change, json_path, expected):
    data = legacy_file()
    change(data)
    file = tmp_path / "datasource-properties.json"
    file.write_text(json.dumps(data))
    with pytest.raises(PropertiesError) as info:
        load_properties(tmp_path)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.json_path == json_path
    assert str(file) in str(error)
    assert json_path in str(error)
    assert expected in str(error)
    assert "expected" in error.detail


def test_not_json_names_the_position():
    with pytest.raises(PropertiesError, match=r"my\.json: not valid JSON .*line 1 column 2"):
        loads_properties("{not json", source="my.json")


def test_document_must_be_an_object():
    with pytest.raises(PropertiesError, match=r"<dict>: found \[1, 2\]; expected a JSON object"):
        parse_properties([1, 2])


def test_properties_error_pickles():
    import pickle

    error = PropertiesError("f.json", "dataLayers[0]", "found 1; expected a JSON object")
    again = pickle.loads(pickle.dumps(error))
    assert (again.source, again.json_path, str(again)) == ("f.json", "dataLayers[0]", str(error))
