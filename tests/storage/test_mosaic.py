"""BlockMosaic: a grid of blocks that behaves like the array it makes up."""

from __future__ import annotations

import numpy as np
import pytest

from tests.storage.storage_contract import split
from wkdist.errors import InvalidArgumentError
from wkdist.storage.mosaic import BlockMosaic, copy_into

DATA = np.arange(2 * 30 * 20 * 10, dtype=np.uint16).reshape(2, 30, 20, 10)
CUTS = ((1,), (8, 20), (5,), ())


def test_array_like_attributes():
    mosaic = split(DATA, CUTS)
    assert (mosaic.shape, mosaic.dtype, mosaic.ndim, mosaic.nbytes) == (
        DATA.shape, DATA.dtype, 4, DATA.nbytes,
    )
    assert mosaic.any()
    assert not split(np.zeros_like(DATA), CUTS).any()
    assembled = np.asarray(mosaic)
    assert assembled.flags.f_contiguous
    np.testing.assert_array_equal(assembled, DATA)
    np.testing.assert_array_equal(np.asfortranarray(mosaic), DATA)
    assert "blocks=12" in repr(mosaic)


@pytest.mark.parametrize(
    ("key", "one_block"),
    [
        ((slice(None), slice(8, 20), slice(5, 20), slice(0, 10)), False),  # two channel blocks
        ((slice(1, 2), slice(8, 20), slice(5, 20), slice(0, 10)), True),  # exactly one block
        ((slice(1, 2), slice(9, 12), slice(6, 7), slice(3, 4)), True),  # inside one block
        ((slice(None), slice(3, 25), slice(2, 19)), False),  # trailing axis omitted
        ((slice(0, 1), slice(19, 21)), False),
        ((slice(0, 1), slice(0, 30), slice(4, 6), slice(2, 3)), False),
    ],
)
def test_sub_boxes(key, one_block):
    mosaic = split(DATA, CUTS)
    part = mosaic[key]
    np.testing.assert_array_equal(np.asarray(part), DATA[key])
    assert isinstance(part, np.ndarray) == one_block
    if one_block:  # a view, no copy
        assert any(np.shares_memory(part, block) for _, block in mosaic.blocks())
    out = np.zeros(DATA[key].shape, DATA.dtype)
    copy_into(out, part)
    np.testing.assert_array_equal(out, DATA[key])


def test_empty_sub_box_and_bad_keys():
    mosaic = split(DATA, CUTS)
    assert mosaic[:, 5:5].shape == (2, 0, 20, 10)
    with pytest.raises(TypeError, match="slices of step 1"):
        mosaic[:, ::2]
    with pytest.raises(TypeError, match="slices of step 1"):
        mosaic[(0, slice(None))]


def test_of_nested_and_with_blocks():
    nested = [[[[DATA[:, :8]]], [[DATA[:, 8:]]]]]
    mosaic = BlockMosaic.of_nested(nested)
    assert isinstance(mosaic, BlockMosaic)
    np.testing.assert_array_equal(np.asarray(mosaic), DATA)
    assert BlockMosaic.of_nested([[[[DATA]]]]) is DATA
    doubled = mosaic.with_blocks(lambda b: b * 2)
    np.testing.assert_array_equal(np.asarray(doubled), DATA * 2)


def test_invalid_grids():
    a = np.zeros((1, 4, 4, 4), np.uint8)
    with pytest.raises(InvalidArgumentError, match="fill a 4-d grid"):
        BlockMosaic({(0, 0, 0, 0): a, (0, 2, 0, 0): a})
    with pytest.raises(InvalidArgumentError, match="block"):
        BlockMosaic({(0, 0, 0, 0): a, (0, 1, 0, 0): a.astype(np.uint16)})
    with pytest.raises(InvalidArgumentError, match="block"):
        BlockMosaic({(0, 0, 0, 0): a, (0, 0, 1, 0): a, (0, 1, 0, 0): a, (0, 1, 1, 0): a[:, :, :3]})
    with pytest.raises(InvalidArgumentError, match="at least one"):
        BlockMosaic({})
