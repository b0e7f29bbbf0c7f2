"""Reference cases: layers and mags that reference another dataset's files, file-level
mag copies, shallow dataset copies, layers made like another, ``write_layer`` and
``as_segmentation_layer``.

Each test runs against wkdist and, with ``WKDIST_REFERENCE_IMPL=webknossos``, against
webknossos 4.3.3: same calls, same files, same arrays, same JSON.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from .reference_support import (
    FORMATS,
    IS_WKDIST,
    layer_json,
    only_wkdist,
    random_uint8,
    read_properties,
    wk,
)


def _source(tmp_path, data_format):
    """A dataset with a 10×20×30 color layer (mags 1 and 2) and an empty segmentation."""
    ds = wk.Dataset(tmp_path / "source", voxel_size=(1, 1, 1))
    color = ds.add_layer(
        "color", "color", dtype="uint8", data_format=data_format,
        bounding_box=wk.BoundingBox((0, 0, 0), (10, 20, 30)),
    )
    color.add_mag(1).write(random_uint8((10, 20, 30)))
    color.add_mag(2).write(random_uint8((5, 10, 15), seed=2))
    ds.add_layer("segmentation", "segmentation", data_format=data_format,
                 largest_segment_id=999).add_mag(1)
    return ds


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("by_path", [False, True])
def test_layer_as_ref_points_at_the_foreign_files(tmp_path, data_format, by_path):
    source = _source(tmp_path, data_format)
    ds = wk.Dataset(tmp_path / "refs", voxel_size=(1, 1, 1))
    color = ds.add_layer_as_ref(tmp_path / "source" / "color" if by_path else source.get_layer("color"))
    seg = ds.add_layer_as_ref(source.get_layer("segmentation"), new_layer_name="seg")

    assert [m["path"] for m in layer_json(ds.path, "color")["mags"]] == [
        str((tmp_path / "source" / "color" / name).resolve()) for name in ("1", "2")
    ]
    assert not (tmp_path / "refs" / "color").exists()
    assert not (tmp_path / "refs" / "seg").exists()
    assert seg.as_segmentation_layer().largest_segment_id == 999
    assert not color.read_only and color.get_mag(1).read_only
    with pytest.raises(RuntimeError):
        color.get_mag(1).write(random_uint8((10, 10, 10)), allow_unaligned=True)
    np.testing.assert_array_equal(
        color.get_mag(1).read(), source.get_layer("color").get_mag(1).read()
    )
    assert wk.Dataset.open(ds.path).get_layer("seg").bounding_box == seg.bounding_box

    # The layer stays writable: a new mag is created in this dataset, a rename moves nothing.
    color.add_mag(4)
    assert (tmp_path / "refs" / "color" / "4").exists()
    color.name = "color2"
    assert (tmp_path / "source" / "color" / "1").exists()


@pytest.mark.parametrize("data_format", FORMATS)
def test_mag_as_ref_grows_the_box_and_is_deleted_without_its_files(tmp_path, data_format):
    source = _source(tmp_path, data_format)
    ds = wk.Dataset(tmp_path / "refs", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", dtype="uint8", data_format=data_format,
                         bounding_box=wk.BoundingBox((6, 6, 6), (10, 20, 30)))
    layer.add_mag(1).write(random_uint8((10, 20, 30), seed=3), absolute_offset=(6, 6, 6))

    ref2 = layer.add_mag_as_ref(source.get_layer("color").get_mag(2))
    ref8 = layer.add_mag_as_ref(tmp_path / "source" / "color" / "1", mag=8)

    # Mag 1's voxels as mag 8 cover eight times the source layer's box.
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (80, 160, 240))
    assert [m["path"] for m in layer_json(ds.path, "color")["mags"]] == [
        "./color/1",
        str((tmp_path / "source" / "color" / "2").resolve()),
        str((tmp_path / "source" / "color" / "1").resolve()),
    ]
    assert ref2.read_only and ref8.read_only and not layer.get_mag(1).read_only
    np.testing.assert_array_equal(
        ref2.read(absolute_offset=(0, 0, 0), size=(10, 20, 30)),
        source.get_layer("color").get_mag(2).read(),
    )
    layer.delete_mag(2)
    assert (tmp_path / "source" / "color" / "2").exists()
    assert wk.Mag(2) not in wk.Dataset.open(ds.path).get_layer("color").mags
    # a mag the source layer's box (10, 20, 30) is not aligned with keeps that box
    source.get_layer("color").add_mag(4).write(random_uint8((3, 5, 8), seed=4))
    layer.add_mag_as_ref(tmp_path / "source" / "color" / "4")
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (80, 160, 240))


@pytest.mark.parametrize("data_format", FORMATS)
def test_fs_copy_mag_copies_the_files(tmp_path, data_format):
    source = _source(tmp_path, data_format)
    ds = wk.Dataset(tmp_path / "copy", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", dtype="uint8", data_format=data_format)
    copied = layer.add_fs_copy_mag(source.get_layer("color").get_mag(2))

    assert (tmp_path / "copy" / "color" / "2").is_dir()
    assert not copied.read_only
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (10, 20, 30))
    np.testing.assert_array_equal(copied.read(), source.get_layer("color").get_mag(2).read())


@only_wkdist  # webknossos 4.3.3 fails here: its bounding-box update mixes 3 and 4 axes
def test_mag_from_zarr_array_is_copied_or_moved(tmp_path):
    source = _source(tmp_path, "zarr3")
    ds = wk.Dataset(tmp_path / "target", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", dtype="uint8", data_format="zarr3")
    mag = layer.add_mag_from_zarrarray(1, source.get_layer("color").get_mag(1).path)
    np.testing.assert_array_equal(
        mag.read(absolute_offset=(0, 0, 0), size=(10, 20, 30)),
        source.get_layer("color").get_mag(1).read(),
    )
    assert (tmp_path / "source" / "color" / "1").exists()
    layer.add_mag_from_zarrarray(2, source.get_layer("color").get_mag(2).path, move=True)
    assert not (tmp_path / "source" / "color" / "2").exists()
    assert (tmp_path / "target" / "color" / "2").exists()


@pytest.mark.parametrize("data_format", FORMATS)
def test_shallow_copy_references_every_layer(tmp_path, data_format):
    source = _source(tmp_path, data_format)
    copy = source.shallow_copy_dataset(tmp_path / "shallow", layers_to_ignore=["segmentation"])
    assert list(copy.layers) == ["color"]
    assert copy.name == source.name
    assert not (tmp_path / "shallow" / "color").exists()
    np.testing.assert_array_equal(
        copy.get_layer("color").get_mag(2).read(), source.get_layer("color").get_mag(2).read()
    )
    with pytest.warns(DeprecationWarning):
        source.shallow_copy_dataset(tmp_path / "shallow2", make_relative=True)


def test_layer_like_has_the_properties_but_no_mags(tmp_path):
    source = _source(tmp_path, "zarr3")
    ds = wk.Dataset(tmp_path / "like", voxel_size=(1, 1, 1))
    like = ds.add_layer_like(source.get_layer("segmentation"), "seg")
    assert like.category == "segmentation"
    assert like.as_segmentation_layer().largest_segment_id == 999
    assert like.dtype_per_channel == source.get_layer("segmentation").dtype_per_channel
    assert like.bounding_box == source.get_layer("segmentation").bounding_box
    assert len(like.mags) == 0
    assert read_properties(ds.path)["dataLayers"][0]["name"] == "seg"


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("absolute_offset", [None, (12, 12, 12)])
def test_write_layer_writes_and_downsamples(tmp_path, data_format, absolute_offset):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    data = random_uint8((64, 64, 64))
    layer = ds.write_layer("color", "color", data=data, data_format=data_format,
                           absolute_offset=absolute_offset)
    np.testing.assert_array_equal(layer.get_mag(1).read()[0], data)
    assert layer.bounding_box == wk.BoundingBox(absolute_offset or (0, 0, 0), (64, 64, 64))
    assert {wk.Mag(1), wk.Mag(2), wk.Mag(4)} <= set(layer.mags)


def test_write_layer_in_a_coarser_mag_without_downsampling(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(12, 12, 24))
    data = np.stack([random_uint8((32, 16, 8), seed=s) for s in range(3)])
    layer = ds.write_layer("rgb", "color", data=data, mag=(2, 2, 1), downsample=False)
    assert layer.num_channels == 3
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (64, 32, 8))
    assert list(layer.mags) == [wk.Mag((2, 2, 1))]
    np.testing.assert_array_equal(layer.get_mag((2, 2, 1)).read(), data)


@only_wkdist  # the reference keeps the given axis order as the layer's own axes
def test_write_layer_with_named_axes(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    zyx = random_uint8((8, 16, 32))
    layer = ds.write_layer("color", "color", data=zyx, axes=("z", "y", "x"), downsample=False)
    assert layer.bounding_box.size == wk.Vec3Int(32, 16, 8)
    np.testing.assert_array_equal(layer.get_mag(1).read()[0], zyx.transpose(2, 1, 0))


def test_as_segmentation_layer_refuses_a_color_layer(tmp_path):
    source = _source(tmp_path, "zarr3")
    assert source.get_layer("segmentation").as_segmentation_layer().largest_segment_id == 999
    with pytest.raises(TypeError):
        source.get_layer("color").as_segmentation_layer()


def test_outdated_dataset_warns_only_when_the_content_changed(tmp_path):
    first = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    second = wk.Dataset.open(tmp_path / "ds")
    first.add_layer("color", "color")
    first.delete_layer("color")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second.add_layer("segmentation", "segmentation", largest_segment_id=1)  # same content
    with pytest.warns(UserWarning):
        first.add_layer("color", "color")  # does not know about "segmentation"
    if IS_WKDIST:  # wkdist applies the change to the file's content; the reference overwrites it
        assert set(wk.Dataset.open(tmp_path / "ds").layers) == {"segmentation", "color"}


def test_add_layer_takes_an_nd_box_of_x_y_z(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    box = wk.NDBoundingBox((0, 0, 0), (16, 16, 16), axes=("x", "y", "z"), index=(1, 2, 3))
    layer = ds.add_layer("color", "color", bounding_box=box)
    assert layer.bounding_box.size_xyz == wk.Vec3Int(16, 16, 16)
