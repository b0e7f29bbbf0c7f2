"""Reading and writing ``datasource-properties.json`` safely.

Saves are atomic (a sibling temp file, then ``os.replace``): readers and crashes
see the old file or the new one, never a truncated one. Writers serialize on an
exclusive ``flock`` of the sibling file ``.datasource-properties.json.lock``, and
:func:`update_properties` reads, changes and writes under that lock, so
concurrent updaters in different processes never lose each other's changes.

In object storage (a :class:`~wkdist.location.RemotePath`) every PUT replaces the
object whole, and :func:`update_properties` is a read-modify-conditional-write
loop (``If-Match`` on the generation read), retried when another writer got in
between: the same guarantee without a lock.

While a job stages a dataset's properties (:mod:`wkdist.properties.staging`),
every function here reads and writes the staged copy instead, in the context
that runs the job.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING

from wkdist._atomic import write_text_atomically
from wkdist.errors import InvalidArgumentError, WkdistError
from wkdist.geometry import BoundingBox
from wkdist.location import RemotePath, as_location, update_bytes

from ._stages import properties_home
from .json_codec import PropertiesError, dumps_properties, loads_properties
from .model import DatasetProperties

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable, Iterator
    from pathlib import Path

    from wkdist.location import Location, LocationLike

__all__ = [
    "LOCK_FILE_NAME",
    "PROPERTIES_FILE_NAME",
    "PropertiesNotFoundError",
    "load_properties",
    "merge_bounding_boxes",
    "properties_exist",
    "properties_stamp",
    "save_properties",
    "update_properties",
]

PROPERTIES_FILE_NAME = "datasource-properties.json"
LOCK_FILE_NAME = f".{PROPERTIES_FILE_NAME}.lock"
# errors of file systems without flock support (e.g. Lustre mounted without -o flock)
_LOCKING_UNSUPPORTED = (errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOLCK)


class PropertiesNotFoundError(WkdistError, FileNotFoundError):
    """A dataset directory has no ``datasource-properties.json``."""

    def __str__(self) -> str:
        # The message names the dataset already; OSError's "[Errno 2] ..." prefix is noise.
        return str(self.strerror)


def _not_found(dataset: Location, message: str | None = None) -> PropertiesNotFoundError:
    return PropertiesNotFoundError(
        errno.ENOENT,
        message or f"{dataset} is not a WEBKNOSSOS dataset: it has no {PROPERTIES_FILE_NAME}",
        str(dataset / PROPERTIES_FILE_NAME),
    )


def _properties_file(dataset: Path) -> Path:
    path = dataset / PROPERTIES_FILE_NAME
    if not path.is_file():
        raise _not_found(dataset)
    return path


def properties_stamp(dataset_path: LocationLike) -> Hashable:
    """What changes whenever the properties file is replaced (stat, or the object's generation).

    Raises
    ------
    PropertiesNotFoundError
        If the file does not exist.
    """
    dataset = properties_home(as_location(dataset_path))
    missing = f"no dataset at {dataset}: {PROPERTIES_FILE_NAME} is missing"
    if isinstance(dataset, RemotePath):
        generation = (dataset / PROPERTIES_FILE_NAME).generation()
        if generation is None:
            dataset.check_bucket()
            raise _not_found(dataset, missing)
        return generation
    try:
        stat = (dataset / PROPERTIES_FILE_NAME).stat()
    except FileNotFoundError:
        raise _not_found(dataset, missing) from None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _read_text(dataset: Location) -> tuple[str, str]:
    if isinstance(dataset, RemotePath):
        path: Location = dataset / PROPERTIES_FILE_NAME
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise _not_found(dataset) from None
    else:
        path = _properties_file(dataset)
        data = path.read_bytes()
    try:
        return data.decode("utf-8"), str(path)
    except UnicodeDecodeError as error:
        raise PropertiesError(str(path), "", f"not UTF-8 text ({error})") from error


def load_properties(dataset_path: LocationLike) -> DatasetProperties:
    """Read ``<dataset_path>/datasource-properties.json``.

    Raises
    ------
    PropertiesNotFoundError
        (a ``FileNotFoundError``) if the file does not exist.
    PropertiesError
        (a ``ValueError``) if it is malformed; the message names the file and
        the JSON path of the bad value.
    """
    text, source = _read_text(properties_home(as_location(dataset_path)))
    return loads_properties(text, source=source)


def properties_exist(dataset_path: LocationLike) -> bool:
    """Whether ``<dataset_path>/datasource-properties.json`` exists (in this context)."""
    return (properties_home(as_location(dataset_path)) / PROPERTIES_FILE_NAME).is_file()


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


def save_properties(dataset_path: LocationLike, properties: DatasetProperties) -> None:
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
    path = properties_home(as_location(dataset_path))
    if isinstance(path, RemotePath):
        update_bytes(path / PROPERTIES_FILE_NAME, lambda _: text.encode())
        return
    with _exclusive_lock(path):
        write_text_atomically(path / PROPERTIES_FILE_NAME, text)


def update_properties(
    dataset_path: LocationLike,
    fn: Callable[[DatasetProperties], DatasetProperties],
    *,
    rewrite: bool = False,
) -> DatasetProperties:
    """Read, change with ``fn`` and write the properties under an exclusive lock.

    Parameters
    ----------
    dataset_path
        The dataset's directory.
    fn
        Gets the current properties and returns the new ones (it must not write
        the file itself; it may raise to abort without writing).
    rewrite
        Write the file even if ``fn`` changed nothing (to store it in wkdist's
        form, e.g. with defaults such as ``numChannels`` written out).

    Returns
    -------
    DatasetProperties
        What ``fn`` returned (the file is rewritten only if it differs, or with
        ``rewrite``).
    """
    path = properties_home(as_location(dataset_path))
    if isinstance(path, RemotePath):
        return _update_remote(path, fn, rewrite=rewrite)
    _properties_file(path)
    with _exclusive_lock(path):
        old = load_properties(path)
        new = fn(old)
        if not isinstance(new, DatasetProperties):
            raise InvalidArgumentError(f"fn={fn!r} returned {new!r}; expected DatasetProperties")
        if rewrite or new != old:
            write_text_atomically(path / PROPERTIES_FILE_NAME, dumps_properties(new))
    return new


def _update_remote(
    dataset: RemotePath, fn: Callable[[DatasetProperties], DatasetProperties], *, rewrite: bool
) -> DatasetProperties:
    source = str(dataset / PROPERTIES_FILE_NAME)
    result: list[DatasetProperties] = []

    def change(data: bytes | None) -> bytes | None:
        if data is None:
            raise _not_found(dataset)
        old = loads_properties(data.decode("utf-8"), source=source)
        new = fn(old)
        if not isinstance(new, DatasetProperties):
            raise InvalidArgumentError(f"fn={fn!r} returned {new!r}; expected DatasetProperties")
        result[:] = [new]
        return None if new == old and not rewrite else dumps_properties(new).encode()

    update_bytes(dataset / PROPERTIES_FILE_NAME, change)
    return result[0]


def merge_bounding_boxes(
    dataset_path: LocationLike, layer_name: str, boxes: Iterable[BoundingBox]
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
