"""Exchange datasets with the real ``webknossos`` 4.3.3, in both directions.

The same builder runs once with ``wkdist`` and once with ``webknossos`` (the two
share the API), so every case yields a pair of datasets made by identical calls.
Then:

* (a) ``webknossos`` reads what ``wkdist`` wrote, (b) ``wkdist`` reads what
  ``webknossos`` wrote: same arrays (values and dtype), same layer metadata;
* the parsed ``datasource-properties.json`` of the pair are equal;
* the array metadata files (``zarr.json``, ``.zarray``, ``.zattrs``, ``.zgroup``,
  ``header.wkw``) are equal and the same data files exist;
* zarr-python and tensorstore read every Zarr mag with the expected data;
* ``wkdist`` copies a ``webknossos`` dataset and ``webknossos`` reads the copy;
* each library adds a mag and a layer to the other's dataset, which the other then reads.

Documented differences that the comparisons allow, and why:

* WKW ``header.wkw`` byte 5 (block type): compressed WKW is LZ4 (2) in wkdist by
  default and LZ4HC (3) in webknossos. Both readers decode both (same LZ4 block
  format); wkdist picks LZ4 because LZ4HC encodes ~30x slower (format.md §2).
* Zarr v2 ``.zgroup``: webknossos writes ``"zarr_format": "2"`` (a string, a WK
  quirk); the integer ``2`` is accepted too (format.md §4).
* wkdist leaves an empty ``.datasource-properties.json.lock`` next to the properties:
  properties updates take an ``flock`` on it so that concurrent writers never lose
  changes (wkdist/properties/store.py). Readers ignore it.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import warnings
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import tensorstore as ts
import zarr

import wkdist

with warnings.catch_warnings():
    # webknossos warns at import about optional image readers (tifffile, h5py, ...)
    warnings.simplefilter("ignore")
    webknossos = pytest.importorskip("webknossos")
    import cluster_tools

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from types import ModuleType

VOXEL_SIZE = (11.0, 11.0, 24.0)
TOPLEFT = (10, 20, 30)
SIZE = (100, 80, 40)
MAGS = ((1, 1, 1), (2, 2, 1), (4, 4, 2))
LAYERS = ("color", "segmentation")
WRITERS = ("webknossos", "wkdist")
METADATA_FILES = ("zarr.json", ".zarray", ".zattrs", ".zgroup", "header.wkw")
WKW_BLOCK_TYPE_BYTE = 5
WKW_RAW, WKW_LZ4, WKW_LZ4HC = 1, 2, 3
WKDIST_LOCK_FILE = ".datasource-properties.json.lock"


@dataclasses.dataclass(frozen=True)
class Case:
    """One dataset: its format and layout, and the dtypes of its two layers."""

    data_format: str
    compress: bool
    color_dtype: str
    color_channels: int
    seg_dtype: str
    chunk_shape: tuple[int, int, int] | None = None
    shard_shape: tuple[int, int, int] | None = None
    # True: add the layers without a box and let the first write grow it (allow_resize)
    grow: bool = False

    @property
    def id(self) -> str:
        codec = {"wkw": "lz4", "zarr": "zstd", "zarr3": "zstd"}[self.data_format]
        channels = f"x{self.color_channels}" if self.color_channels > 1 else ""
        return (
            f"{self.data_format}-{codec if self.compress else 'raw'}-"
            f"{self.color_dtype}{channels}-seg_{self.seg_dtype}"
            f"{'-grow' if self.grow else ''}"
        )


# Every format x compression, each dtype of the brief at least once, 3 x uint8 twice,
# default and small shards, a preset box and a grown box.
CASES = (
    Case("wkw", True, "uint8", 3, "uint32", shard_shape=(64, 64, 64)),
    Case("wkw", False, "uint16", 1, "uint64", grow=True),
    Case("zarr", True, "float32", 1, "uint16"),
    Case("zarr", False, "int16", 1, "int64", grow=True),
    Case("zarr3", True, "uint32", 1, "uint64", shard_shape=(64, 64, 64)),
    Case("zarr3", True, "uint8", 1, "int32", chunk_shape=(64, 64, 64), shard_shape=(128,) * 3),
    Case("zarr3", False, "uint8", 3, "uint8", grow=True),
)
ZARR_CASES = tuple(c for c in CASES if c.data_format != "wkw")


def case_params(cases: tuple[Case, ...] = CASES) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


# ----------------------------------------------------------------- expected data
def mag_name(mag: tuple[int, int, int]) -> str:
    return str(mag[0]) if len(set(mag)) == 1 else "-".join(map(str, mag))


def mag_box(mag: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The layer box aligned outwards to ``mag``: (topleft, bottomright) in the mag's voxels."""
    tl, br, m = np.array(TOPLEFT), np.array(TOPLEFT) + np.array(SIZE), np.array(mag)
    return tl // m, -(-br // m)


def layer_dtype(case: Case, layer: str) -> tuple[np.dtype, int]:
    if layer == "color":
        return np.dtype(case.color_dtype), case.color_channels
    return np.dtype(case.seg_dtype), 1


def expected_data(case: Case, layer: str, mag: tuple[int, int, int]) -> np.ndarray:
    """Deterministic full-range data (C, X, Y, Z) for one mag, independent of either library."""
    dtype, channels = layer_dtype(case, layer)
    tl, br = mag_box(mag)
    shape = (channels, *(br - tl))
    rng = np.random.default_rng(zlib.crc32(f"{case.id}/{layer}/{mag}".encode()))
    if dtype.kind == "f":
        return (rng.standard_normal(shape, dtype=np.float64) * 1e3).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def largest_segment_id(case: Case) -> int:
    return max(int(expected_data(case, "segmentation", mag).max()) for mag in MAGS)


# -------------------------------------------------------------------- building
def build(lib: ModuleType, path: Path, case: Case) -> None:
    """Create the case's dataset with ``lib`` (wkdist or webknossos): 2 layers x 3 mags."""
    ds = lib.Dataset(path, voxel_size=VOXEL_SIZE)
    box = None if case.grow else lib.BoundingBox(TOPLEFT, SIZE)
    color = ds.add_layer(
        "color",
        "color",
        dtype_per_channel=case.color_dtype,
        num_channels=case.color_channels,
        data_format=case.data_format,
        bounding_box=box,
    )
    seg = ds.add_layer(
        "segmentation",
        "segmentation",
        dtype_per_channel=case.seg_dtype,
        data_format=case.data_format,
        bounding_box=box,
        largest_segment_id=largest_segment_id(case),
    )
    for layer in (color, seg):
        for mag in MAGS:
            mag_view = layer.add_mag(
                mag_name(mag),
                chunk_shape=case.chunk_shape,
                shard_shape=case.shard_shape,
                compress=case.compress,
            )
            mag_view.write(
                expected_data(case, layer.name, mag),
                absolute_offset=tuple(int(v) for v in mag_box(mag)[0] * mag),
                allow_unaligned=True,
                allow_resize=case.grow,
            )


def module_of(writer: str) -> ModuleType:
    return webknossos if writer == "webknossos" else wkdist


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Case], Path]:
    """``written(writer, case)``: the case's dataset built by ``writer``, built once per module.

    Both writers' datasets are named ``ds`` so their properties (``id.name``) compare equal.
    """
    cache: dict[tuple[str, Case], Path] = {}

    def get(writer: str, case: Case) -> Path:
        if (writer, case) not in cache:
            path = tmp_path_factory.mktemp(f"{writer}-{case.id}") / "ds"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # chunk-shape and channel-count advice
                build(module_of(writer), path, case)
            cache[writer, case] = path
        return cache[writer, case]

    return get


# ------------------------------------------------------------------- checking
def check_dataset(lib: ModuleType, path: Path, case: Case) -> None:
    """Open ``path`` with ``lib`` and compare metadata and data with the case's expectation."""
    ds = lib.Dataset.open(path)
    assert tuple(ds.voxel_size) == VOXEL_SIZE
    assert sorted(ds.layers) == sorted(LAYERS)
    for name in LAYERS:
        layer = ds.get_layer(name)
        dtype, channels = layer_dtype(case, name)
        assert layer.category == name
        assert np.dtype(layer.dtype_per_channel) == dtype, name
        assert layer.num_channels == channels, name
        assert (tuple(layer.bounding_box.topleft), tuple(layer.bounding_box.size)) == (
            TOPLEFT,
            SIZE,
        ), name
        assert sorted(tuple(m) for m in layer.mags) == sorted(MAGS), name
        if name == "segmentation":
            assert layer.largest_segment_id == largest_segment_id(case)
        for mag in MAGS:
            mag_view = layer.get_mag(mag_name(mag))
            expected = expected_data(case, name, mag)
            whole = mag_view.read()
            assert whole.dtype == expected.dtype, (name, mag)
            assert whole.shape == expected.shape, (name, mag)
            assert np.array_equal(whole, expected), (name, mag)
            # an inner box, in Mag(1) voxels, whose corners are not shard/chunk aligned
            start, extent = np.array((3, 5, 2)), np.array((20, 10, 8))
            tl = mag_box(mag)[0]
            part = mag_view.read(
                absolute_offset=tuple(int(v) for v in (tl + start) * mag),
                size=tuple(int(v) for v in extent * mag),
            )
            lo, hi = start, start + extent
            assert np.array_equal(part, expected[:, lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]])


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def properties(path: Path) -> Any:
    return load_json(path / "datasource-properties.json")


def files_below(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def metadata_files(root: Path) -> Iterator[str]:
    for relative in sorted(files_below(root)):
        if relative.rsplit("/", 1)[-1] in METADATA_FILES:
            yield relative


def normalized_metadata(path: Path, case: Case) -> Any:
    """Parsed metadata file with the documented differences (module docstring) normalized."""
    if path.name == "header.wkw":
        header = bytearray(path.read_bytes())
        allowed = {WKW_LZ4, WKW_LZ4HC} if case.compress else {WKW_RAW}
        assert header[WKW_BLOCK_TYPE_BYTE] in allowed, f"{path}: block type {header[5]}"
        header[WKW_BLOCK_TYPE_BYTE] = 0
        return bytes(header)
    content = load_json(path)
    if path.name == ".zgroup":
        content["zarr_format"] = int(content["zarr_format"])
    return content


def mag_array_paths(root: Path) -> Iterator[tuple[str, tuple[int, int, int], Path]]:
    for name in LAYERS:
        for mag in MAGS:
            yield name, mag, root / name / mag_name(mag)


# ---------------------------------------------------------------------- tests
@pytest.mark.parametrize("case", case_params())
def test_webknossos_reads_what_wkdist_wrote(written, case):
    check_dataset(webknossos, written("wkdist", case), case)


@pytest.mark.parametrize("case", case_params())
def test_wkdist_reads_what_webknossos_wrote(written, case):
    check_dataset(wkdist, written("webknossos", case), case)


@pytest.mark.parametrize("case", case_params())
def test_wkdist_reads_its_own_output(written, case):
    """A control for the two tests above: tells a writer bug from a reader bug."""
    check_dataset(wkdist, written("wkdist", case), case)


@pytest.mark.parametrize("case", case_params())
def test_properties_equal_webknossos(written, case):
    assert properties(written("wkdist", case)) == properties(written("webknossos", case))


@pytest.mark.parametrize("case", case_params())
def test_array_metadata_equals_webknossos(written, case):
    ours, theirs = written("wkdist", case), written("webknossos", case)
    assert list(metadata_files(ours)) == list(metadata_files(theirs))
    for relative in metadata_files(theirs):
        assert normalized_metadata(ours / relative, case) == normalized_metadata(
            theirs / relative, case
        ), relative


@pytest.mark.parametrize("case", case_params())
def test_same_data_files_as_webknossos(written, case):
    """Same shard/chunk files: nothing missing, nothing extra (e.g. all-fill chunks)."""
    ours, theirs = written("wkdist", case), written("webknossos", case)
    assert sorted(files_below(ours) - {WKDIST_LOCK_FILE}) == sorted(files_below(theirs))


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("case", case_params(ZARR_CASES))
def test_zarr_python_and_tensorstore_read_zarr_mags(written, case, writer):
    """zarr-python and tensorstore open every mag; the webknossos writer is the control."""
    driver = {"zarr": "zarr", "zarr3": "zarr3"}[case.data_format]
    for name, mag, path in mag_array_paths(written(writer, case)):
        expected = expected_data(case, name, mag)
        tl, br = mag_box(mag)
        index = (slice(None), *(slice(int(a), int(b)) for a, b in zip(tl, br, strict=True)))
        by_zarr = zarr.open_array(str(path), mode="r")
        assert by_zarr.dtype == expected.dtype, (name, mag)
        assert np.array_equal(by_zarr[index], expected), (name, mag, "zarr-python")
        by_ts = ts.open(
            {"driver": driver, "kvstore": {"driver": "file", "path": str(path)}},
            open=True,
            read=True,
        ).result()
        assert by_ts.dtype.numpy_dtype == expected.dtype, (name, mag)
        assert np.array_equal(by_ts[index].read().result(), expected), (name, mag, "tensorstore")


COPIES = (
    # (source case, copy_dataset arguments)
    (CASES[0], {"data_format": "zarr3", "shard_shape": (64, 64, 64), "compress": True}),
    (CASES[4], {"data_format": "wkw", "compress": False}),
    (CASES[6], {"data_format": "zarr", "shard_shape": (32, 32, 32), "compress": True}),
)


@pytest.mark.parametrize(
    ("case", "arguments"),
    [pytest.param(c, a, id=f"{c.id}-to-{a['data_format']}") for c, a in COPIES],
)
def test_wkdist_copy_of_webknossos_dataset(written, tmp_path, case, arguments):
    """wkdist converts a webknossos dataset; webknossos reads the copy, whose properties
    equal those of webknossos' own copy with the same arguments."""
    source = written("webknossos", case)
    ours, theirs = tmp_path / "wkdist" / "copy", tmp_path / "webknossos" / "copy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wkdist.Dataset.open(source).copy_dataset(ours, **arguments)
        webknossos.Dataset.open(source).copy_dataset(
            theirs, executor=cluster_tools.get_executor("sequential"), **arguments
        )
    check_dataset(webknossos, ours, case)
    assert properties(ours) == properties(theirs)


def edit(lib: ModuleType, path: Path, case: Case) -> None:
    """Add a mag to an existing layer and a new layer, writing a little into each."""
    ds = lib.Dataset.open(path)
    color = ds.get_layer("color")
    # explicit shards: webknossos rewrites whole (default 1024³) shards on compressed writes
    layout = {"chunk_shape": case.chunk_shape, "shard_shape": case.shard_shape}
    coarse = color.add_mag("8-8-4", compress=case.compress, **layout)
    dtype, channels = layer_dtype(case, "color")
    block = np.full((channels, 13, 10, 10), 7, dtype=dtype)
    coarse.write(block, absolute_offset=(8, 16, 28), allow_unaligned=True)
    extra = ds.add_layer(
        "extra", "segmentation", dtype_per_channel="uint32", data_format=case.data_format
    )
    extra.add_mag(1, compress=case.compress, **layout).write(
        np.arange(5 * 6 * 7, dtype=np.uint32).reshape(1, 5, 6, 7),
        absolute_offset=(1, 2, 3),
        allow_unaligned=True,
        allow_resize=True,
    )


@pytest.mark.parametrize(
    ("editor", "reader"), [("wkdist", "webknossos"), ("webknossos", "wkdist")]
)
@pytest.mark.parametrize("case", case_params(CASES[:1] + CASES[3:5]))
def test_edit_the_other_librarys_dataset(written, tmp_path, case, editor, reader):
    """``editor`` adds a mag and a layer to a dataset written by ``reader``; ``reader`` then
    reads old and new data, and the properties equal those of webknossos editing its own."""
    edited, reference = tmp_path / "edited", tmp_path / "reference"
    shutil.copytree(written(reader, case), edited)
    shutil.copytree(written("webknossos", case), reference)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edit(module_of(editor), edited, case)
        edit(webknossos, reference, case)
    ds = module_of(reader).Dataset.open(edited)
    assert sorted(ds.layers) == sorted((*LAYERS, "extra"))
    dtype, channels = layer_dtype(case, "color")
    coarse = ds.get_layer("color").get_mag("8-8-4")
    block = coarse.read(absolute_offset=(8, 16, 28), size=(104, 80, 40))
    assert block.dtype == dtype
    assert np.array_equal(block, np.full((channels, 13, 10, 10), 7, dtype=dtype))
    extra = ds.get_layer("extra")
    extra_box = extra.bounding_box
    assert (tuple(extra_box.topleft), tuple(extra_box.size)) == ((1, 2, 3), (5, 6, 7))
    assert np.array_equal(
        extra.get_mag(1).read(), np.arange(5 * 6 * 7, dtype=np.uint32).reshape(1, 5, 6, 7)
    )
    old = ds.get_layer("segmentation").get_mag(1).read()
    assert np.array_equal(old, expected_data(case, "segmentation", (1, 1, 1)))
    assert properties(edited) == properties(reference)
