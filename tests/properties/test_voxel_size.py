from __future__ import annotations

import pytest

from wkdist.errors import InvalidArgumentError
from wkdist.properties import LENGTH_UNITS, VoxelSize


@pytest.mark.parametrize(
    ("unit", "name", "nanometers"),
    [("nm", "nanometer", 11.0), ("µm", "micrometer", 11000.0), ("um", "micrometer", 11000.0),
     ("Å", "angstrom", 1.1), ("angstrom", "angstrom", 1.1)],
)  # fmt: skip
def test_voxel_size_normalises_the_unit(unit, name, nanometers):
    size = VoxelSize((11, 11, 11), unit)
    assert size.unit == name
    assert size.factor == (11.0, 11.0, 11.0)
    assert all(isinstance(v, float) for v in size.factor)
    assert size.to_nanometer() == pytest.approx((nanometers,) * 3)


def test_voxel_size_defaults_to_nanometers():
    assert VoxelSize([4, 4, 40]) == VoxelSize((4.0, 4.0, 40.0), "nanometer")


@pytest.mark.parametrize(
    ("factor", "unit", "match"),
    [((1, 1), "nm", "factor="), ((1, 0, 1), "nm", "> 0"), ((1, float("nan"), 1), "nm", "finite"),
     (("1", 1, 1), "nm", "factor="), (5, "nm", "factor="), ((1, 1, 1), "furlong", "unit='furlong'"),
     ((1, 1, 1), None, "unit=None")],
)  # fmt: skip
def test_voxel_size_rejects(factor, unit, match):
    with pytest.raises(InvalidArgumentError, match=match):
        VoxelSize(factor, unit)


def test_every_unit_has_a_unique_abbreviation():
    abbreviations = [abbreviation for abbreviation, _ in LENGTH_UNITS.values()]
    assert len(set(abbreviations)) == len(abbreviations)
    for name, (abbreviation, nanometers) in LENGTH_UNITS.items():
        assert VoxelSize((1, 1, 1), abbreviation).unit == name
        assert VoxelSize((1, 1, 1), name).to_nanometer() == (nanometers,) * 3


def test_units_agree_with_webknossos():
    from webknossos.dataset_properties.length_unit import (
        _LENGTH_UNIT_TO_NANOMETER,
        _STR_TO_UNIT_MAP,
    )

    for spelling, unit in _STR_TO_UNIT_MAP.items():
        size = VoxelSize((1, 1, 1), spelling)
        assert size.unit == unit.value
        assert size.to_nanometer() == (_LENGTH_UNIT_TO_NANOMETER[unit],) * 3
