"""Reference cases: attachment properties, older attachment methods, URL paths.

Re-stated from webknossos-libs ``webknossos/tests/dataset/test_attachments.py``;
the same calls run against ``webknossos`` 4.3.3 with ``WKDIST_REFERENCE_IMPL=webknossos``.
"""

from __future__ import annotations

import pytest
from upath import UPath

from .reference_support import wk

F = wk.AttachmentDataFormat


def _segmentation(tmp_path):
    dataset = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = dataset.add_layer("seg", "segmentation", dtype="uint32", largest_segment_id=1)
    return dataset, layer.as_segmentation_layer()


def test_typed_properties_and_deprecated_spellings(tmp_path):
    dataset, seg = _segmentation(tmp_path)
    assert seg._properties.attachments.meshes is None
    mesh = dataset.path / "seg" / "meshes" / "meshfile.hdf5"
    mesh.parent.mkdir(parents=True)
    mesh.write_text("mesh")
    with pytest.warns(DeprecationWarning, match="add_mesh"):
        seg.attachments.add_mesh(mesh, name="meshfile", data_format=F.HDF5)
    assert seg._properties.attachments.meshes[0].path == "./seg/meshes/meshfile.hdf5"
    with pytest.warns(DeprecationWarning, match="set_cumsum"):
        seg.attachments.set_cumsum(dataset.path / "seg" / "c.json", name="main",
                                   data_format=F.JSON)  # fmt: skip
    assert seg._properties.attachments.cumsum.name == "main"
    for attachment in list(seg.attachments):
        seg.attachments.delete_attachment(attachment)
    assert seg._properties.attachments.cumsum is None  # empty, never None itself
    with pytest.raises(ValueError):  # names are unique per container
        for _ in range(2):
            seg.attachments.add_attachment_as_ref(wk.MeshAttachment.from_path_and_name(
                UPath("http://example.com/mesh.zarr"), "remote", data_format=F.Zarr3))  # fmt: skip
    assert str(seg.attachments.meshes[0].path) == "http://example.com/mesh.zarr"


def test_symlinked_and_legacy_attachments(tmp_path):
    dataset, seg = _segmentation(tmp_path)
    outside = tmp_path / "segment_index"
    outside.write_text("index")
    index = wk.SegmentIndexAttachment.from_path_and_name(outside, "main", data_format=F.Zarr3)
    with pytest.warns(DeprecationWarning):
        seg.attachments.add_symlink_attachments(index)
    link = dataset.path / "seg" / "segmentIndex" / "main"
    assert link.is_symlink() and link.resolve() == outside
    assert seg._properties.attachments.segment_index.path == outside.as_posix()
    legacy = dataset.path / "seg" / "agglomerates" / "agglomerate_view_5.hdf5"
    legacy.parent.mkdir(parents=True)
    legacy.write_text("mapping")
    seg.attachments.detect_legacy_attachments()
    assert [a.name for a in seg.attachments.agglomerates] == ["agglomerate_view_5"]
    assert seg.attachments.agglomerates[0].data_format == F.HDF5
