"""Shared test helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from pathlib import Path

FORMATS = ("wkw", "zarr", "zarr3")

# Property tests check results, not speed: on a loaded 2-core machine a trivial
# example can take 700 ms, and hypothesis's default 200 ms deadline then fails it.
settings.register_profile("wkdist", deadline=None)
settings.load_profile("wkdist")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` with its bytes (symlinks by target)."""
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            files[key] = str(path.readlink()).encode()
        elif path.is_file():
            files[key] = path.read_bytes()
    return files


@pytest.fixture(params=FORMATS)
def data_format(request: pytest.FixtureRequest) -> str:
    return request.param
