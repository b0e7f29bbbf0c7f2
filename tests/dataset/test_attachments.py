"""Attachments of segmentation layers: same JSON as webknossos, carried along in copies."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import webknossos as ref

import wkdist as wk

if TYPE_CHECKING:
    from pathlib import Path


def _segmentation(impl: Any, path: Path) -> Any:  # noqa: ANN401
    ds = impl.Dataset(path, voxel_size=(1, 1, 1))
    layer = ds.add_layer(
        "seg",
        "segmentation",
        data_format="zarr3",
        bounding_box=impl.BoundingBox((0, 0, 0), (8, 8, 8)),
    )
    layer.add_mag(1)
    return layer


def _add_some(impl: Any, layer: Any, files: Path) -> None:  # noqa: ANN401
    fmt = impl.AttachmentDataFormat
    layer.attachments.add_attachment_as_ref(
        impl.MeshAttachment.from_path_and_name(
            files / "meshfile.hdf5", "meshfile", data_format=fmt.HDF5
        )
    )
    layer.attachments.add_attachment_as_copy(
        impl.AgglomerateAttachment.from_path_and_name(
            files / "agglomerate_view_5", "agg5", data_format=fmt.Zarr3
        )
    )
    layer.attachments.add_attachment_as_copy(
        impl.SegmentIndexAttachment.from_path_and_name(
            files / "segment_index", "main", data_format=fmt.Zarr3
        )
    )
    layer.attachments.add_attachment_as_ref(
        impl.ConnectomeAttachment.from_path_and_name("http://example.com/c.zarr", "c", data_format=fmt.Zarr3)
    )  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    (folder / "agglomerate_view_5").mkdir(parents=True)
    (folder / "agglomerate_view_5" / "zarr.json").write_text("{}")
    (folder / "segment_index").mkdir()
    (folder / "segment_index" / "zarr.json").write_text("{}")
    (folder / "meshfile.hdf5").write_text("mesh")
    return folder


def _stored(path: Path) -> Any:  # noqa: ANN401
    return json.loads((path / "datasource-properties.json").read_text())["dataLayers"][0].get(
        "attachments"
    )


def test_same_calls_store_the_same_attachments(tmp_path: Path, files: Path) -> None:
    _add_some(wk, _segmentation(wk, tmp_path / "mine"), files)
    _add_some(ref, _segmentation(ref, tmp_path / "theirs"), files)
    assert _stored(tmp_path / "mine") == _stored(tmp_path / "theirs")
    assert (tmp_path / "mine" / "seg" / "segmentIndex" / "main" / "zarr.json").exists()
    # webknossos reads what wkdist wrote
    again = ref.Dataset.open(tmp_path / "mine").get_segmentation_layer("seg").attachments
    assert [a.name for a in again.agglomerates] == ["agg5"]
    assert again.segment_index.path == tmp_path / "mine" / "seg" / "segmentIndex" / "main"


def test_copies_take_the_attachments_along(tmp_path: Path, files: Path) -> None:
    layer = _segmentation(wk, tmp_path / "src")
    _add_some(wk, layer, files)
    copied = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1)).add_layer_as_copy(layer)
    assert (
        copied.attachments.agglomerates[0].path
        == tmp_path / "dst" / "seg" / "agglomerates" / "agg5"
    )
    assert (tmp_path / "dst" / "seg" / "agglomerates" / "agg5" / "zarr.json").exists()
    whole = layer.dataset.copy_dataset(tmp_path / "whole").get_layer("seg")
    assert (tmp_path / "whole" / "seg" / "segmentIndex" / "main" / "zarr.json").exists()
    # a local file outside the dataset is copied too; a URL stays a reference
    assert whole.attachments.meshes[0].path == tmp_path / "whole" / "seg" / "meshes" / "meshfile.hdf5"
    assert (tmp_path / "whole" / "seg" / "meshes" / "meshfile.hdf5").read_text() == "mesh"
    assert whole.attachments.connectomes[0].path == "http://example.com/c.zarr"


def _with_local_attachments(impl: Any, root: Path, files: Path) -> Any:  # noqa: ANN401
    """A segmentation layer with one attachment inside its dataset and one outside."""
    layer = _segmentation(impl, root / "src")
    fmt = impl.AttachmentDataFormat
    inside = root / "src" / "seg" / "meshes" / "meshfile.hdf5"
    inside.parent.mkdir(parents=True)
    inside.write_text("mesh")
    layer.attachments.add_attachment_as_ref(
        impl.MeshAttachment.from_path_and_name(inside, "meshfile", data_format=fmt.HDF5)
    )
    layer.attachments.add_attachment_as_ref(
        impl.AgglomerateAttachment.from_path_and_name(
            files / "agglomerate_view_5", "agg5", data_format=fmt.Zarr3
        )
    )
    return layer


def test_copied_and_linked_layers_store_what_webknossos_stores(
    tmp_path: Path, files: Path
) -> None:
    for impl, root in ((wk, tmp_path / "mine"), (ref, tmp_path / "theirs")):
        layer = _with_local_attachments(impl, root, files)
        impl.Dataset(root / "copy", voxel_size=(1, 1, 1)).add_layer_as_copy(layer)
        with pytest.warns(DeprecationWarning):
            impl.Dataset(root / "link", voxel_size=(1, 1, 1)).add_symlink_layer(
                layer, make_relative=True
            )
    for name in ("copy", "link"):
        assert _stored(tmp_path / "mine" / name) == _stored(tmp_path / "theirs" / name)
    # copies hold every file; a linked layer names the source's files, not through the link
    copied = wk.Dataset.open(tmp_path / "mine" / "copy").get_segmentation_layer("seg")
    assert copied.attachments.agglomerates[0].path == (
        tmp_path / "mine" / "copy" / "seg" / "agglomerates" / "agg5"
    )
    linked = wk.Dataset.open(tmp_path / "mine" / "link").get_segmentation_layer("seg")
    assert linked.attachments.meshes[0].path == tmp_path / "mine" / "src" / "seg" / "meshes" / "meshfile.hdf5"
    assert linked.attachments.agglomerates[0].path == files / "agglomerate_view_5"


def test_bad_attachments_are_refused(tmp_path: Path, files: Path) -> None:
    layer = _segmentation(wk, tmp_path / "ds")
    with pytest.raises(ValueError, match="not a valid data_format"):
        wk.SegmentStatisticsAttachment.from_path_and_name(files, "s", data_format="hdf5")
    with pytest.raises(ValueError, match="not allowed"):
        wk.MeshAttachment.from_path_and_name(files, "a/b", data_format="zarr3")
    mesh = wk.MeshAttachment.from_path_and_name(files / "meshfile.hdf5", "m", data_format="hdf5")
    layer.attachments.add_attachment_as_ref(mesh)
    with pytest.raises(IndexError, match="already exists"):
        layer.attachments.add_attachment_as_ref(mesh)
    layer.attachments.delete_attachment(layer.attachments.meshes[0])
    assert layer.attachments.is_empty()
    assert _stored(tmp_path / "ds") is None
