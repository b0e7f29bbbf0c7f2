"""Layers with a time axis ``t`` (and without a channel axis), exchanged with the real
``webknossos`` 4.3.3 and read by zarr-python and tensorstore.

The same calls build a layer with wkdist and with webknossos; then each library
reads what the other wrote, the ``datasource-properties.json`` entries are equal,
and the arrays carry the axes as ``dimension_names``.
"""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import tensorstore as ts
import zarr

import wkdist
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, NDBoundingBox

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import webknossos as wk

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

XYZT = {"topleft": (0, 0, 0, 0), "size": (20, 16, 8, 3), "axes": ("x", "y", "z", "t"),
        "index": (0, 1, 2, 3)}  # fmt: skip
CXYZT = {"topleft": (0, 0, 0, 0, 2), "size": (1, 20, 16, 8, 3), "axes": ("c", "x", "y", "z", "t"),
         "index": (0, 1, 2, 3, 4)}  # fmt: skip


def _data(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 60000, shape, dtype=np.uint16)


def _build(
    lib: ModuleType, path: Path, box: dict[str, Any], data_format: str, data: np.ndarray
) -> None:
    """The same calls with either library: a uint16 layer over ``box``, mag 1 written whole."""
    dataset = lib.Dataset(path, voxel_size=(11, 11, 25))
    layer = dataset.add_layer(
        "color",
        "color",
        dtype="uint16",
        data_format=data_format,
        bounding_box=lib.NDBoundingBox(**box),
    )
    mag = layer.add_mag(1, chunk_shape=8, shard_shape=8 if data_format == "zarr" else 16)
    mag.write(data, absolute_bounding_box=layer.bounding_box, allow_unaligned=True)


def _layer_json(path: Path) -> dict[str, Any]:
    layers = json.loads((path / "datasource-properties.json").read_text())["dataLayers"]
    return dict(layers[0])


@pytest.mark.parametrize("data_format", ["zarr3", "zarr"])
def test_t_axis_layer_exchanged_with_webknossos(tmp_path: Path, data_format: str) -> None:
    data = _data((20, 16, 8, 3), 1)
    _build(wkdist, tmp_path / "wkdist", XYZT, data_format, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _build(wk, tmp_path / "wk", XYZT, data_format, data)
    assert _layer_json(tmp_path / "wkdist") == _layer_json(tmp_path / "wk")
    assert _layer_json(tmp_path / "wkdist")["additionalAxes"] == [
        {"name": "t", "bounds": [0, 3], "index": 3}
    ]
    # each library reads what the other wrote (Zarr v2 names no axes: webknossos
    # writes none, wkdist keeps them in .zattrs; unnamed arrays take the layer's axes)
    ours = wkdist.Dataset.open(tmp_path / "wk").get_layer("color")
    assert ours.bounding_box == NDBoundingBox(**XYZT)
    np.testing.assert_array_equal(ours.get_mag(1).read(), data)
    ours.get_mag(1).write(data[..., :1] // 2, absolute_offset=(0, 0, 0), allow_unaligned=True)
    np.testing.assert_array_equal(ours.get_mag(1).read()[..., 0], data[..., 0] // 2)
    if data_format == "zarr":
        attributes = json.loads((tmp_path / "wkdist" / "color" / "1" / ".zattrs").read_text())
        assert attributes == {"_ARRAY_DIMENSIONS": ["x", "y", "z", "t"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = wk.Dataset.open(tmp_path / "wkdist").get_layer("color")
        np.testing.assert_array_equal(theirs.get_mag(1).read(), data)
        box = theirs.bounding_box.with_bounds("t", 1, 1)
        np.testing.assert_array_equal(
            theirs.get_mag(1).read_cxyz(absolute_bounding_box=box), data[None, ..., 1]
        )


def test_t_axis_zarr3_read_by_zarr_and_tensorstore(tmp_path: Path) -> None:
    data = _data((1, 20, 16, 8, 3), 2)
    _build(wkdist, tmp_path / "ds", CXYZT, "zarr3", data)
    path = tmp_path / "ds" / "color" / "1"
    array = zarr.open_array(path, mode="r")
    assert array.metadata.dimension_names == ("c", "x", "y", "z", "t")
    np.testing.assert_array_equal(array[:, :20, :16, :8, 2:5], data)
    store = ts.open({"driver": "zarr3", "kvstore": {"driver": "file", "path": str(path)}}).result()
    np.testing.assert_array_equal(store[:, :20, :16, :8, 2:5].read().result(), data)
    assert not store[:, :, :, :, :2].read().result().any()  # before the layer's t range


def test_t_axis_written_by_webknossos_read_and_extended_by_wkdist(tmp_path: Path) -> None:
    data = _data((1, 20, 16, 8, 3), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _build(wk, tmp_path / "ds", CXYZT, "zarr3", data)
    layer = wkdist.Dataset.open(tmp_path / "ds").get_layer("color")
    mag = layer.get_mag(1)
    assert mag.info.axes == ("c", "x", "y", "z", "t")
    np.testing.assert_array_equal(mag.read(), data)
    assert mag.get_zarr_array().domain.labels == ("c", "x", "y", "z", "t")
    # one time point, as (C, X, Y, Z), through a 5-d box and through a sub-view
    one = NDBoundingBox(**CXYZT).with_bounds("t", 3, 1)
    np.testing.assert_array_equal(mag.read_cxyz(absolute_bounding_box=one), data[..., 1])
    np.testing.assert_array_equal(mag.get_view(absolute_bounding_box=one).read(), data[..., 1:2])
    # wkdist writes a new time point beyond the box: the layer grows along t
    extra = _data((1, 20, 16, 8), 4)
    mag.write_cxyz(extra, absolute_bounding_box=one.with_bounds("t", 5, 1), allow_unaligned=True)
    assert layer.bounding_box.get_bounds("t") == (2, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = wk.Dataset.open(tmp_path / "ds").get_layer("color").get_mag(1)
        np.testing.assert_array_equal(theirs.read()[..., :3], data)
        np.testing.assert_array_equal(theirs.read()[..., 3], extra)
    # a wkdist copy (files as they are, and re-chunked) keeps the axes
    source = wkdist.Dataset.open(tmp_path / "ds")
    source.copy_dataset(tmp_path / "copy")
    source.copy_dataset(tmp_path / "rechunked", chunk_shape=16, shard_shape=32)
    for copy in ("copy", "rechunked"):
        assert _layer_json(tmp_path / copy) == _layer_json(tmp_path / "ds")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copied = wk.Dataset.open(tmp_path / copy).get_layer("color").get_mag(1).read()
        np.testing.assert_array_equal(copied, mag.read())


def test_layer_without_channel_axis_from_zarr_array(tmp_path: Path) -> None:
    layer = wkdist.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1)).add_layer(
        "color", "color", data_format="zarr3",
        bounding_box=NDBoundingBox((0, 0, 0), (16, 16, 16), axes=("x", "y", "z")),
    )  # fmt: skip
    data = np.arange(16**3, dtype=np.uint8).reshape(16, 16, 16)
    source = zarr.create_array(tmp_path / "a.zarr", shape=(16, 16, 16), chunks=(8, 8, 8), dtype="uint8")
    source[:] = data
    mag = layer.add_mag_from_zarrarray(1, tmp_path / "a.zarr", extend_layer_bounding_box=False)
    np.testing.assert_array_equal(mag.read(), data)
    np.testing.assert_array_equal(mag.read_cxyz(), data[None])
    assert mag.info.bounding_box.axes == ("x", "y", "z")
    # write_cxyz with the offset keywords, and a sub-view of the first octant
    mag.write_cxyz(data[None] // 2, relative_offset=(0, 0, 0), absolute_bounding_box=None)
    view = mag.get_view(absolute_bounding_box=BoundingBox((0, 0, 0), (8, 8, 8)))
    np.testing.assert_array_equal(view.read(), data[:8, :8, :8] // 2)


def test_upsample_t_axis_and_refused_jobs(tmp_path: Path) -> None:
    dataset = wkdist.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = dataset.add_layer(
        "color", "color", dtype="uint16", data_format="zarr3",
        bounding_box=NDBoundingBox(**CXYZT),
    )  # fmt: skip
    coarse = layer.add_mag(2, chunk_shape=8, shard_shape=16)
    data = _data((1, 10, 8, 4, 3), 5)
    coarse.write(data, allow_unaligned=True)
    layer.upsample(from_mag=2, finest_mag=1)
    expected = data.repeat(2, axis=1).repeat(2, axis=2).repeat(2, axis=3)
    np.testing.assert_array_equal(layer.get_mag(1).read(), expected)
    # jobs that plan in x, y, z only refuse before writing anything
    with pytest.raises(InvalidArgumentError, match="axes c, x, y, z"):
        layer.downsample(from_mag=1, coarsest_mag=4)
    assert sorted(m.to_layer_name() for m in layer.mags) == ["1", "2"]  # nothing added
    with pytest.raises(InvalidArgumentError, match="axes c, x, y, z"):
        layer.get_mag(1).for_each_chunk(lambda args: None)
    raw = layer.add_mag(4, chunk_shape=8, shard_shape=16, compress=False)
    with pytest.raises(InvalidArgumentError, match="axes c, x, y, z"):
        raw.compress()
    assert not raw.info.compressed
    with pytest.raises(InvalidArgumentError, match="t"):
        layer.get_mag(1).read_cxyz()  # three time points do not fit (C, X, Y, Z)
    with pytest.raises(InvalidArgumentError, match="WKW"):
        dataset.add_layer("wkw", "color", data_format="wkw", bounding_box=NDBoundingBox(**CXYZT))
    assert isinstance(dataset.get_layer("color").get_mag(1).bounding_box, NDBoundingBox)
    assert not isinstance(dataset.get_layer("color").get_mag(1).bounding_box, BoundingBox)


def test_2d_layer_exchanged_with_webknossos(tmp_path: Path) -> None:
    data = np.arange(200, dtype=np.uint8).reshape(1, 10, 20, 1)  # (C, X, Y, Z)
    for lib in (wkdist, wk):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = lib.NDBoundingBox((0, 0), (10, 20), axes=("x", "y"))
            dataset = lib.Dataset(tmp_path / lib.__name__, voxel_size=(1, 1, 1))
            layer = dataset.add_layer("color", "color", bounding_box=box, data_format="zarr3")
            layer.add_mag(1).write_cxyz(data, absolute_bounding_box=box)
    assert _layer_json(tmp_path / "wkdist") == _layer_json(tmp_path / "webknossos")
    assert _layer_json(tmp_path / "wkdist")["boundingBox"]["topLeft"] == [0, 0, None]
    mag = wkdist.Dataset.open(tmp_path / "webknossos").get_layer("color").get_mag(1)
    np.testing.assert_array_equal(mag.read(), data[0, :, :, 0])
    np.testing.assert_array_equal(mag.read_cxyz(), data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = wk.Dataset.open(tmp_path / "wkdist").get_layer("color").get_mag(1)
        np.testing.assert_array_equal(theirs.read(), data[0, :, :, 0])
