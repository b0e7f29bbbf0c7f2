"""Names in the properties file: layer names and how mag directories are written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from wkdist.errors import InvalidArgumentError
from wkdist.location import RemotePath

if TYPE_CHECKING:
    from pathlib import PurePath

    from wkdist.location import Location

_LAYER_NAME = re.compile(r"^[A-Za-z0-9_$@\-]+[A-Za-z0-9_$@\-\.]*$")


def validate_layer_name(name: str) -> None:
    """Raise unless ``name`` is a valid WEBKNOSSOS layer name."""
    if not isinstance(name, str) or _LAYER_NAME.match(name) is None:
        raise InvalidArgumentError(
            f"layer_name {name!r} is invalid: use letters, digits and _ $ @ - . "
            "(not starting with a dot)"
        )


def dump_mag_path(mag_path: Location, dataset_path: Location) -> str:
    """How the properties file names a mag directory: ``./layer/mag`` inside the dataset,
    absolute (a path or a URL) outside it."""
    relative: PurePath
    try:
        if isinstance(mag_path, RemotePath) and isinstance(dataset_path, RemotePath):
            relative = mag_path.relative_to(dataset_path)
        elif isinstance(mag_path, Path) and isinstance(dataset_path, Path):
            relative = mag_path.resolve().relative_to(dataset_path.resolve())
        else:
            return str(mag_path.resolve())
    except ValueError:
        return str(mag_path.resolve())
    return f"./{relative.as_posix()}"
