"""Names scripts written for webknossos use: formats, modes, view configurations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
import webknossos as ref

import wkdist as wk
import wkdist.dataset_properties as dp

if TYPE_CHECKING:
    from pathlib import Path


def test_data_format_spellings() -> None:
    assert wk.DataFormat.Zarr3 is wk.DataFormat.ZARR3 is wk.DataFormat("zarr3")
    assert [str(f) for f in (wk.DataFormat.WKW, wk.DataFormat.Zarr, wk.DataFormat.Zarr3)] == [
        str(ref.DataFormat.WKW), str(ref.DataFormat.Zarr), str(ref.DataFormat.Zarr3)
    ]  # fmt: skip
    assert dp.DataFormat is wk.DataFormat


def test_sampling_modes_are_the_strings_jobs_take() -> None:
    assert [m.value for m in wk.SamplingModes] == [m.value for m in ref.SamplingModes]
    assert wk.SamplingModes.parse("auto") is wk.SamplingModes.ANISOTROPIC
    assert wk.SamplingModes.CONSTANT_Z == "constant_z"


def test_transfer_modes(tmp_path: Path) -> None:
    assert [m.value for m in wk.TransferMode] == [m.value for m in ref.TransferMode]
    src = tmp_path / "src"
    src.mkdir()
    (src / "a").write_text("1")
    wk.TransferMode.COPY.transfer(src, tmp_path / "copy")
    assert (tmp_path / "copy" / "a").read_text() == "1"
    assert not (tmp_path / "copy").is_symlink()
    wk.TransferMode.SYMLINK.transfer(src, tmp_path / "link")
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "link" / "a").exists()
    with pytest.raises(AssertionError, match="already exists"):
        wk.TransferMode.SYMLINK.transfer(src, tmp_path / "link")
    wk.TransferMode.MOVE_AND_SYMLINK.transfer(src, tmp_path / "moved")
    assert src.is_symlink()
    assert not (tmp_path / "moved").is_symlink()
    assert (src / "a").read_text() == "1"
    with pytest.raises(NotImplementedError):
        wk.TransferMode.HTTP.transfer(src, tmp_path / "http")


@pytest.mark.parametrize("impl", [wk, ref], ids=["wkdist", "webknossos"])
def test_view_configurations_store_the_same_json(tmp_path: Path, impl: object) -> None:
    ds = impl.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))  # type: ignore[attr-defined]
    layer = ds.add_layer("color", "color")
    assert ds.default_view_configuration is None
    assert layer.default_view_configuration is None
    ds.default_view_configuration = impl.DatasetViewConfiguration(  # type: ignore[attr-defined]
        four_bit=True, zoom=0.5, position=(1, 2, 3)
    )
    layer.default_view_configuration = impl.LayerViewConfiguration(  # type: ignore[attr-defined]
        color=(255, 0, 0), intensity_range=(-1.5, 20), is_inverted=True
    )
    stored = json.loads((tmp_path / "ds" / "datasource-properties.json").read_text())
    assert stored["defaultViewConfiguration"] == {
        "fourBit": True,
        "zoom": 0.5,
        "position": [1, 2, 3],
    }
    assert stored["dataLayers"][0]["defaultViewConfiguration"] == {
        "color": [255, 0, 0], "intensityRange": [-1.5, 20], "isInverted": True
    }  # fmt: skip
    # either implementation reads what the other wrote
    other = ref if impl is wk else wk
    again = other.Dataset.open(tmp_path / "ds")
    assert again.default_view_configuration.position == (1, 2, 3)
    assert again.get_layer("color").default_view_configuration.intensity_range == (-1.5, 20)


def test_defaults_module() -> None:
    from webknossos.dataset.defaults import DEFAULT_CHUNK_SHAPE as REF_CHUNK_SHAPE
    from webknossos.dataset.defaults import DEFAULT_DATA_FORMAT as REF_DATA_FORMAT

    from wkdist.dataset.defaults import DEFAULT_CHUNK_SHAPE, DEFAULT_DATA_FORMAT

    assert str(DEFAULT_DATA_FORMAT) == str(REF_DATA_FORMAT)
    assert DEFAULT_CHUNK_SHAPE == REF_CHUNK_SHAPE
