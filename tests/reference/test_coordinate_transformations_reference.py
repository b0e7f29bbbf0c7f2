"""Reference cases: coordinate transformations of a layer (rendering metadata).

Re-stated from webknossos-libs ``webknossos/tests/dataset/test_transform_layer.py``;
the same calls run against ``webknossos`` 4.3.3 with ``WKDIST_REFERENCE_IMPL=webknossos``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from .reference_support import read_properties, wk


def _moved(transformation, point):
    matrix = transformation.matrix
    return np.round(matrix[:3, :3] @ np.array(point, float) + matrix[:3, 3], 6).tolist()


def test_affine_builders_and_values():
    affine = wk.AffineCoordinateTransformation
    assert _moved(affine.from_rotation("z", 90), (1, 0, 0)) == [0, 1, 0]
    assert _moved(affine.from_rotation("x", 90), (0, 1, 0)) == [0, 0, 1]
    assert _moved(affine.from_rotation("y", 90), (0, 0, 1)) == [1, 0, 0]
    shift, double = affine.from_translation((1, 2, 3)), affine.from_scale((2, 2, 2))
    assert _moved(shift.chain(double), (0, 0, 0)) == [2, 4, 6]
    assert affine.identity().translate((1, 2, 3)).scale((2, 2, 2)) == shift.chain(double)
    assert _moved(affine.identity().flip("x"), (3, 4, 5)) == [-3, 4, 5]
    matrix = np.eye(4)
    value = affine(matrix=matrix)
    matrix[0, 3] = 5  # the caller's array is not shared
    assert value == affine.identity()
    assert copy.deepcopy(value) is value
    with pytest.raises(ValueError, match="read-only"):
        value.matrix[0, 0] = 2
    with pytest.raises(ValueError):
        affine(matrix=np.eye(3))
    with pytest.raises(ValueError):
        affine.from_rotation("w", 90)


def test_thin_plate_spline_values():
    spline = wk.ThinPlateSplineCoordinateTransformation.from_pairs(
        [[(0, 0, 0), (1, 1, 1)], [(0.5, 2, 3), np.array([4, 5, 6.25])]]
    )
    assert spline.pairs[1] == (wk.Vec3Float(0.5, 2, 3), wk.Vec3Float(4, 5, 6.25))
    assert wk.ThinPlateSplineCoordinateTransformation.from_pairs(spline.pairs) == spline
    for bad in ([], [[(0, 0, 0)]], [[(0, 0), (1, 1, 1)]]):
        with pytest.raises(ValueError):
            wk.ThinPlateSplineCoordinateTransformation.from_pairs(bad)
    with pytest.raises(ValueError):
        wk.ThinPlateSplineCoordinateTransformation(source=[[0, 0, 0]], target=[[0, 0, 0]] * 2)


def test_layer_coordinate_transformations_on_disk(tmp_path):
    dataset = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = dataset.add_layer("color", "color")
    assert layer.coordinate_transformations == ()
    affine = wk.AffineCoordinateTransformation.from_translation((10, 20, 30))
    spline = wk.ThinPlateSplineCoordinateTransformation(source=[[0, 0, 0]], target=[[1, 2, 3]])
    layer.coordinate_transformations = [affine, spline]
    stored = read_properties(dataset.path)["dataLayers"][0]["coordinateTransformations"]
    assert stored == [
        {"type": "affine", "matrix": affine.matrix.tolist()},
        {
            "type": "thin_plate_spline",
            "correspondences": {"source": [[0.0, 0.0, 0.0]], "target": [[1.0, 2.0, 3.0]]},
        },
    ]
    reopened = wk.Dataset.open(dataset.path).get_layer("color")
    assert reopened.coordinate_transformations == (affine, spline)
    reopened.coordinate_transformations = []
    assert "coordinateTransformations" not in read_properties(dataset.path)["dataLayers"][0]


# ref: test_dataset.py::test_copy_preserves_layer_metadata
def test_copied_and_like_layers_share_no_stored_transformations(tmp_path):
    layer = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1)).add_layer("color", "color")
    layer.add_mag(1)
    affine = wk.AffineCoordinateTransformation.from_translation((1, 2, 3))
    layer.coordinate_transformations = (affine,)
    target = wk.Dataset(tmp_path / "target", voxel_size=(1, 1, 1))
    for made in (target.add_layer_like(layer, "like"), target.add_layer_as_copy(layer, "copy")):
        assert made.coordinate_transformations == (affine,)
        assert made._properties.coordinate_transformations is not (
            layer._properties.coordinate_transformations
        )
        made.coordinate_transformations = []
        assert layer.coordinate_transformations == (affine,)


# ref: test_transform_layer.py::test_coordinate_transformation_validation,
#      geometry/test_vec3_float.py::test_serialization_round_trip
def test_converter_round_trip_and_unknown_transformation():
    import importlib
    import json

    from .reference_support import IMPL

    properties_module = importlib.import_module(f"{IMPL}.dataset_properties")
    converter = properties_module.get_dataset_converter()
    assert converter.unstructure(wk.VoxelSize((1, 1, 2))) == {
        "factor": [1.0, 1.0, 2.0], "unit": "nanometer"
    }  # fmt: skip
    data = {"id": {"name": "d", "team": "t"}, "scale": {"factor": [1, 1, 2], "unit": "nanometer"},
            "dataLayers": [], "version": 1}  # fmt: skip
    properties = converter.structure(data, properties_module.DatasetProperties)
    assert isinstance(properties.scale.factor, wk.Vec3Float)
    again = json.loads(json.dumps(converter.unstructure(properties)))
    assert converter.structure(again, properties_module.DatasetProperties) == properties
    layer = {"name": "color", "category": "color", "elementClass": "uint8", "dataFormat": "wkw",
             "boundingBox": {"topLeft": [0, 0, 0], "width": 1, "height": 1, "depth": 1},
             "wkwResolutions": [], "coordinateTransformations": [{"type": "shift"}]}  # fmt: skip
    with pytest.raises(Exception) as error:  # noqa: PT011 - webknossos wraps it in a group
        converter.structure({**data, "dataLayers": [layer]}, properties_module.DatasetProperties)
    leaves = [error.value]
    while hasattr(leaves[0], "exceptions"):
        leaves = list(leaves[0].exceptions)
    assert isinstance(leaves[0], ValueError)
    assert "`affine` or `thin_plate_spline`" in str(leaves[0])
