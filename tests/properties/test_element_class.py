from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from wkdist.errors import InvalidArgumentError
from wkdist.properties import dtype_from_element_class, element_class_from_dtype

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from webknossos.dataset_properties.dtype_conversion import (
        dtype_per_channel_to_element_class,
        element_class_to_dtype_per_channel,
    )

DTYPES = ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "float32", "float64"]  # fmt: skip


@pytest.mark.parametrize(
    ("dtype", "num_channels", "element_class"),
    [
        ("uint8", 1, "uint8"),
        ("uint8", 3, "uint24"),
        ("uint16", 3, "uint48"),
        (np.uint32, 1, "uint32"),
        ("uint64", 1, "uint64"),
        ("int8", 1, "int8"),
        ("int16", 2, "int32"),
        ("int64", 1, "int64"),
        ("float32", 1, "float"),
        (np.float64, 1, "double"),
        ("float32", 3, "float96"),
        (">u2", 1, "uint16"),
    ],
)
def test_element_class_both_ways(dtype, num_channels, element_class):
    assert element_class_from_dtype(dtype, num_channels) == element_class
    assert dtype_from_element_class(element_class, num_channels) == np.dtype(dtype).newbyteorder(
        "="
    )


@pytest.mark.parametrize(("dtype", "num_channels"), list(itertools.product(DTYPES, [1, 2, 3, 4])))
def test_agrees_with_webknossos(dtype, num_channels):
    expected = dtype_per_channel_to_element_class(dtype, num_channels)
    assert element_class_from_dtype(dtype, num_channels) == expected
    assert dtype_from_element_class(expected, num_channels) == element_class_to_dtype_per_channel(
        expected, num_channels
    )


@pytest.mark.parametrize(
    ("dtype", "num_channels", "match"),
    [
        ("bool", 1, "not supported"),
        ("complex64", 1, "not supported"),
        ("not-a-dtype", 1, "not a numpy dtype"),
        ("uint8", 0, "num_channels=0"),
        ("uint8", True, "num_channels=True"),
        ("uint8", 1.0, "num_channels=1.0"),
    ],
)
def test_element_class_from_dtype_rejects(dtype, num_channels, match):
    with pytest.raises(InvalidArgumentError, match=match):
        element_class_from_dtype(dtype, num_channels)


@pytest.mark.parametrize(
    ("element_class", "num_channels", "match"),
    [
        ("uint7", 1, "7/1 bits per channel"),
        ("uint24", 2, "24/2 bits per channel"),
        ("uint8", 3, "8/3 bits per channel"),
        ("float", 3, "32/3 bits per channel"),
        ("int4", 1, "expected int channels of 8, 16, 32 or 64 bits"),
        ("complex64", 1, "expected 'uint<bits>'"),
        ("u1", 1, "expected 'uint<bits>'"),
        (8, 1, "expected a string"),
        ("uint8", -1, "num_channels=-1"),
    ],
)
def test_dtype_from_element_class_rejects(element_class, num_channels, match):
    with pytest.raises(InvalidArgumentError, match=match):
        dtype_from_element_class(element_class, num_channels)
