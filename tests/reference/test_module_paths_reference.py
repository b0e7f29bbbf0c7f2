"""Reference cases: helpers users import from the reference's inner module paths.

Re-stated from webknossos-libs ``webknossos/tests/dataset/test_tinywkw.py``,
``test_downsampling.py``, ``test_upsampling.py``, ``test_agglomerate_attachment.py``
and ``test_transform_layer.py``; the
same calls run against ``webknossos`` 4.3.3 with ``WKDIST_REFERENCE_IMPL=webknossos``.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import wkw

from .reference_support import IMPL, wk

tinywkw = importlib.import_module(f"{IMPL}.dataset._utils.tinywkw")
# wkdist.dataset.layer is a module, so the layer helpers live next to it
_LAYER_HELPERS = f"{IMPL}.dataset.layer." if IMPL == "webknossos" else f"{IMPL}.dataset."
down = importlib.import_module(_LAYER_HELPERS + "_downsampling_utils")
up = importlib.import_module(_LAYER_HELPERS + "_upsampling_utils")
transforms = importlib.import_module(_LAYER_HELPERS + "_transform_utils")

# --------------------------------------------------------------------------- tinywkw


def _native_array(path, chunk_type: int, num_channels: int = 2) -> None:
    header = wkw.Header(np.uint16, num_channels=num_channels, block_len=8, file_len=2,
                        block_type=chunk_type)  # fmt: skip
    wkw.Dataset.create(str(path), header).close()


@pytest.mark.parametrize("chunk_type", [1, 2])
def test_tinywkw_header_matches_native_file(tmp_path, chunk_type):
    _native_array(tmp_path, chunk_type)
    raw = (tmp_path / "header.wkw").read_bytes()
    header = tinywkw.TinyWkwHeader.from_bytes(raw)
    assert header.chunk_shape == wk.Vec3Int.full(8)
    assert header.shard_shape == wk.Vec3Int.full(16)
    assert header.chunk_type == tinywkw.ChunkType(chunk_type)
    assert (header.voxel_type, header.num_channels) == (np.dtype("uint16"), 2)
    assert (header.block_len, header.file_len, header.block_type) == (8, 2, chunk_type)
    assert header.to_bytes(data_offset=header.data_offset) == raw[:16]
    assert header.to_bytes()[8:] == (16 + 8 * 8 * (chunk_type != 1)).to_bytes(8, "little")
    with pytest.raises(AssertionError):
        tinywkw.TinyWkwHeader.from_bytes(b"XKW" + raw[3:])


@pytest.mark.parametrize("chunk_type", ["RAW", "LZ4"])
def test_tinywkw_write_read_against_native(tmp_path, chunk_type):
    header = tinywkw.TinyWkwHeader(
        chunk_shape=wk.Vec3Int.full(8), shard_shape=wk.Vec3Int.full(16),
        chunk_type=tinywkw.ChunkType[chunk_type], voxel_type=np.dtype("uint8"), num_channels=3,
    )  # fmt: skip
    array = tinywkw.TinyWkwArray.create(tmp_path, header)
    data = np.random.default_rng(3).integers(1, 256, (3, 20, 16, 9), dtype=np.uint8)
    array.write(wk.Vec3Int(10, 0, 3), data)  # part of four shards
    with wkw.Dataset.open(str(tmp_path)) as native:
        np.testing.assert_array_equal(native.read((10, 0, 3), (20, 16, 9)), data)
    box = wk.BoundingBox((8, 0, 0), (24, 16, 16))
    read = array.read_bbox(box.normalize_axes(3))
    assert read.shape == (3, 24, 16, 16)
    np.testing.assert_array_equal(read[:, 2:22, :, 3:12], data)
    assert not read[:, :2].any()
    # whole zero shards disappear; missing shards read as zeros
    array.write(wk.Vec3Int(0, 0, 0), np.zeros((3, 32, 16, 16), np.uint8))
    assert not (tmp_path / "z0" / "y0" / "x0.wkw").exists()
    assert not array.read(wk.Vec3Int(0, 0, 0), wk.Vec3Int(64, 16, 16)).any()


# --------------------------------------------------------------------------- resampling helpers


def test_mag_ladders():
    mags = down.calculate_mags_to_downsample(wk.Mag(1), wk.Mag((16, 16, 8)), None, (10.5, 10.5, 24))
    assert mags == [wk.Mag(m) for m in ("2-2-1", "4-4-2", "8-8-4", "16-16-8")]
    assert down.calculate_mags_to_upsample(wk.Mag(8), wk.Mag((2, 2, 1)), None, None) == [
        wk.Mag(m) for m in ("4-4-2", "2-2-1")
    ]  # 8-8-4 is not below Mag(8): mags compare by their largest factor
    with pytest.raises(RuntimeError):
        down.calculate_mags_to_downsample(wk.Mag(1), wk.Mag((4, 4, 16)), None, (10.5, 10.5, 24))
    assert down.calculate_default_coarsest_mag((1000, 250, 7)) == wk.Mag(16)
    assert down.calculate_default_coarsest_mag((40, 40, 40)) == wk.Mag(4)


def test_mode_filter_keeps_first_of_ties():
    rows = np.array([[2, 5, 1], [3, 5, 7], [3, 6, 7], [2, 6, 1]], dtype=np.uint16)
    np.testing.assert_array_equal(down._mode(rows), [2, 5, 1])
    cube = np.zeros((2, 2, 2), np.uint32)
    cube[1, 0, 0] = cube[0, 1, 0] = cube[1, 1, 1] = cube[0, 0, 1] = 9
    filtered = down.non_linear_filter_3d(cube, [2, 2, 2], down._mode)
    assert filtered.dtype == np.uint32
    np.testing.assert_array_equal(filtered, [[[0]]])  # 0 comes first in block order
    np.testing.assert_array_equal(down.non_linear_filter_3d(cube, [1, 2, 2], down._mode),
                                  [[[0]], [[9]]])  # fmt: skip


def test_cube_helpers_and_jobs(tmp_path):
    data = np.random.default_rng(5).integers(0, 200, (2, 8, 8, 4), dtype=np.uint8)
    assert down.downsample_cube(data[0], [2, 2, 2], down.InterpolationModes.MAX).shape == (4, 4, 2)
    np.testing.assert_array_equal(up.upsample_cube(data[0], [2, 2, 1])[::2, 1::2], data[0])
    dataset = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = dataset.add_layer("color", "color", dtype_per_channel="uint8", num_channels=2)
    layer.bounding_box = wk.BoundingBox((0, 0, 0), (8, 8, 4))
    layer.add_mag(1).write(data, absolute_offset=(0, 0, 0))
    mag2 = layer._initialize_mag_from_other_mag("2", layer.get_mag(1), False)
    assert mag2.info.chunk_shape == layer.get_mag(1).info.chunk_shape
    down.downsample_cube_job(
        (layer.get_mag(1).get_view(), mag2.get_view(), 0),
        wk.Vec3Int(2, 2, 2), down.InterpolationModes.MAX, wk.Vec3Int.full(2),
    )  # fmt: skip
    expected = np.stack([down.downsample_cube(c, [2, 2, 2], down.InterpolationModes.MAX)
                         for c in data])  # fmt: skip
    np.testing.assert_array_equal(mag2.read(), expected)
    assert not mag2._is_compressed()


# --------------------------------------------------------------------------- agglomerate views


def _graph():
    graph = wk.AgglomerateGraph()
    for segment in range(1, 6):
        graph.add_segment(segment, position=wk.Vec3Int(segment, 2 * segment, 3))
    graph.add_affinity_edge(4, 1, affinity=0.5)
    graph.add_affinity_edge(1, 3, affinity=2.0)
    graph.add_affinity_edge(5, 2, affinity=1.5)
    return graph


def test_agglomerate_view_layout(tmp_path):
    import zarr

    attachment = wk.AgglomerateAttachment.create(tmp_path / "view", _graph(),
                                                 segmentation_dtype="uint64")  # fmt: skip
    assert attachment.name == "view"
    group = zarr.open_group(tmp_path / "view", mode="r")
    assert group.attrs["voxelytics"]["artifact_class"] == "AgglomerateViewArtifact"
    expected = {
        "segment_to_agglomerate": [0, 1, 2, 1, 1, 2],
        "agglomerate_to_segments_offsets": [0, 0, 3, 5],
        "agglomerate_to_segments": [1, 3, 4, 2, 5],
        "agglomerate_to_edges_offsets": [0, 0, 2, 3],
        "agglomerate_to_edges": [[0, 1], [0, 2], [0, 1]],
        "agglomerate_to_affinities": [2.0, 0.5, 1.5],
    }
    for name, values in expected.items():
        np.testing.assert_array_equal(group[name][...], values)
    assert group["agglomerate_to_segments"].dtype == np.uint64
    assert group["agglomerate_to_positions"][2].tolist() == [4, 8, 3]
    graph = attachment.to_graph()
    assert sorted(graph.edges(data="affinity")) == sorted(_graph().edges(data="affinity"))
    assert graph.nodes[5]["position"] == wk.Vec3Int(5, 10, 3)
    sparse = wk.AgglomerateGraph()
    sparse.add_segment(2, position=(0, 0, 0))
    with pytest.raises(ValueError, match="dense"):
        wk.AgglomerateAttachment.create(tmp_path / "sparse", sparse)


def test_agglomerate_view_read_by_webknossos(tmp_path):
    webknossos = pytest.importorskip("webknossos")
    dataset = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = dataset.add_layer("seg", "segmentation", dtype="uint32", largest_segment_id=5)
    added = wk.AgglomerateAttachment.create_and_add_to(layer, "view", _graph())
    assert layer.attachments.agglomerates[0].name == "view"
    with pytest.raises(FileExistsError):
        wk.AgglomerateAttachment.create_and_add_to(layer, "view", _graph())
    other = webknossos.AgglomerateAttachment.from_path_and_name(
        added.path, "view", data_format=webknossos.AttachmentDataFormat.Zarr3
    ).to_graph()
    assert sorted(other.edges(data="affinity")) == sorted(_graph().edges(data="affinity"))


# --------------------------------------------------------------------------- transform


class _Shift:
    def __init__(self, offset):
        self.offset = np.asarray(offset, dtype=np.float64)

    def __call__(self, points):
        return points + self.offset


def _layer(path, data, name="color"):
    dataset = wk.Dataset(path, voxel_size=(1, 1, 1), exist_ok=True)
    layer = dataset.add_layer(name, "color", num_channels=data.shape[0])
    layer.add_mag(1, chunk_shape=8, shard_shape=16).write(data, allow_resize=True)
    return layer


def test_transform_rotation_mask_and_fill(tmp_path):
    from cluster_tools import SequentialExecutor

    data = np.random.default_rng(8).integers(1, 255, (1, 16, 16, 8), dtype=np.uint8)
    source = _layer(tmp_path / "in", data)
    mask = np.zeros((1, 16, 16, 8), np.uint8)
    mask[:, :, 4:] = 1
    mask_layer = _layer(tmp_path / "in", mask, "mask")
    target = wk.Dataset(tmp_path / "out", voxel_size=(1, 1, 1)).add_layer("color", "color")
    # 90 degrees about z around the voxel centres: (x, y, z) -> (-y - 1, x, z)
    rotation = np.array([[0, -1, 0, -1], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], float)
    with SequentialExecutor() as executor:
        written = transforms.transform(
            source, target, transforms.AffineTransform(rotation), executor=executor,
            output_bbox=wk.BoundingBox((-16, 0, 0), (16, 16, 8)), translate_to_positive=True, input_mask_layer=mask_layer, fill_value=7,
        )  # fmt: skip
    assert written == wk.BoundingBox((0, 0, 0), (16, 16, 8))
    expected = np.rot90(data[0], k=1, axes=(0, 1)).copy()
    expected[np.rot90(mask[0], k=1, axes=(0, 1)) == 0] = 7  # masked out in the input
    np.testing.assert_array_equal(target.get_mag(1).read(absolute_bounding_box=written)[0],
                                  expected)  # fmt: skip
    with pytest.raises(ValueError, match="Exactly one"):
        transforms.transform(source, target)
    with pytest.raises(ValueError):
        transforms.transform(source, target, inverse_transform=_Shift((8, 8, 8)),
                             output_bbox=wk.BoundingBox((-8, 0, 0), (8, 8, 8)))  # fmt: skip
