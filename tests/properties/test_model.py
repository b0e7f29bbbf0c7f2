from __future__ import annotations

import dataclasses
import pickle

import pytest

from wkdist.errors import InvalidArgumentError, NotFoundError
from wkdist.geometry import BoundingBox, Mag
from wkdist.properties import DatasetProperties, LayerProperties, MagProperties, VoxelSize

AXES = {"c": 0, "x": 1, "y": 2, "z": 3}
BOX = BoundingBox((0, 0, 0), (64, 64, 32))


def layer(name="color", **changes: object) -> LayerProperties:
    fields = {
        "name": name,
        "category": "color",
        "bounding_box": BOX,
        "data_format": "zarr3",
        "mags": [MagProperties(1, path=f"./{name}/1", axis_order=AXES)],
    }
    return LayerProperties(**{**fields, **changes})


def dataset(*layers: LayerProperties) -> DatasetProperties:
    return DatasetProperties(
        id={"name": "ds", "team": ""}, scale=VoxelSize((11, 11, 24)), data_layers=layers
    )


# ---------------------------------------------------------------------- MagProperties


def test_mag_properties_convert_mag_like_values():
    assert MagProperties("2-2-1").mag == Mag((2, 2, 1))
    assert MagProperties([4, 4, 4]).mag == Mag(4)
    assert MagProperties(Mag(1), extras={"a": 1}).extras == {"a": 1}


@pytest.mark.parametrize(
    ("changes", "match"),
    [({"mag": 3}, "powers of two"), ({"path": 1}, "path=1"), ({"cube_length": 0}, "cube_length=0"),
     ({"channel_index": -1}, "channel_index=-1"), ({"axis_order": {"x": -1}}, "axis_order="),
     ({"axis_order": ["x"]}, "axis_order="), ({"extras": [1]}, "extras=")],
)  # fmt: skip
def test_mag_properties_reject(changes, match):
    with pytest.raises(InvalidArgumentError, match=match):
        MagProperties(**{"mag": 1, **changes})


# -------------------------------------------------------------------- LayerProperties


def test_layer_sequences_become_tuples():
    props = layer(
        mappings=["m"], coordinate_transformations=[{"type": "affine"}], additional_axes=[]
    )
    assert isinstance(props.mags, tuple)
    assert props.mappings == ("m",)
    assert props.coordinate_transformations == ({"type": "affine"},)
    assert props.additional_axes == ()


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": ""}, "name=''"),
        ({"category": "colour"}, "'color' or 'segmentation'"),
        ({"data_format": "tiff"}, "data_format='tiff'"),
        ({"bounding_box": (0, 0, 0, 1, 1, 1)}, "expected a BoundingBox"),
        ({"bounding_box": BoundingBox((-1, 0, 0), (1, 1, 1))}, "topleft >= 0"),
        ({"num_channels": 0}, "num_channels=0"),
        ({"element_class": "uint24"}, "bits per channel"),
        ({"largest_segment_id": 1.5}, "largest_segment_id=1.5"),
        ({"mags": [MagProperties(1), MagProperties([1, 1, 1])]}, "appears twice"),
        ({"mags": [MagProperties(1, axis_order=AXES), MagProperties(2)]}, "same axis order"),
        ({"mags": [1]}, "expected only MagProperties"),
        ({"mags": "1"}, "expected a sequence"),
        ({"mappings": [1]}, "expected only str"),
        ({"attachments": [1]}, "attachments="),
    ],
)
def test_layer_properties_reject(changes, match):
    with pytest.raises(InvalidArgumentError, match=match):
        layer(**changes)


def test_layer_mag_helpers_return_new_objects():
    original = layer()
    two = MagProperties("2-2-1", path="./color/2-2-1", axis_order=AXES)
    grown = original.with_mag(two)
    assert [m.mag for m in grown.mags] == [Mag(1), Mag("2-2-1")]
    assert [m.mag for m in original.mags] == [Mag(1)]
    assert grown.get_mag((2, 2, 1)) is two

    replaced = grown.with_mag(MagProperties(1, path="/elsewhere/1", axis_order=AXES))
    assert [m.path for m in replaced.mags] == ["/elsewhere/1", "./color/2-2-1"]

    assert replaced.without_mag("2-2-1").mags == (replaced.mags[0],)
    assert original.with_bounding_box(BoundingBox((1, 1, 1), (2, 2, 2))).bounding_box == (
        BoundingBox((1, 1, 1), (2, 2, 2))
    )
    assert original.bounding_box == BOX


def test_missing_mag_error_lists_the_mags():
    with pytest.raises(NotFoundError, match=r"mag 4 is not in layer 'color'; its mags are \['1'\]"):
        layer().get_mag(4)
    with pytest.raises(NotFoundError, match="mag 2-2-1"):
        layer().without_mag("2-2-1")


def test_with_mag_checks_its_argument():
    with pytest.raises(InvalidArgumentError, match="expected MagProperties"):
        layer().with_mag(Mag(2))  # type: ignore[arg-type]


# ------------------------------------------------------------------ DatasetProperties


def test_dataset_layer_helpers_return_new_objects():
    original = dataset(layer("a"), layer("b"))
    assert original.layer_names == ("a", "b")
    assert original.get_layer("b").name == "b"

    changed_a = layer("a", num_channels=3, element_class="uint24")
    replaced = original.with_layer(changed_a)
    assert replaced.layer_names == ("a", "b")
    assert replaced.get_layer("a") is changed_a
    appended = replaced.with_layer(layer("c"))
    assert appended.layer_names == ("a", "b", "c")
    assert appended.without_layer("b").layer_names == ("a", "c")
    assert original.layer_names == ("a", "b")
    assert original.get_layer("a").num_channels == 1


def test_missing_layer_error_lists_the_layers():
    with pytest.raises(NotFoundError, match=r"layer 'x' is not in .*\['a', 'b'\]"):
        dataset(layer("a"), layer("b")).get_layer("x")
    with pytest.raises(NotFoundError, match="layer 'x'"):
        dataset(layer("a")).without_layer("x")


@pytest.mark.parametrize(
    ("changes", "match"),
    [({"data_layers": (layer("a"), layer("a"))}, r"\['a'\] appear more than once"),
     ({"scale": (1, 1, 1)}, "expected a VoxelSize"), ({"id": "ds"}, "id="),
     ({"version": "1"}, "version='1'"), ({"extras": None}, "extras=None")],
)  # fmt: skip
def test_dataset_properties_reject(changes, match):
    with pytest.raises(InvalidArgumentError, match=match):
        dataclasses.replace(dataset(), **changes)


def test_values_are_frozen_and_pickle():
    props = dataset(layer("a", extras={"k": [1]}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        props.version = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        props.data_layers[0].name = "b"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(props)) == props


def test_constructors_copy_mappings():
    extras = {"k": 1}
    props = layer(extras=extras)
    extras["k"] = 2
    assert props.extras == {"k": 1}
