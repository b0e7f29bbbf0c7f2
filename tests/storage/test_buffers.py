"""Result buffers: zero-filled like np.zeros, large ones from anonymous memory maps."""

from __future__ import annotations

import gc
import pickle

import numpy as np
import pytest

from wkdist.storage import buffers


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", [(1, 8, 8, 8), (2, 256, 256, 160)])  # 1 KiB, 40 MiB of uint16
def test_zeros_like_numpy(shape, order):
    array = buffers.zeros(shape, np.uint16, order)
    expected = np.zeros(shape, np.uint16, order=order)
    assert array.shape == expected.shape
    assert array.dtype == expected.dtype
    assert array.strides == expected.strides
    assert array.flags.writeable
    assert not array.any()
    large = array.nbytes >= buffers.MAPPED_MIN_BYTES
    assert (array.base is not None) == large  # mapped: the array keeps its map alive
    array[(0,) * 4] = 7
    array[(-1,) * 4] = 9
    gc.collect()
    again = pickle.loads(pickle.dumps(array))
    assert again[(0,) * 4] == 7
    assert again[(-1,) * 4] == 9
    assert int(again.sum()) == 16


def test_views_keep_the_map_alive():
    view = buffers.zeros((1, 512, 512, 128), np.uint8)[0, :, :, 64:]
    gc.collect()
    view[...] = 3
    assert int(view.sum()) == 3 * 512 * 512 * 64
