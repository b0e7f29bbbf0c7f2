"""Reading image stacks: file discovery, header checks, and windows of slices."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import tifffile
from PIL import Image

from wkdist.errors import ImageStackError
from wkdist.images import find_image_files, natural_key, open_stack
from wkdist.images.files import NumberedFiles

RNG = np.random.default_rng(5)
PAGE = RNG.integers(0, 255, (100, 70, 3), dtype=np.uint8)  # rows, columns, samples
WINDOWS = [(slice(0, 100), slice(0, 70)), (slice(13, 51), slice(31, 65)), (slice(99, 100), slice(0, 1))]

LAYOUTS = {
    "raw": {},
    "raw-tiled": {"tile": (32, 32)},
    "zlib-strips": {"rowsperstrip": 7, "compression": "zlib"},
    "zlib-tiles": {"tile": (32, 32), "compression": "zlib"},
    "zlib-planar": {"rowsperstrip": 7, "compression": "zlib", "planarconfig": "separate"},
}


def read_window(path, rows, cols, start=0, stop=1):
    stack = open_stack([path])
    out = np.empty((stop - start, rows.stop - rows.start, cols.stop - cols.start, stack.format.samples),
                   stack.format.dtype)
    stack.read(start, stop, rows, cols, out)
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
def test_tiff_windows(tmp_path, layout):
    path = tmp_path / "rgb.tif"
    data = np.moveaxis(PAGE, -1, 0) if layout == "zlib-planar" else PAGE
    tifffile.imwrite(path, data, photometric="rgb", **LAYOUTS[layout])
    for rows, cols in WINDOWS:
        np.testing.assert_array_equal(read_window(path, rows, cols)[0], PAGE[rows, cols])


def test_jpeg_tiles_decode_like_tifffile(tmp_path):
    path = tmp_path / "jpeg.tif"
    tifffile.imwrite(path, PAGE, photometric="rgb", tile=(32, 32), compression="jpeg")
    whole = tifffile.imread(path)
    np.testing.assert_array_equal(read_window(path, slice(40, 90), slice(20, 60))[0], whole[40:90, 20:60])


def test_a_band_decodes_only_its_strips(tmp_path):
    """Garbage in a strip outside the window does not matter: it is never decoded."""
    path = tmp_path / "strips.tif"
    grey = PAGE[..., 0]
    tifffile.imwrite(path, grey, rowsperstrip=10, compression="zlib")
    with tifffile.TiffFile(path) as tif:
        offset, count = tif.pages[0].dataoffsets[8], tif.pages[0].databytecounts[8]  # rows 80-89
    raw = bytearray(path.read_bytes())
    raw[offset : offset + count] = b"\x00" * count
    path.write_bytes(bytes(raw))
    np.testing.assert_array_equal(read_window(path, slice(10, 40), slice(5, 60))[0, ..., 0], grey[10:40, 5:60])
    with pytest.raises(Exception):  # noqa: B017, PT011 - zlib's error for the broken strip
        read_window(path, slice(75, 85), slice(0, 70))


@pytest.mark.parametrize("kind", ["pages", "imagej-truncated", "big-endian"])
def test_multi_page_tiff(tmp_path, kind):
    volume = RNG.integers(0, 60000, (9, 40, 30), dtype=np.uint16)
    path = tmp_path / "stack.tif"
    if kind == "pages":
        tifffile.imwrite(path, volume, compression="zlib")
    elif kind == "imagej-truncated":
        tifffile.imwrite(path, volume, imagej=True, truncate=True, metadata={"axes": "ZYX"})
    else:
        tifffile.imwrite(path, volume, byteorder=">")
    stack = open_stack([path])
    assert (stack.depth, stack.format.height, stack.format.width) == (9, 40, 30)
    out = read_window(path, slice(3, 33), slice(4, 29), 2, 7)
    np.testing.assert_array_equal(out[..., 0], volume[2:7, 3:33, 4:29])


def test_png_and_jpeg(tmp_path):
    Image.fromarray(PAGE).save(tmp_path / "a.png")
    Image.fromarray(PAGE[..., 0].astype(np.uint16) * 200).save(tmp_path / "b.png")
    Image.fromarray(PAGE).save(tmp_path / "c.jpg", quality=95)
    np.testing.assert_array_equal(read_window(tmp_path / "a.png", slice(5, 50), slice(7, 9))[0], PAGE[5:50, 7:9])
    grey16 = read_window(tmp_path / "b.png", slice(0, 100), slice(0, 70))
    assert grey16.dtype == np.uint16
    np.testing.assert_array_equal(grey16[0, ..., 0], PAGE[..., 0].astype(np.uint16) * 200)
    with Image.open(tmp_path / "c.jpg") as image:
        np.testing.assert_array_equal(read_window(tmp_path / "c.jpg", slice(0, 100), slice(0, 70))[0],
                                      np.asarray(image))


def test_find_files_natural_order_glob_and_list(tmp_path):
    for z in (10, 2, 1, 0, 3, 4, 5, 6, 7, 8, 9):
        tifffile.imwrite(tmp_path / f"slice_{z}.tif", PAGE[..., 0])
    (tmp_path / "notes.txt").write_text("not an image")
    files = find_image_files(tmp_path)
    assert [p.name for p in files] == [f"slice_{z}.tif" for z in range(11)]
    assert find_image_files(str(tmp_path / "slice_*.tif")) == files
    given = [tmp_path / "slice_3.tif", tmp_path / "slice_1.tif"]
    assert find_image_files(given, allow_gaps=True) == tuple(given)
    assert sorted(files, key=natural_key) == list(files)
    stack = open_stack(files)  # numbered files travel to every task as a template
    assert isinstance(stack.files, NumberedFiles)
    assert list(stack.files) == list(files)
    assert len(pickle.dumps(stack)) < 1000


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("empty", "found no image files"),
        ("gap", r"slice_3\.tif: the numbering of the slices has a gap: number 3 follows slice_1\.tif"),
        ("missing", "does not exist"),
    ],
)
def test_find_files_errors(tmp_path, setup, message):
    if setup == "gap":
        for z in (0, 1, 3):
            tifffile.imwrite(tmp_path / f"slice_{z}.tif", PAGE[..., 0])
    target = tmp_path / "nothing" if setup == "missing" else tmp_path
    with pytest.raises(ImageStackError, match=message):
        find_image_files(target)


def test_header_checks_name_the_file(tmp_path):
    tifffile.imwrite(tmp_path / "a.tif", PAGE[..., 0])
    tifffile.imwrite(tmp_path / "b.tif", PAGE[:90, :, 0])
    tifffile.imwrite(tmp_path / "c.tif", PAGE[..., 0].astype(np.uint16))
    tifffile.imwrite(tmp_path / "f64.tif", np.zeros((4, 4), np.float64))
    (tmp_path / "junk.tif").write_bytes(b"this is no TIFF at all" * 10)
    raw = (tmp_path / "a.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(raw[: len(raw) - 100])
    with pytest.raises(ImageStackError, match=r"b\.tif has slices of 70 x 90 pixels of uint8, but .*a\.tif"):
        open_stack([tmp_path / "a.tif", tmp_path / "b.tif"])
    with pytest.raises(ImageStackError, match=r"c\.tif has slices of 70 x 100 pixels of uint16"):
        open_stack([tmp_path / "a.tif", tmp_path / "c.tif"])
    with pytest.raises(ImageStackError, match=r"junk\.tif: cannot be read as TIFF"):
        open_stack([tmp_path / "a.tif", tmp_path / "junk.tif"])
    with pytest.raises(ImageStackError, match=r"cut\.tif: truncated"):
        open_stack([tmp_path / "cut.tif"])
    Image.fromarray(PAGE).save(tmp_path / "p.png")
    raw = (tmp_path / "p.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ImageStackError, match=r"cut\.png: truncated"):
        open_stack([tmp_path / "cut.png"])
    Image.fromarray(PAGE[..., 0] > 100).save(tmp_path / "bits.png")
    with pytest.raises(ImageStackError, match=r"bits\.png: unsupported pixel type"):
        open_stack([tmp_path / "bits.png"])
