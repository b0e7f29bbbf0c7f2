"""Datasets written by the reference (webknossos 4.3.3), for round-trip tests."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # optional image readers missing
    import webknossos as wk


def _make_reference_dataset(path: Path, data_format: str) -> Path:
    """A dataset with the layer kinds WEBKNOSSOS users create, written by webknossos."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = wk.Dataset(path, voxel_size=(11.0, 11.0, 24.0))
        rgb = ds.add_layer(
            "color",
            "color",
            dtype_per_channel="uint8",
            num_channels=3,
            data_format=data_format,
            bounding_box=wk.BoundingBox((10, 20, 30), (100, 80, 40)),
        )
        for mag in (1, "2-2-1", "4-4-2"):
            rgb.add_mag(mag)
        gray = ds.add_layer("gray16", "color", dtype_per_channel="uint16", data_format=data_format)
        gray.add_mag(1)
        gray.bounding_box = wk.BoundingBox((0, 0, 0), (32, 32, 32))
        floats = ds.add_layer(
            "float", "color", dtype_per_channel="float32", data_format=data_format
        )
        floats.add_mag(1)
        floats.add_mag(2)
        seg32 = ds.add_layer(
            "seg32",
            "segmentation",
            dtype_per_channel="uint32",
            data_format=data_format,
            largest_segment_id=5,
        )
        seg32.add_mag(1)
        seg64 = ds.add_layer(
            "seg64",
            "segmentation",
            dtype_per_channel="uint64",
            data_format=data_format,
            largest_segment_id=2**64 - 1,
            bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 16)),
        )
        seg64.add_mag(1)
        seg64.add_mag("2-2-1")
        ds.add_layer(
            "seg_unknown_max",
            "segmentation",
            dtype_per_channel="int64",
            data_format=data_format,
        ).add_mag(1)
        ds.add_layer("no_mags", "color", dtype_per_channel="int16", data_format=data_format)
    return path


@pytest.fixture(scope="session")
def _reference_datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reference")
    return {fmt: _make_reference_dataset(root / fmt, fmt) for fmt in ("wkw", "zarr", "zarr3")}


@pytest.fixture(params=["wkw", "zarr", "zarr3"])
def reference_dataset(
    request: pytest.FixtureRequest, tmp_path: Path, _reference_datasets: dict[str, Path]
) -> Path:
    """A fresh copy of a dataset written by webknossos in each data format."""
    return Path(shutil.copytree(_reference_datasets[request.param], tmp_path / "ds"))
