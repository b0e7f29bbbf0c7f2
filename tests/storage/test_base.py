"""ArraySpec validation, DataFormat, format detection."""

from __future__ import annotations

import numpy as np
import pytest

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.storage import (
    ArraySpec,
    DataFormat,
    WkwArray,
    Zarr3Array,
    ZarrArray,
    array_class,
    create_array,
    detect_data_format,
)
from wkdist.storage.formats import SUPPORTED_FORMATS


def test_data_format_values():
    assert [f.value for f in SUPPORTED_FORMATS] == ["wkw", "zarr", "zarr3"]
    assert DataFormat("n5") is DataFormat.N5
    assert DataFormat("zarr3") is DataFormat.ZARR3
    assert str(DataFormat.WKW) == "wkw"
    assert DataFormat.ZARR == "zarr"


def test_spec_normalises_its_fields():
    spec = ArraySpec("zarr3", "uint16", 2, (32, 32, 32), [64, 64, 32], "zstd")
    assert spec.data_format is DataFormat.ZARR3
    assert spec.dtype == np.dtype("uint16")
    assert isinstance(spec.chunk_shape, Vec3Int)
    assert spec.shard_shape == Vec3Int(64, 64, 32)
    assert spec.chunks_per_shard == Vec3Int(2, 2, 1)
    assert spec.compressed
    assert not ArraySpec("wkw", np.uint8, 1, (32,) * 3, (32,) * 3, None).compressed
    assert spec == ArraySpec(
        DataFormat.ZARR3, np.dtype("uint16"), 2, (32,) * 3, (64, 64, 32), "zstd"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("zarr3", "uint8", 0, (32,) * 3, (32,) * 3, None), "num_channels must be"),
        (
            ("zarr3", "uint8", 1, (0, 32, 32), (32,) * 3, None),
            r"chunk_shape must be positive; got \(0, 32, 32\)",
        ),
        (
            ("zarr3", "uint8", 1, (32,) * 3, (48, 32, 32), None),
            r"shard_shape=\(48, 32, 32\) must be a multiple",
        ),
        (("zarr", "uint8", 1, (32,) * 3, (64,) * 3, None), "must equal chunk_shape.*Zarr v2"),
        (
            ("wkw", "uint8", 1, (32, 32, 16), (64,) * 3, None),
            r"chunk_shape must be a cube.*\(32, 32, 16\)",
        ),
        (("wkw", "uint8", 1, (24,) * 3, (48,) * 3, None), "power of two"),
        (("n5", "uint8", 1, (32,) * 3, (32,) * 3, None), "'n5' cannot be written by wkdist"),
    ],
)
def test_spec_rejects_impossible_layouts(fields, message):
    with pytest.raises(ValueError, match=message):
        ArraySpec(*fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            ("zarr3", "uint8", 1, (24,) * 3, (48,) * 3, None),
            r"chunk_shape must be a power of two along every axis; got \(24, 24, 24\)",
        ),
        (
            ("zarr3", "uint8", 1, (32,) * 3, (32,) * 3, "lz4"),
            r"compression='lz4' cannot be written as zarr3",
        ),
        (("zarr", "uint8", 1, (32,) * 3, (32,) * 3, "blosc"), "expected one of"),
        (("wkw", "uint8", 1, (32,) * 3, (32,) * 3, "zstd"), r"\(None, 'lz4', 'lz4hc'\)"),
    ],
)
def test_create_rejects_what_it_cannot_write(tmp_path, fields, message):
    spec = ArraySpec(*fields)  # valid for opened (foreign) arrays
    with pytest.raises(InvalidArgumentError, match=message):
        spec.check_creatable()
    with pytest.raises(InvalidArgumentError, match=message):
        create_array(tmp_path / "1", spec, (1, 1, 1))
    assert not (tmp_path / "1").exists()


def test_create_rejects_negative_shape(tmp_path):
    spec = ArraySpec("zarr3", "uint8", 1, (32,) * 3, (32,) * 3, None)
    with pytest.raises(InvalidArgumentError, match=r"shape must not be negative; got \(1, -1, 1\)"):
        create_array(tmp_path / "1", spec, (1, -1, 1))


def test_array_class():
    assert array_class("wkw") is WkwArray
    assert array_class(DataFormat.ZARR) is ZarrArray
    assert array_class("zarr3") is Zarr3Array
    with pytest.raises(InvalidArgumentError, match="data_format='n5' is not supported"):
        array_class("n5")


@pytest.mark.parametrize("fmt", SUPPORTED_FORMATS)
def test_detect_data_format(tmp_path, fmt):
    assert detect_data_format(tmp_path / "missing") is None
    assert detect_data_format(tmp_path) is None
    spec = ArraySpec(fmt, "uint8", 1, (32,) * 3, (32,) * 3, None)
    create_array(tmp_path / "1", spec, (1, 1, 1))
    assert detect_data_format(tmp_path / "1") is fmt


def test_detect_ignores_zarr3_groups(tmp_path):
    (tmp_path / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    assert detect_data_format(tmp_path) is None


@pytest.mark.parametrize("existing", SUPPORTED_FORMATS)
@pytest.mark.parametrize("new", SUPPORTED_FORMATS)
def test_create_over_any_array_raises(tmp_path, existing, new):
    create_array(
        tmp_path / "1", ArraySpec(existing, "uint8", 1, (32,) * 3, (32,) * 3, None), (1, 1, 1)
    )
    with pytest.raises(FileExistsError, match="exists already"):
        create_array(
            tmp_path / "1", ArraySpec(new, "uint8", 1, (32,) * 3, (32,) * 3, None), (1, 1, 1)
        )
