"""The tiled F-to-C and C-to-F copies against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from wkdist.storage._layout import to_c_order, to_f_order


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32", "uint64", "float32", "int8"])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (1, 33, 17, 40), (3, 16, 16, 16), (2, 70, 5, 3)])
def test_to_c_order_equals_numpy(dtype, shape):
    data = np.asfortranarray(np.random.default_rng(0).integers(0, 100, shape).astype(dtype))
    result = to_c_order(data)
    assert result.flags.c_contiguous
    np.testing.assert_array_equal(result, data)


def test_c_ordered_input_is_returned_as_is():
    data = np.zeros((1, 4, 4, 4), np.uint8)
    assert to_c_order(data) is data


def test_strided_views_are_copied_correctly():
    base = np.asfortranarray(np.random.default_rng(1).integers(0, 9, (2, 20, 20, 20)).astype(np.uint8))
    view = base[:, 2:15:2, 1:, ::3]
    np.testing.assert_array_equal(to_c_order(view), view)


@pytest.mark.parametrize("dtype", ["uint8", "uint32", "float32"])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (1, 33, 17, 40), (2, 70, 5, 3)])
def test_to_f_order_equals_numpy(dtype, shape):
    data = np.random.default_rng(0).integers(0, 100, shape).astype(dtype)
    result = to_f_order(data)
    assert result.flags.f_contiguous
    np.testing.assert_array_equal(result, data)
    assert to_f_order(result) is result
    view = data[:, ::2, 1:]
    np.testing.assert_array_equal(to_f_order(view), view)
