"""Reading and writing ``datasource-properties.json`` safely.

Saves are atomic (a sibling temp file, then ``os.replace``): readers and crashes
see the old file or the new one, never a truncated one. Writers serialize on an
exclusive ``flock`` of the sibling file ``.datasource-properties.json.lock``, and
:func:`update_properties` reads, changes and writes under that lock, so
concurrent updaters in different processes never lose each other's changes.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from wkdist._atomic import write_text_atomically
from wkdist.errors import InvalidArgumentError, WkdistError
from wkdist.geometry import BoundingBox

from .json_codec import PropertiesError, dumps_properties, loads_properties
from .model import DatasetProperties

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = [
    "LOCK_FILE_NAME",
    "PROPERTIES_FILE_NAME",
    "PropertiesNotFoundError",
    "load_properties",
    "merge_bounding_boxes",
    "save_properties",
    "update_properties",
]

PROPERTIES_FILE_NAME = "datasource-properties.json"
LOCK_FILE_NAME = f".{PROPERTIES_FILE_NAME}.lock"
# errors of file systems without flock support (e.g. Lustre mounted without -o flock)
_LOCKING_UNSUPPORTED = (errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOLCK)


class PropertiesNotFoundError(WkdistError, FileNotFoundError):
    """A dataset directory has no ``datasource-properties.json``."""


def _properties_file(dataset_path: str | os.PathLike[str]) -> Path:
    path = Path(dataset_path) / PROPERTIES_FILE_NAME
    if not path.is_file():
        raise PropertiesNotFoundError(
            errno.ENOENT,
            f"{Path(dataset_path)} is not a WEBKNOSSOS dataset: it has no {PROPERTIES_FILE_NAME}",
            str(path),
        )
    return path


def load_properties(dataset_path: str | os.PathLike[str]) -> DatasetProperties:
    """Read ``<dataset_path>/datasource-properties.json``.

    Raises
    ------
    PropertiesNotFoundError
        (a ``FileNotFoundError``) if the file does not exist.
    PropertiesError
        (a ``ValueError``) if it is malformed; the message names the file and
        the JSON path of the bad value.
    """
    path = _properties_file(dataset_path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise PropertiesError(str(path), "", f"not UTF-8 text ({error})") from error
    return loads_properties(text, source=str(path))


@contextmanager
def _exclusive_lock(dataset_path: Path) -> Iterator[None]:
    if not dataset_path.is_dir():
        raise FileNotFoundError(
            errno.ENOENT, f"dataset directory {dataset_path} does not exist", str(dataset_path)
        )
    descriptor = os.open(dataset_path / LOCK_FILE_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError as error:
            if error.errno not in _LOCKING_UNSUPPORTED:
                raise
            warnings.warn(
                f"the file system of {dataset_path} does not support flock ({error}); "
                f"concurrent changes to {PROPERTIES_FILE_NAME} may be lost",
                RuntimeWarning,
                stacklevel=4,
            )
        yield
    finally:
        os.close(descriptor)  # also releases the lock


def save_properties(dataset_path: str | os.PathLike[str], properties: DatasetProperties) -> None:
    """Write ``properties`` to ``<dataset_path>/datasource-properties.json`` atomically.

    The JSON is produced first (``json.dumps``, indent 4); if that fails the old
    file is untouched. The file is then replaced atomically under the lock.

    Raises
    ------
    FileNotFoundError
        If ``dataset_path`` is not a directory.
    """
    if not isinstance(properties, DatasetProperties):
        raise InvalidArgumentError(
            f"properties={properties!r} is invalid; expected DatasetProperties"
        )
    text = dumps_properties(properties)
    path = Path(dataset_path)
    with _exclusive_lock(path):
        write_text_atomically(path / PROPERTIES_FILE_NAME, text)


def update_properties(
    dataset_path: str | os.PathLike[str],
    fn: Callable[[DatasetProperties], DatasetProperties],
) -> DatasetProperties:
    """Read, change with ``fn`` and write the properties under an exclusive lock.

    Parameters
    ----------
    dataset_path
        The dataset's directory.
    fn
        Gets the current properties and returns the new ones (it must not write
        the file itself; it may raise to abort without writing).

    Returns
    -------
    DatasetProperties
        What ``fn`` returned (the file is rewritten only if it differs).
    """
    path = Path(dataset_path)
    _properties_file(path)
    with _exclusive_lock(path):
        old = load_properties(path)
        new = fn(old)
        if not isinstance(new, DatasetProperties):
            raise InvalidArgumentError(f"fn={fn!r} returned {new!r}; expected DatasetProperties")
        if new != old:
            write_text_atomically(path / PROPERTIES_FILE_NAME, dumps_properties(new))
    return new


def merge_bounding_boxes(
    dataset_path: str | os.PathLike[str], layer_name: str, boxes: Iterable[BoundingBox]
) -> BoundingBox:
    """Extend layer ``layer_name``'s box by all ``boxes`` (never shrinks it).

    Safe to call from many processes at once: every box is kept.

    Parameters
    ----------
    dataset_path
        The dataset's directory.
    layer_name
        The layer whose ``boundingBox`` grows.
    boxes
        Boxes in Mag(1) voxels with topleft >= 0; empty boxes change nothing.

    Returns
    -------
    BoundingBox
        The layer's new box, in Mag(1) voxels.
    """
    given = list(boxes)
    for box in given:
        if not isinstance(box, BoundingBox) or not box.topleft.is_positive():
            raise InvalidArgumentError(
                f"boxes contains {box!r}; expected BoundingBox objects with topleft >= 0"
            )
    union = functools.reduce(BoundingBox.extended_by, given, BoundingBox.empty())

    def grow(properties: DatasetProperties) -> DatasetProperties:
        layer = properties.get_layer(layer_name)
        return properties.with_layer(layer.with_bounding_box(layer.bounding_box.extended_by(union)))

    return update_properties(dataset_path, grow).get_layer(layer_name).bounding_box
